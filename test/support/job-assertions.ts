import { readFileSync } from 'node:fs';
import type { JobHandle } from '../../src/client/job-handle';
import type { EmulatorHandle } from '../../src/emulator';
import type { JobReport } from '../../src/report/job-report';
import type { ResultLine } from '../../src/results/result-line';

/** The results file of a finished job, parsed. */
export function resultLines(report: JobReport): ResultLine[] {
  return readFileSync(report.files.results, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as ResultLine);
}

/** Every input line has exactly one result line, in input order, and the report's counts add up. */
export function expectOneOutcomePerItem(report: JobReport, inputLines: number): ResultLine[] {
  return expectLines(report, resultLines(report), inputLines);
}

/** The same, for a job whose files are read through Longhaul (blobs encrypted at rest are ciphertext on disk). */
export async function expectOneOutcomePerItemOf(job: JobHandle, inputLines: number): Promise<ResultLine[]> {
  const report = await job.result();
  const lines: ResultLine[] = [];
  for await (const line of job.results()) lines.push(line);
  return expectLines(report, lines, inputLines);
}

function expectLines(report: JobReport, lines: ResultLine[], inputLines: number): ResultLine[] {
  expect(lines).toHaveLength(inputLines);
  expect(lines.map((l) => l.line)).toEqual([...lines.map((l) => l.line)].sort((a, b) => a - b));
  const { succeeded, failed, cancelled, cached } = report.counts;
  expect(succeeded + failed + cancelled + cached).toBe(report.total);
  expect(report.total).toBe(inputLines);
  const states = { succeeded: 0, failed: 0, cancelled: 0, cached: 0 };
  for (const line of lines) states[line.state]++;
  expect(states).toEqual(report.counts);
  return lines;
}

/**
 * The emulator saw at most one batch per shard attempt of this job, and no request of the job was submitted
 * twice under the same custom_id (custom_ids are per round, so a duplicate would be a double submission).
 */
export function expectExactlyOnce(emulator: EmulatorHandle, jobId: string, provider: 'openai' | 'anthropic' = 'openai'): void {
  const seen = emulator.inspect();
  const batches = seen.batches[provider].filter((b) => b.metadata?.longhaul_job === jobId);
  const perAttempt = new Map<string, number>();
  for (const b of batches) perAttempt.set(b.metadata!.longhaul_shard!, (perAttempt.get(b.metadata!.longhaul_shard!) ?? 0) + 1);
  for (const [attempt, count] of perAttempt) expect({ attempt, count }).toEqual({ attempt, count: 1 });
  const ids = new Set(batches.map((b) => b.id));
  const duplicated = Object.entries(seen.submissions.byCustomId[provider]).filter(([, s]) => s.batches.filter((id) => ids.has(id)).length > 1);
  expect(duplicated).toEqual([]);
}

import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import type { Provider } from './scenario';
import { emptyState, type EmulatorState } from './state';
import { countSubmissions } from './submissions';

/** The envelope checked on load; the rest is the emulator's own writing (temp file + rename, never partial). */
const StateEnvelopeSchema = z.looseObject({ version: z.literal(1), instance: z.string().min(1) });

function parseState(text: string, source: string): EmulatorState {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`emulator state ${source} is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = StateEnvelopeSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`emulator state ${source} is not a version 1 state file: ${z.prettifyError(parsed.error)}`);
  return raw as EmulatorState;
}

const SAVE_DEBOUNCE_MS = 100;
const SUBMISSIONS_LOG = 'submissions.jsonl';

interface SubmissionLogLine {
  provider: Provider;
  batchId: string;
  customIds: readonly string[];
}

/**
 * Owns the emulator state and where it lives. With a data directory, `state.json` is rewritten atomically
 * (temp file + rename) after each mutation and blobs live in `files/`, so a restarted emulator resumes.
 * Submission counts (one entry per custom_id ever submitted: millions in a big run) are kept out of
 * `state.json` and appended to `submissions.jsonl` once per batch instead, so saving stays cheap.
 * Without a data directory, state stays in memory and blobs go to a temporary directory removed on close.
 */
export class StateStore {
  private saving: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    readonly state: EmulatorState,
    /** Directory of uploaded, output, result and request files. */
    readonly filesDir: string,
    private readonly root: string,
    private readonly persistent: boolean,
  ) {}

  /** Opens (or creates) the state in `dataDir`, or a throwaway one under os.tmpdir(). */
  static async open(dataDir?: string): Promise<StateStore> {
    const root = dataDir ? path.resolve(dataDir) : await mkdtemp(path.join(os.tmpdir(), 'longhaul-emulator-'));
    const filesDir = path.join(root, 'files');
    await mkdir(filesDir, { recursive: true });
    const statePath = path.join(root, 'state.json');
    const state = dataDir && existsSync(statePath)
      ? parseState(await readFile(statePath, 'utf8'), statePath)
      : emptyState(randomBytes(4).toString('hex'));
    state.submissions = { openai: {}, anthropic: {} };
    const log = path.join(root, SUBMISSIONS_LOG);
    if (dataDir && existsSync(log)) {
      for (const line of readFileSync(log, 'utf8').split('\n')) {
        if (!line) continue;
        const entry = JSON.parse(line) as SubmissionLogLine;
        countSubmissions(state, entry.provider, entry.batchId, entry.customIds);
      }
    }
    return new StateStore(state, filesDir, root, Boolean(dataDir));
  }

  /** Counts a batch's submissions and, with a data directory, appends them to the log before returning. */
  recordSubmissions(provider: Provider, batchId: string, customIds: readonly string[]): void {
    countSubmissions(this.state, provider, batchId, customIds);
    if (this.persistent) appendFileSync(path.join(this.root, SUBMISSIONS_LOG), JSON.stringify({ provider, batchId, customIds } satisfies SubmissionLogLine) + '\n');
  }

  /** Absolute path of a blob in the files directory. */
  blobPath(name: string): string {
    return path.join(this.filesDir, name);
  }

  /** Hands out the next sequence number (ids, list order). */
  nextSequence(): number {
    this.state.sequence += 1;
    return this.state.sequence;
  }

  /** Writes the state now (after any save in flight); resolves when it is on disk. No-op in memory mode. */
  save(): Promise<void> {
    if (!this.persistent) return Promise.resolve();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.saving = this.saving.catch(() => undefined).then(() => this.writeNow());
    return this.saving;
  }

  /** Schedules a save soon; for progress that a restart can redo (batch request cursors). */
  saveSoon(): void {
    if (!this.persistent || this.timer) return;
    this.timer = setTimeout(() => void this.save().catch(() => undefined), SAVE_DEBOUNCE_MS);
    this.timer.unref();
  }

  /** Flushes pending writes; removes the throwaway directory in memory mode. */
  async close(): Promise<void> {
    if (this.persistent) await this.save();
    else await rm(this.root, { recursive: true, force: true });
  }

  private async writeNow(): Promise<void> {
    const target = path.join(this.root, 'state.json');
    const temp = `${target}.${process.pid}.tmp`;
    await writeFile(temp, JSON.stringify(this.state, (key, value) => (key === 'submissions' ? undefined : value)));
    await rename(temp, target);
  }
}

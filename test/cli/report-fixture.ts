import type { JobReport } from '../../src/report/job-report';

/** A report with everything a chart can show: retry rounds, failures, three tiers, cached items. */
export function sampleReport(overrides: Partial<JobReport> = {}): JobReport {
  const shardTimings = [
    ...Array.from({ length: 12 }, (_, i) => ({ round: 0, index: i, requests: 500, seconds: 1800 + i * 97, tier: 'batch' })),
    ...Array.from({ length: 3 }, (_, i) => ({ round: 1, index: i, requests: 40, seconds: 600 + i * 30, tier: 'batch' })),
    { round: 2, index: 0, requests: 9, seconds: 45, tier: 'flex' },
  ];
  return {
    jobId: 'tickets-<2026>&"q"',
    taskVersion: 'ee2704eb4234cad8',
    generation: 1,
    status: 'completed',
    provider: 'openai',
    model: 'gpt-4o-mini',
    mode: 'batch',
    total: 6000,
    counts: { succeeded: 5700, failed: 120, cancelled: 30, cached: 150 },
    failuresByReason: { invalid_output: 70, bad_row: 40, expired: 10 },
    byTier: {
      batch: { items: 5600, tokensIn: 980_000, tokensOut: 310_000, costUsd: 0.167 },
      flex: { items: 100, tokensIn: 17_000, tokensOut: 5_500, costUsd: 0.0029 },
      realtime: { items: 0, tokensIn: 0, tokensOut: 0, costUsd: 0 },
      cache: { items: 150, tokensIn: 0, tokensOut: 0, costUsd: 0 },
    },
    tokens: { in: 997_000, out: 315_500 },
    cost: { paidUsd: 0.1699, realtimeUsd: 0.3388, savedUsd: 0.1689, priceKnown: true },
    rounds: 3,
    shards: 16,
    duplicateIds: 2,
    timings: { prepare: 4_000, batches: 7_200_000, rounds: 1_900_000, fallback: 60_000, finalize: 3_000 },
    shardTimings,
    startedAt: '2026-11-28T20:00:00.000Z',
    finishedAt: '2026-11-29T00:33:00.000Z',
    files: {
      results: '/data/jobs/tickets/results.jsonl',
      deadLetter: '/data/jobs/tickets/dead-letter.jsonl',
      report: '/data/jobs/tickets/report.json',
    },
    ...overrides,
  };
}

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { workflowBundle, quietRuntime } from '../support/stack';

/**
 * The replay gate: every recorded history (test/fixtures/histories, recorded by record-histories.test.ts,
 * `npm run record-histories`) is replayed against today's workflow code on every test run, no server needed.
 * A change that breaks determinism fails here, naming the file, the workflow and what the SDK found at which
 * event, instead of failing running 24-72 h jobs. Old files stay: they are the histories of runs that older
 * workers started (docs/versioning.md).
 */
const DIR = path.join(__dirname, '..', 'fixtures', 'histories');
const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();

/** Every workflow shape the gate must hold a history of. */
const SHAPES = [
  'plain-job', 'plain-shard', 'rounds-job', 'rounds-shard', 'cancelled-job', 'cancelled-shard', 'reprocess-job',
  'flex-job', 'flex-shard', 'realtime-job', 'realtime-shard', 'auto-job', 'deadline-job', 'deadline-shard', 'paused-job',
  'reprocess-changes-job', 'reprocess-changes-shard', 'refused-reprocess-job', 'anthropic-job', 'anthropic-shard', 'webhook-job', 'webhook-shard',
  'stores-job', 'stores-shard', 'can-shard-first-run', 'can-shard-last-run', 'can-job-first-run', 'can-job-last-run',
  'references-job', 'references-shard', 'can-in-round-job-first-run', 'can-in-round-job-last-run',
];

/**
 * Replays one recorded history; a failure names the file, the workflow type, the event where the SDK found
 * the mismatch (when it says) and its account of it.
 */
async function replay(file: string, json: unknown): Promise<void> {
  const history = historyFromJSON(json);
  const workflow = history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? 'unknown workflow';
  const bundle = workflowBundle();
  try {
    await Worker.runReplayHistory(bundle ? { workflowBundle: bundle } : { workflowsPath: require.resolve('../../workflows') }, history, file);
  } catch (err) {
    const message = (err as Error).message;
    const found = /Nondeterminism error: (.*?)", source:/.exec(message)?.[1] ?? message;
    const event = /HistoryEvent\(id: (\d+), (\w+)\)/.exec(found);
    const at = event ? ` at event ${event[1]} (${event[2]})` : '';
    throw new Error(`${file}: ${workflow} no longer replays${at} (${history.events?.length ?? 0} events recorded): ${found}`);
  }
}

describe('replay of recorded histories', () => {
  beforeAll(() => quietRuntime());

  it('has histories of every workflow shape', () => {
    expect(SHAPES.filter((shape) => !files.includes(`${shape}.json`))).toEqual([]);
  });

  it.each(files)('%s replays deterministically', async (file) => {
    await replay(file, JSON.parse(readFileSync(path.join(DIR, file), 'utf8')));
  });

  it('fails on a history the code no longer matches, naming the file, the workflow and the mismatch', async () => {
    // as if the code had renamed the shard's first activity since the history was recorded
    const json = JSON.parse(readFileSync(path.join(DIR, 'plain-shard.json'), 'utf8')) as { events: Array<{ activityTaskScheduledEventAttributes?: { activityType: { name: string } } }> };
    json.events.find((e) => e.activityTaskScheduledEventAttributes)!.activityTaskScheduledEventAttributes!.activityType.name = 'renamedActivity';
    await expect(replay('plain-shard.json', json)).rejects.toThrow(/^plain-shard\.json: shardWorkflow no longer replays \(\d+ events recorded\): .*'renamedActivity'.*'submitShard'/);
  });
});

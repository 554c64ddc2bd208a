import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { workflowBundle, quietRuntime } from '../support/stack';

/**
 * Replays recorded histories of finished jobs against today's workflow code (no server needed): a change
 * that breaks determinism fails here instead of failing running 24-72 h jobs.
 */
const DIR = path.join(__dirname, '..', 'fixtures', 'histories');
const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();

describe('replay of recorded histories', () => {
  beforeAll(() => quietRuntime());

  it('has histories of every job shape', () => {
    expect(files).toEqual(expect.arrayContaining(['plain-job.json', 'rounds-job.json', 'cancelled-job.json', 'reprocess-job.json', 'plain-shard.json']));
  });

  it.each(files)('%s replays deterministically', async (file) => {
    const history = historyFromJSON(JSON.parse(readFileSync(path.join(DIR, file), 'utf8')));
    const bundle = workflowBundle();
    await Worker.runReplayHistory(bundle ? { workflowBundle: bundle } : { workflowsPath: require.resolve('../../workflows') }, history, file);
  });
});

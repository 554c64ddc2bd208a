import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { gcDeps } from '../../src/client/gc-deps';
import { payloadDataConverter } from '../../src/codec/payload-data-converter';
import { SqliteResultStore } from '../../src/results/sqlite-result-store';
import { LocalBlobStore } from '../../src/storage/local-blob-store';
import { jobWorkflowId } from '../../workflows/internal/workflow-ids';
import { testAddress } from '../support/stack';
import { tempDir } from '../support/temp-dirs';

const KEYS = [{ id: 'gc-test', key: randomBytes(32).toString('base64') }];
const DATASET = 'blob:datasets/0123abcd.jsonl';

/**
 * What gc asks Temporal, for a running job whose memo is encrypted (LONGHAUL_PAYLOAD_KEY): a process with the key
 * reads its dataset from the memo; one without it still sees the job and its status, and, unable to tell which
 * dataset the job reads, keeps every dataset rather than failing (the SDK's describe and list decode every memo).
 */
describe('gc deps on a job encrypted with a key the process may lack', () => {
  let connection: Connection;
  let dir: string;
  let store: SqliteResultStore;
  const jobId = `gc-deps-${Math.random().toString(36).slice(2, 8)}`;
  const withKey = () => new Client({ connection, dataConverter: payloadDataConverter(KEYS) });
  const withoutKey = () => new Client({ connection, dataConverter: payloadDataConverter(undefined) });

  beforeAll(async () => {
    connection = await Connection.connect({ address: testAddress() });
    dir = tempDir('longhaul-gc-deps-');
    store = new SqliteResultStore(path.join(dir, 'results.sqlite'));
    // no worker polls this queue: the job stays running, its memo sealed with the key
    await withKey().workflow.start('jobWorkflow', { workflowId: jobWorkflowId(jobId), taskQueue: `gc-deps-${jobId}`, args: [], memo: { longhaul: { dataset: DATASET } } });
  });
  afterAll(async () => {
    await withKey().workflow.getHandle(jobWorkflowId(jobId)).terminate('test over').catch(() => undefined);
    await store?.close();
    await connection?.close();
  });

  it('with the key: the running job is seen and the dataset it reads is kept', async () => {
    const deps = gcDeps(withKey(), new LocalBlobStore(dir), store);
    expect(await deps.workflowOf(jobId)).toEqual({ status: 'RUNNING' });
    let datasets = await deps.runningDatasets();
    for (const deadline = Date.now() + 15_000; !(datasets instanceof Set && datasets.has(DATASET)) && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 300)); // visibility lists a new run shortly after it starts
      datasets = await deps.runningDatasets();
    }
    expect(datasets).toContain(DATASET);
  });

  it('without the key: the job and its status are still seen, and no dataset is removed', async () => {
    const deps = gcDeps(withoutKey(), new LocalBlobStore(dir), store);
    expect(await deps.workflowOf(jobId)).toEqual({ status: 'RUNNING' });
    expect(await deps.workflowOf(`${jobId}-never-started`)).toBeUndefined();
    expect(await deps.runningDatasets()).toBe('unknown');
  });
});

/** The workflows a Longhaul worker registers (its `workflowsPath` points here). */
export { batchJobWorkflow } from './job';
export { shardWorkflow } from './shard';

/** Where a shard lives: its job, generation, round and index (blob keys and workflow ids are built from it). */
export interface ShardAddress {
  jobId: string;
  generation: number;
  round: number;
  index: number;
}

/** A shard as the workflows see it: an address plus sizes, never its rows. */
export interface ShardRef {
  index: number;
  requests: number;
  bytes: number;
  estTokens: number;
}

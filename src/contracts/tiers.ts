/**
 * Where requests go, one family for everything that names a tier: the job's rounds and shards, the synchronous
 * tiers' activities, the spec's fallback order, the stored outcomes and the report. Sandbox-safe (types only).
 */

/** Where a shard's requests are sent: the batch API, the flex tier, or synchronous calls. */
export type SendTier = 'batch' | 'flex' | 'realtime';

/** The tiers that send request by request (src/tiers/sync-shard.ts), and a deadline's fallback order. */
export type SyncTier = Exclude<SendTier, 'batch'>;

/** How an item's answer came: sent on a tier, answered from the cache, or not sent at all. */
export type ItemTier = SendTier | 'cache' | 'none';

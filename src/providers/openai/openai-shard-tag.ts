import type OpenAI from 'openai';
import { METADATA_SHARD } from './openai-batch-provider';
import { toProviderError } from './openai-errors';

/**
 * The shard attempt id an OpenAI-style batch (OpenAI, Azure OpenAI, compatible hosts) was tagged with at
 * create (`metadata.longhaul_shard`), or undefined when the batch does not exist (404) or carries no tag
 * (not ours). Used by the webhook receiver to find the shard waiting for a batch.
 * @throws ProviderError for anything but a 404 (rate limits, 5xx, timeouts: the caller may retry).
 */
export async function readOpenAiShardTag(client: OpenAI, batchId: string, provider: string): Promise<string | undefined> {
  try {
    const batch = await client.batches.retrieve(batchId);
    const tag = batch.metadata?.[METADATA_SHARD];
    return typeof tag === 'string' && tag.length > 0 ? tag : undefined;
  } catch (err) {
    const failure = toProviderError(err, provider);
    if (failure.kind === 'not_found') return undefined;
    throw failure;
  }
}

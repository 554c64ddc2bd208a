import type Anthropic from '@anthropic-ai/sdk';
import type { MessageBatch } from '@anthropic-ai/sdk/resources/messages/batches';
import type { Endpoint } from '../../spec/job-spec';
import type { BlobWriter } from '../../storage/blob-store';
import type { ItemResult } from '../../results/item-result';
import type {
  BatchProvider,
  BatchStatus,
  FindHints,
  FoundBatch,
  ParsedAnswer,
  ProviderCapabilities,
  ProviderLimits,
  RenderedPrompt,
  RequestShape,
  SubmitHooks,
  SubmitRequest,
  SyncRequest,
} from '../batch-provider';
import { ProviderError } from '../provider-error';
import { copyResponseBody } from '../response-to-blob';
import { RESULT_READERS } from '../result-readers';
import { StreamedBatchBody } from './anthropic-batch-body';
import { toAnthropicProviderError } from './anthropic-errors';
import { matchingAnthropicBatches } from './anthropic-reconcile';
import { anthropicBatchLine, buildAnthropicBody, parseAnthropicBatchLine, withAnthropicRepairHint } from './anthropic-requests';
import { anthropicCounts, anthropicPhase } from './anthropic-status';

/** Bytes of `{"requests":[` + `]}` around the shard file's lines (whose newlines become commas). */
const BODY_OVERHEAD = 16;

/**
 * Anthropic Message Batches (and synchronous Messages) through the official `@anthropic-ai/sdk` client,
 * which must be built with `maxRetries: 0`. Batches are created inline (no file upload) from the shard file,
 * streamed; results come from the batch's `results_url` as one JSONL file (no separate error file).
 * Every method throws ProviderError (see anthropic-errors.ts for the mapping).
 */
export class AnthropicBatchProvider implements BatchProvider {
  readonly name = 'anthropic' as const;

  constructor(
    private readonly client: Anthropic,
    readonly limits: ProviderLimits,
    readonly capabilities: ProviderCapabilities,
  ) {}

  buildBody(prompt: RenderedPrompt, shape: RequestShape): Record<string, unknown> {
    return buildAnthropicBody(prompt, shape);
  }

  batchLine(customId: string, bodyJson: string, _endpoint: Endpoint): string {
    return anthropicBatchLine(customId, bodyJson);
  }

  parseBatchLine(line: string): { customId: string; body: Record<string, unknown> } {
    return parseAnthropicBatchLine(line);
  }

  withRepairHint(body: Record<string, unknown>, hint: string, endpoint: Endpoint): Record<string, unknown> {
    return withAnthropicRepairHint(body, hint, endpoint);
  }

  /**
   * Creates the batch from the shard file, streamed as the request body. NOT idempotent (there is no
   * idempotency key): callers reconcile first. @throws ProviderError `invalid_request` (code
   * `request_too_large`) before sending anything when the shard is over the limits, or as soon as the
   * stream finds it is.
   */
  async submit(request: SubmitRequest, hooks: SubmitHooks = {}): Promise<{ batchId: string }> {
    const limits = { maxRequests: this.limits.maxRequestsPerBatch, maxBytes: this.limits.maxBytesPerBatch };
    if (request.requestCount > limits.maxRequests || request.bytes + BODY_OVERHEAD > limits.maxBytes) {
      throw new ProviderError('invalid_request', `anthropic: shard ${request.shardAttemptId} has ${request.requestCount} requests and ${request.bytes} bytes; a batch takes at most ${limits.maxRequests} and ${limits.maxBytes}`, { provider: this.name, code: 'request_too_large' });
    }
    await hooks.beforeCreate?.();
    const body = new StreamedBatchBody(request.openInput(), limits);
    try {
      const batch = await this.client.post<MessageBatch>('/v1/messages/batches', {
        body: body.chunks(),
        headers: { 'content-type': 'application/json' },
      });
      return { batchId: batch.id };
    } catch (err) {
      throw body.failure ?? toAnthropicProviderError(err, this.name);
    }
  }

  /**
   * Batches carry no tag: the unclaimed batches of exactly `hints.requestCount` requests created since `sinceMs`
   * (see matchingAnthropicBatches). Exact only when at most one create of the account can be in doubt at a
   * time, which exactly-once-submit.ts ensures with the account's create lease.
   */
  async findBatches(_shardAttemptId: string, sinceMs: number, hints: FindHints): Promise<FoundBatch[]> {
    try {
      return await matchingAnthropicBatches(this.client.messages.batches.list({ limit: 100 }), sinceMs, hints.requestCount, hints.claimedBatchIds);
    } catch (err) {
      throw toAnthropicProviderError(err, this.name);
    }
  }

  /** Batches are created inline: there is no uploaded input to delete. */
  async deleteInput(_inputRef: string): Promise<void> {}

  /** @throws ProviderError `not_found` (retryable: it happens for a short while right after a create). */
  async retrieve(batchId: string): Promise<BatchStatus> {
    let batch: MessageBatch;
    let observedAtMs: number;
    try {
      const { data, response } = await this.client.messages.batches.retrieve(batchId).withResponse();
      batch = data;
      observedAtMs = Date.parse(response.headers.get('date') ?? '');
    } catch (err) {
      throw toAnthropicProviderError(err, this.name);
    }
    return {
      batchId: batch.id,
      phase: anthropicPhase(batch),
      counts: anthropicCounts(batch.request_counts),
      ...(batch.results_url ? { outputRef: batch.results_url } : {}),
      errors: [],
      createdAtMs: Date.parse(batch.created_at),
      expiresAtMs: Date.parse(batch.expires_at),
      ...(Number.isFinite(observedAtMs) ? { observedAtMs } : {}),
    };
  }

  /** Starts cancelling (`canceling`, then `ended` with partial results). A batch that already ended is left alone. */
  async cancel(batchId: string): Promise<void> {
    try {
      await this.client.messages.batches.cancel(batchId);
    } catch (err) {
      const failure = toAnthropicProviderError(err, this.name);
      if (failure.details.status === 409) return;
      throw failure;
    }
  }

  /** Streams the results file (output and errors in one) into `sinks.output`; `sinks.errors` stays empty. */
  async download(status: BatchStatus, sinks: { output: BlobWriter; errors: BlobWriter }): Promise<void> {
    if (!status.outputRef) return;
    try {
      const response = await this.client.get(status.outputRef, { headers: { Accept: 'application/binary' }, __binaryResponse: true }).asResponse();
      await copyResponseBody(response, sinks.output);
    } catch (err) {
      throw toAnthropicProviderError(err, this.name);
    }
  }

  readonly resultFormat = 'anthropic';

  parseResultLine(line: string): ItemResult {
    return RESULT_READERS.anthropic.parseResultLine(line);
  }

  extractAnswer(body: unknown, endpoint: Endpoint): ParsedAnswer {
    return RESULT_READERS.anthropic.extractAnswer(body, endpoint);
  }

  /**
   * One Message, synchronously. Anthropic has no flex tier (capabilities.flex is false): `tier: 'flex'`
   * throws ProviderError `invalid_request` rather than silently paying the standard price.
   */
  async sendSync(request: SyncRequest): Promise<ItemResult> {
    if (request.tier === 'flex') {
      throw new ProviderError('invalid_request', 'anthropic has no flex tier: use batch or realtime', { provider: this.name, code: 'flex_unsupported' });
    }
    try {
      const body = await this.client.post('/v1/messages', { body: request.body, ...(request.signal ? { signal: request.signal } : {}) });
      return { customId: request.customId, ok: true, body };
    } catch (err) {
      const failure = toAnthropicProviderError(err, this.name);
      if (failure.kind !== 'invalid_request' && failure.kind !== 'auth') throw failure;
      const { status, code } = failure.details;
      return { customId: request.customId, ok: false, error: { kind: failure.kind, message: failure.message, ...(code ? { code } : {}), ...(status ? { status } : {}) } };
    }
  }
}

import type OpenAI from 'openai';
import { toStreamingFile } from 'openai/uploads';
import type { Endpoint, ProviderName } from '../../spec/job-spec';
import type { BlobWriter } from '../../storage/blob-store';
import type { ItemResult } from '../../results/item-result';
import type {
  BatchProvider,
  BatchStatus,
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
import { RESULT_READERS } from '../result-readers';
import { toProviderError } from './openai-errors';
import { copyResponseBody } from '../response-to-blob';
import { buildOpenAiBody, openAiBatchLine, parseOpenAiBatchLine, withOpenAiRepairHint } from './openai-requests';
import { OPENAI_STATUS_PHASE } from './openai-status';

/** Metadata keys Longhaul tags its batches with (OpenAI allows 16 pairs, keys <= 64, values <= 512 chars). */
export const METADATA_JOB = 'longhaul_job';
export const METADATA_SHARD = 'longhaul_shard';

/** How far back reconciliation lists batches before the recorded create intent (clock skew, slow creates). */
const RECONCILE_SLACK_MS = 10 * 60 * 1000;

/**
 * The OpenAI Batch API through the official `openai` client: OpenAI itself, Azure OpenAI (pass an
 * AzureOpenAI client) and OpenAI-compatible hosts (a client with their baseURL). The client must be built
 * with `maxRetries: 0`.
 */
export class OpenAiBatchProvider implements BatchProvider {
  constructor(
    private readonly client: OpenAI,
    readonly name: ProviderName,
    readonly limits: ProviderLimits,
    readonly capabilities: ProviderCapabilities,
    private readonly flexTimeoutMs = 15 * 60_000,
  ) {}

  buildBody(prompt: RenderedPrompt, shape: RequestShape): Record<string, unknown> {
    return buildOpenAiBody(prompt, shape);
  }

  batchLine(customId: string, bodyJson: string, endpoint: Endpoint): string {
    return openAiBatchLine(customId, bodyJson, endpoint);
  }

  parseBatchLine(line: string): { customId: string; body: Record<string, unknown> } {
    return parseOpenAiBatchLine(line);
  }

  withRepairHint(body: Record<string, unknown>, hint: string, endpoint: Endpoint): Record<string, unknown> {
    return withOpenAiRepairHint(body, hint, endpoint);
  }

  /** Uploads the shard file, then creates the batch tagged with the job and shard attempt (hooks between). */
  async submit(request: SubmitRequest, hooks: SubmitHooks = {}): Promise<{ batchId: string; inputRef: string }> {
    const file = await this.call(() =>
      this.client.files.create({
        file: toStreamingFile(request.openInput(), request.fileName, { type: 'application/jsonl' }),
        purpose: 'batch',
      }),
    );
    await hooks.uploaded?.(file.id);
    await hooks.beforeCreate?.();
    const batch = await this.call(() =>
      this.client.batches.create({
        input_file_id: file.id,
        endpoint: request.endpoint as OpenAI.BatchCreateParams['endpoint'],
        completion_window: '24h',
        metadata: { [METADATA_JOB]: request.jobId.slice(0, 512), [METADATA_SHARD]: request.shardAttemptId.slice(0, 512) },
      }),
    );
    return { batchId: batch.id, inputRef: file.id };
  }

  /** Every batch tagged with the shard attempt, listed newest first back to `sinceMs` (less some slack). */
  async findBatches(shardAttemptId: string, sinceMs: number): Promise<FoundBatch[]> {
    const since = Math.floor((sinceMs - RECONCILE_SLACK_MS) / 1000);
    const found: FoundBatch[] = [];
    await this.call(async () => {
      for await (const batch of this.client.batches.list({ limit: 100 })) {
        if (batch.created_at < since) break;
        if (batch.metadata?.[METADATA_SHARD] === shardAttemptId) found.push({ batchId: batch.id, createdAtMs: batch.created_at * 1000, inputRef: batch.input_file_id });
      }
    });
    return found.reverse();
  }

  async deleteInput(inputRef: string): Promise<void> {
    try {
      await this.client.files.delete(inputRef);
    } catch (err) {
      const failure = toProviderError(err, this.name);
      if (failure.kind !== 'not_found') throw failure;
    }
  }

  /** One SDK call with its errors as ProviderError. */
  private async call<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      throw toProviderError(err, this.name);
    }
  }

  async retrieve(batchId: string): Promise<BatchStatus> {
    const { data: batch, response } = await this.call(() => this.client.batches.retrieve(batchId).withResponse());
    const counts = batch.request_counts ?? { total: 0, completed: 0, failed: 0 };
    const observedAtMs = Date.parse(response.headers.get('date') ?? '');
    return {
      batchId: batch.id,
      phase: OPENAI_STATUS_PHASE[batch.status],
      counts: { total: counts.total, completed: counts.completed, failed: counts.failed },
      ...(batch.output_file_id ? { outputRef: batch.output_file_id } : {}),
      ...(batch.error_file_id ? { errorRef: batch.error_file_id } : {}),
      errors: (batch.errors?.data ?? []).map((e) => ({
        code: e.code ?? 'error',
        message: e.message ?? '',
        ...(typeof e.line === 'number' ? { line: e.line } : {}),
      })),
      createdAtMs: batch.created_at * 1000,
      ...(batch.expires_at ? { expiresAtMs: batch.expires_at * 1000 } : {}),
      ...(Number.isFinite(observedAtMs) ? { observedAtMs } : {}),
      inputRef: batch.input_file_id,
    };
  }

  async cancel(batchId: string): Promise<void> {
    try {
      await this.client.batches.cancel(batchId);
    } catch (err) {
      const failure = toProviderError(err, this.name);
      // cancelling a batch that already ended (409), or one already cancelling, is not an error for us
      if (failure.details.status === 409) return;
      throw failure;
    }
  }

  async download(status: BatchStatus, sinks: { output: BlobWriter; errors: BlobWriter }): Promise<void> {
    if (status.outputRef) await this.copyFile(status.outputRef, sinks.output);
    if (status.errorRef) await this.copyFile(status.errorRef, sinks.errors);
  }

  private async copyFile(fileId: string, sink: BlobWriter): Promise<void> {
    let response: Response;
    try {
      response = await this.client.files.content(fileId);
    } catch (err) {
      throw toProviderError(err, this.name);
    }
    await copyResponseBody(response, sink);
  }

  readonly resultFormat = 'openai';

  parseResultLine(line: string): ItemResult {
    return RESULT_READERS.openai.parseResultLine(line);
  }

  extractAnswer(body: unknown, endpoint: Endpoint): ParsedAnswer {
    return RESULT_READERS.openai.extractAnswer(body, endpoint);
  }

  async sendSync(request: SyncRequest): Promise<ItemResult> {
    const flex = request.tier === 'flex';
    const body = flex ? { ...request.body, service_tier: 'flex' } : request.body;
    try {
      const answer = await this.client.post(request.endpoint.replace(/^\/v1/, ''), {
        body,
        ...(flex ? { timeout: this.flexTimeoutMs } : {}),
        ...(request.signal ? { signal: request.signal } : {}),
      });
      return { customId: request.customId, ok: true, body: answer };
    } catch (err) {
      const failure = toProviderError(err, this.name);
      if (failure.kind === 'invalid_request' || failure.kind === 'auth') {
        return { customId: request.customId, ok: false, error: { kind: failure.kind, ...(failure.details.code ? { code: failure.details.code } : {}), message: failure.message, ...(failure.details.status ? { status: failure.details.status } : {}) } };
      }
      throw failure;
    }
  }
}

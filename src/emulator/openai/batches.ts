import { z } from 'zod';
import { loseResponse, recordAttempt } from '../create-attempts';
import type { EmulatorContext } from '../emulator-context';
import { batchVerdictFor, createFaultFor } from '../faults/batch-faults';
import { ApiError } from '../http/api-error';
import { readJson, sendJson } from '../http/http-io';
import { pageLimit, paginate } from '../http/pagination';
import type { Router } from '../http/router';
import { newId } from '../ids';
import type { OpenAIBatchRecord, ValidationError } from '../state';
import { openaiBatchObject, TERMINAL_OPENAI_STATUSES } from './batch-object';
import { scanBatchInput } from './batch-validation';
import { OPENAI_REQUEST_ENDPOINTS } from './request-schemas';

/** The body of POST /v1/batches. */
export const CreateBatchBodySchema = z.object({
  input_file_id: z.string().min(1),
  endpoint: z.enum(OPENAI_REQUEST_ENDPOINTS),
  completion_window: z.literal('24h'),
  metadata: z.record(z.string().max(64), z.string().max(512))
    .refine((m) => Object.keys(m).length <= 16, 'at most 16 metadata pairs')
    .nullish(),
  output_expires_after: z.object({ anchor: z.literal('created_at'), seconds: z.number().int().min(3600).max(2_592_000) }).optional(),
});

/** Batches API: create (validated by a streaming scan of the input), retrieve, list, cancel. */
export function registerBatchRoutes(router: Router, emu: EmulatorContext): void {
  router.add('openai', 'POST', '/v1/batches', async (ctx) => {
    let body: z.infer<typeof CreateBatchBodySchema>;
    try {
      body = await readJson(ctx.req, CreateBatchBodySchema);
    } catch (err) {
      recordAttempt(emu, { provider: 'openai', outcome: 'invalid', batchId: null, httpStatus: (err as ApiError).status ?? 400, metadata: null, model: null, message: (err as Error).message });
      throw err;
    }
    const batch = await createBatch(emu, body);
    const lost = createFaultFor(emu.scenario(), emu.store.state.ruleHits, 'openai', batch.model);
    const attempt = { provider: 'openai' as const, batchId: batch.id, metadata: batch.metadata, model: batch.model };
    recordAttempt(emu, { ...attempt, outcome: lost ? 'response_lost' : 'ok', httpStatus: lost === 'status_500' ? 500 : lost ? 0 : 200 });
    await emu.store.save();
    if (lost) loseResponse(ctx, lost, () => new ApiError(500, 'server', 'The server had an error while processing your request.', 'server_error'));
    sendJson(ctx.res, 200, openaiBatchObject(batch, emu.clock));
  });

  router.add('openai', 'GET', '/v1/batches/:id', async ({ res, params }) => {
    const batch = requireBatch(emu, params.id as string);
    const hiddenFor = emu.scenario().retrieveNotFoundSeconds * 1000;
    if (emu.clock.emulatedNowMs() < (batch.times.created as number) + hiddenFor) throw notFound(batch.id);
    sendJson(res, 200, openaiBatchObject(batch, emu.clock));
  });

  router.add('openai', 'GET', '/v1/batches', async ({ res, query }) => {
    const batches = Object.values(emu.store.state.openaiBatches).sort((a, b) => b.seq - a.seq).map((b) => openaiBatchObject(b, emu.clock)) as { id: string }[];
    sendJson(res, 200, { object: 'list', ...paginate(batches, pageLimit(query, 100), { afterId: query.get('after') }) });
  });

  router.add('openai', 'POST', '/v1/batches/:id/cancel', async ({ res, params }) => {
    const batch = requireBatch(emu, params.id as string);
    if (batch.status === 'validating' || batch.status === 'in_progress') {
      batch.status = 'cancelling';
      batch.times.cancelling = emu.clock.emulatedNowMs();
      await emu.store.save();
    } else if (batch.status !== 'cancelling') {
      throw new ApiError(409, 'conflict', `Cannot cancel a batch with status '${batch.status}'.`, 'batch_not_cancellable');
    }
    sendJson(res, 200, openaiBatchObject(batch, emu.clock));
  });
}

function requireBatch(emu: EmulatorContext, id: string): OpenAIBatchRecord {
  const batch = emu.store.state.openaiBatches[id];
  if (!batch) throw notFound(id);
  return batch;
}

function notFound(id: string): ApiError {
  return new ApiError(404, 'not_found', `No batch found with id '${id}'.`, null, 'batch_id');
}

/**
 * Creates the batch record after a streaming scan of its input: validation errors (and scripted ones) are
 * decided now and reported when the validating time has passed. Throws ApiError for an unknown file or an
 * enqueued-token quota refusal (recorded as a create attempt).
 */
async function createBatch(emu: EmulatorContext, body: z.infer<typeof CreateBatchBodySchema>): Promise<OpenAIBatchRecord> {
  const scenario = emu.scenario();
  const refuse = (outcome: 'error' | 'quota_exceeded', err: ApiError, model: string | null = null) => {
    recordAttempt(emu, { provider: 'openai', outcome, batchId: null, httpStatus: err.status, metadata: body.metadata ?? null, model, message: err.message });
    return err;
  };
  const file = emu.store.state.files[body.input_file_id];
  if (!file) throw refuse('error', new ApiError(400, 'invalid_request', `Invalid 'input_file_id': '${body.input_file_id}'. File not found.`, null, 'input_file_id'));
  if (file.purpose !== 'batch') throw refuse('error', new ApiError(400, 'invalid_request', `File ${file.id} does not have purpose 'batch'.`, null, 'input_file_id'));
  const scan = await scanBatchInput(emu.store.blobPath(file.blob), body.endpoint, {
    maxRequests: scenario.limits.openaiMaxRequestsPerFile,
    maxEmbeddingInputs: scenario.limits.openaiMaxEmbeddingInputs,
  });
  const errors: ValidationError[] = [...scan.errors];
  const quotaError = enqueuedQuotaError(emu, scan.model, scan.promptTokens);
  if (quotaError && scenario.quotas.openaiOnExceeded !== 'fail_batch') {
    const status = scenario.quotas.openaiOnExceeded === 'reject_429' ? 429 : 400;
    throw refuse('quota_exceeded', new ApiError(status, status === 429 ? 'rate_limit' : 'invalid_request', quotaError, 'token_limit_exceeded'), scan.model);
  }
  if (quotaError) errors.push({ code: 'token_limit_exceeded', message: quotaError, line: null, param: null });
  const verdict = batchVerdictFor(scenario, emu.store.state.ruleHits, 'openai', scan.model);
  if (verdict.validationError) errors.push(verdict.validationError);
  const id = newId(emu.store, 'batch');
  const now = emu.clock.emulatedNowMs();
  const batch: OpenAIBatchRecord = {
    id,
    seq: emu.store.nextSequence(),
    endpoint: body.endpoint,
    input_file_id: file.id,
    completion_window: body.completion_window,
    metadata: body.metadata ?? null,
    model: scan.model,
    status: 'validating',
    times: { created: now, expires: now + scenario.timing.completionWindowSeconds * 1000 },
    validationErrors: errors.length ? errors : null,
    output_file_id: null,
    error_file_id: null,
    outputBlob: `${id}.output.jsonl`,
    errorBlob: `${id}.error.jsonl`,
    enqueuedTokens: errors.length ? 0 : scan.promptTokens,
    progress: { total: scan.total, processed: 0, inputOffset: 0, succeeded: 0, failed: 0, outputBytes: 0, errorBytes: 0, promptTokens: 0, completionTokens: 0 },
    fate: verdict.fate,
  };
  emu.store.state.openaiBatches[id] = batch;
  if (!errors.length) emu.store.recordSubmissions('openai', id, [...scan.customIds]);
  return batch;
}

/** The refusal message when this batch would put the model over its enqueued-token quota, else undefined. */
function enqueuedQuotaError(emu: EmulatorContext, model: string | null, tokens: number): string | undefined {
  const quota = model ? emu.scenario().quotas.openaiEnqueuedTokens[model] : undefined;
  if (!model || quota === undefined) return undefined;
  const enqueued = Object.values(emu.store.state.openaiBatches)
    .filter((b) => b.model === model && !TERMINAL_OPENAI_STATUSES.has(b.status))
    .reduce((sum, b) => sum + b.enqueuedTokens, 0);
  if (enqueued + tokens <= quota) return undefined;
  return `Enqueued token limit reached for ${model}. Limit: ${quota} enqueued tokens; already enqueued: ${enqueued}; this batch: ${tokens}. Please try again once some in_progress batches have been completed.`;
}

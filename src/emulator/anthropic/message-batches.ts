import type { IncomingMessage } from 'node:http';
import { rm } from 'node:fs/promises';
import { loseResponse, recordAttempt } from '../create-attempts';
import type { EmulatorContext } from '../emulator-context';
import { batchVerdictFor, createFaultFor } from '../faults/batch-faults';
import { ApiError } from '../http/api-error';
import { sendFile, sendJson } from '../http/http-io';
import { pageLimit, paginate } from '../http/pagination';
import type { Router } from '../http/router';
import { newId } from '../ids';
import type { AnthropicBatchRecord } from '../state';
import { anthropicBatchObject } from './batch-object';
import { intakeBatchBody } from './batch-intake';
import { registerMessageRoute } from './messages';

/** Messages and Message Batches: create, retrieve, list, cancel, delete, results (JSONL stream). */
export function registerAnthropicRoutes(router: Router, emu: EmulatorContext): void {
  registerMessageRoute(router, emu);
  const object = (batch: AnthropicBatchRecord, origin: string) => anthropicBatchObject(batch, origin, emu.clock);

  router.add('anthropic', 'POST', '/v1/messages/batches', async (ctx) => {
    const batch = await createBatch(emu, ctx.req);
    const lost = createFaultFor(emu.scenario(), emu.store.state.ruleHits, 'anthropic', batch.models[0] ?? null);
    recordAttempt(emu, {
      provider: 'anthropic', outcome: lost ? 'response_lost' : 'ok', batchId: batch.id,
      httpStatus: lost === 'status_500' ? 500 : lost ? 0 : 200, metadata: null, model: batch.models.join(',') || null,
    });
    await emu.store.save();
    if (lost) loseResponse(ctx, lost, () => new ApiError(500, 'server', 'Internal server error'));
    sendJson(ctx.res, 200, object(batch, ctx.origin));
  });

  router.add('anthropic', 'GET', '/v1/messages/batches/:id', async ({ res, params, origin }) => {
    const batch = requireBatch(emu, params.id as string);
    if (emu.clock.emulatedNowMs() < (batch.times.created as number) + emu.scenario().retrieveNotFoundSeconds * 1000) throw notFound(batch.id);
    sendJson(res, 200, object(batch, origin));
  });

  router.add('anthropic', 'GET', '/v1/messages/batches', async ({ res, query, origin }) => {
    const batches = Object.values(emu.store.state.anthropicBatches).filter((b) => !b.deleted).sort((a, b) => b.seq - a.seq).map((b) => object(b, origin)) as { id: string }[];
    sendJson(res, 200, paginate(batches, pageLimit(query, 1000), { afterId: query.get('after_id'), beforeId: query.get('before_id') }));
  });

  router.add('anthropic', 'POST', '/v1/messages/batches/:id/cancel', async ({ res, params, origin }) => {
    const batch = requireBatch(emu, params.id as string);
    if (batch.processing_status === 'in_progress') {
      batch.processing_status = 'canceling';
      batch.times.cancel_initiated = emu.clock.emulatedNowMs();
      await emu.store.save();
    }
    sendJson(res, 200, object(batch, origin));
  });

  router.add('anthropic', 'DELETE', '/v1/messages/batches/:id', async ({ res, params }) => {
    const batch = requireBatch(emu, params.id as string);
    if (batch.processing_status !== 'ended') {
      throw new ApiError(400, 'invalid_request', `Batch ${batch.id} cannot be deleted while it is ${batch.processing_status}; cancel it and wait until it has ended.`);
    }
    batch.deleted = true;
    await emu.store.save();
    await Promise.all([batch.requestsBlob, batch.resultsBlob].map((blob) => rm(emu.store.blobPath(blob), { force: true })));
    sendJson(res, 200, { id: batch.id, type: 'message_batch_deleted' });
  });

  router.add('anthropic', 'GET', '/v1/messages/batches/:id/results', async ({ res, params }) => {
    const batch = requireBatch(emu, params.id as string);
    if (batch.processing_status !== 'ended') throw new ApiError(400, 'invalid_request', `Batch ${batch.id} has not ended yet; results are not available.`);
    await sendFile(res, emu.store.blobPath(batch.resultsBlob), batch.progress.outputBytes, 'application/binary');
  });
}

function requireBatch(emu: EmulatorContext, id: string): AnthropicBatchRecord {
  const batch = emu.store.state.anthropicBatches[id];
  if (!batch || batch.deleted) throw notFound(id);
  return batch;
}

function notFound(id: string): ApiError {
  return new ApiError(404, 'not_found', `message_batch ${id} not found`);
}

/** Streams the body into the batch's request file, checks quota and records the batch. */
async function createBatch(emu: EmulatorContext, req: IncomingMessage): Promise<AnthropicBatchRecord> {
  const scenario = emu.scenario();
  const id = newId(emu.store, 'msgbatch');
  const requestsBlob = `${id}.requests.jsonl`;
  const fail = (err: unknown, outcome: 'invalid' | 'quota_exceeded', model: string | null = null) => {
    const status = err instanceof ApiError ? err.status : 500;
    recordAttempt(emu, { provider: 'anthropic', outcome, batchId: null, httpStatus: status, metadata: null, model, message: (err as Error).message });
    return err;
  };
  let intake;
  try {
    intake = await intakeBatchBody(req, emu.store.blobPath(requestsBlob), {
      maxRequests: scenario.limits.anthropicMaxRequestsPerBatch,
      maxBytes: scenario.limits.anthropicMaxBatchBytes,
    });
  } catch (err) {
    await rm(emu.store.blobPath(requestsBlob), { force: true });
    throw fail(err, 'invalid');
  }
  const quota = scenario.quotas.anthropicProcessingRequests;
  if (quota !== undefined) {
    const processing = Object.values(emu.store.state.anthropicBatches)
      .filter((b) => b.processing_status !== 'ended')
      .reduce((sum, b) => sum + b.progress.total - b.progress.processed, 0);
    if (processing + intake.total > quota) {
      await rm(emu.store.blobPath(requestsBlob), { force: true });
      throw fail(new ApiError(429, 'rate_limit', `Number of requests in processing would exceed your organization's batch queue limit of ${quota}.`), 'quota_exceeded', intake.models.join(','));
    }
  }
  const verdict = batchVerdictFor(scenario, emu.store.state.ruleHits, 'anthropic', intake.models[0] ?? null);
  const now = emu.clock.emulatedNowMs();
  const batch: AnthropicBatchRecord = {
    id,
    seq: emu.store.nextSequence(),
    processing_status: 'in_progress',
    models: intake.models,
    times: { created: now, expires: now + scenario.timing.completionWindowSeconds * 1000 },
    requestsBlob,
    resultsBlob: `${id}.results.jsonl`,
    canceled: 0,
    expired: 0,
    deleted: false,
    progress: { total: intake.total, processed: 0, inputOffset: 0, succeeded: 0, failed: 0, outputBytes: 0, errorBytes: 0, promptTokens: 0, completionTokens: 0 },
    fate: verdict.fate,
  };
  emu.store.state.anthropicBatches[id] = batch;
  emu.store.recordSubmissions('anthropic', id, [...intake.customIds]);
  return batch;
}

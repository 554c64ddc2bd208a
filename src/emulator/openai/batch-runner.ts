import { RequestCursor, type LineOutcome } from '../batch/request-cursor';
import type { EmulatorContext } from '../emulator-context';
import { requestFateFor } from '../faults/request-faults';
import { ApiError, openaiErrorBody } from '../http/api-error';
import { derivedId, newId } from '../ids';
import type { OpenAIBatchRecord } from '../state';
import { submissionNumber } from '../submissions';
import { TERMINAL_OPENAI_STATUSES } from './batch-object';
import type { BatchInputLine } from './batch-validation';
import { addFile } from './files';
import { executeOpenAIRequest } from './request-executors';
import type { OpenAIRequestEndpoint } from './request-schemas';

/** Requests handled per step, so status, counts and other batches move between steps. */
const STEP = 2000;

/** The error code of the requests a batch never ran, by how it ended. */
const UNRUN_CODES: Readonly<Record<'completed' | 'cancelled' | 'expired', UnrunCode | undefined>> = {
  completed: undefined,
  cancelled: 'batch_cancelled',
  expired: 'batch_expired',
};

type UnrunCode = 'batch_cancelled' | 'batch_expired';

const UNRUN_MESSAGES: Readonly<Record<UnrunCode, string>> = {
  batch_cancelled: 'This request was not executed because the batch was cancelled.',
  batch_expired: 'This request could not be executed before the completion window expired.',
};

/**
 * Moves OpenAI batches through validating -> in_progress -> finalizing -> completed (or failed, expired,
 * cancelling -> cancelled) on the emulated timeline. Requests complete progressively over the in-progress
 * time; each produces an output line (answered, 200) or an error file line (any other outcome), written as it
 * goes. A batch that expires or is cancelled writes an error line for every request it never ran.
 */
export class OpenAIBatchRunner {
  private readonly cursors = new Map<string, RequestCursor>();
  private readonly busy = new Set<string>();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly emu: EmulatorContext) {}

  /** Starts advancing every batch that is not terminal and not already being advanced. */
  tick(): void {
    for (const batch of Object.values(this.emu.store.state.openaiBatches)) {
      if (TERMINAL_OPENAI_STATUSES.has(batch.status) || this.busy.has(batch.id)) continue;
      this.busy.add(batch.id);
      const step: Promise<void> = this.advance(batch)
        .catch((err: unknown) => this.emu.log(`openai batch ${batch.id}: ${(err as Error).stack ?? String(err)}`))
        .finally(() => {
          this.busy.delete(batch.id);
          this.inFlight.delete(step);
        });
      this.inFlight.add(step);
    }
  }

  /** Waits for running steps, then closes open file handles (on stop). */
  async close(): Promise<void> {
    await Promise.all([...this.inFlight]);
    await Promise.all([...this.cursors.values()].map((c) => c.close()));
    this.cursors.clear();
  }

  private async advance(batch: OpenAIBatchRecord): Promise<void> {
    const timing = this.emu.scenario().timing;
    for (;;) {
      const now = this.emu.clock.emulatedNowMs();
      const before = batch.status;
      const { times } = batch;
      if (batch.status === 'validating') {
        const at = (times.created as number) + timing.validatingSeconds * 1000;
        if (now < at) return;
        batch.status = batch.validationErrors ? 'failed' : 'in_progress';
        times[batch.status] = at;
      } else if (batch.status === 'in_progress') {
        await this.process(batch, now);
      } else if (batch.status === 'finalizing' || batch.status === 'cancelling') {
        const seconds = batch.status === 'finalizing' ? timing.finalizingSeconds : timing.cancellingSeconds;
        const at = (times[batch.status] as number) + seconds * 1000;
        if (now < at) return;
        await this.finish(batch, batch.status === 'finalizing' ? 'completed' : 'cancelled', at);
      }
      if (batch.status === before) return;
      await this.emu.store.save();
    }
  }

  private async process(batch: OpenAIBatchRecord, now: number): Promise<void> {
    const { progress, fate, times } = batch;
    const timing = this.emu.scenario().timing;
    const expiresAt = times.expires as number;
    const cap = fate.kind === 'normal' ? progress.total : Math.floor(progress.total * fate.atFraction);
    const durationMs = (timing.inProgressSeconds + timing.perRequestSeconds * progress.total) * 1000;
    const elapsed = Math.min(now, expiresAt) - (times.in_progress as number);
    const target = durationMs <= 0 ? cap : Math.min(cap, Math.floor((progress.total * elapsed) / durationMs));
    while (progress.processed < target && batch.status === 'in_progress') {
      const cursor = await this.cursorFor(batch);
      await cursor.take(Math.min(STEP, target - progress.processed), (text) => this.answerLine(batch, text));
      this.emu.store.saveSoon();
    }
    if (batch.status !== 'in_progress') return;
    if (progress.processed >= progress.total) {
      batch.status = 'finalizing';
      times.finalizing = Math.max(now, times.in_progress as number);
      await this.closeCursor(batch.id);
    } else if (now >= expiresAt && !fate.forever) {
      await this.finish(batch, 'expired', expiresAt);
    }
  }

  /**
   * Ends a batch: an expired or cancelled one first writes a `batch_expired` / `batch_cancelled` error line
   * (`response: null`) for every request it never ran, counted as failed; then its output and error files are
   * registered (each only when not empty) and the final status set.
   */
  private async finish(batch: OpenAIBatchRecord, status: 'completed' | 'cancelled' | 'expired', at: number): Promise<void> {
    const { progress } = batch;
    const code = UNRUN_CODES[status];
    // a batch cancelled while validating an input that fails validation has no requests to report
    if (code && !batch.validationErrors && progress.processed < progress.total) {
      const cursor = await this.cursorFor(batch);
      await cursor.take(Infinity, (text) => unrunLine(batch, text, code));
    }
    await this.closeCursor(batch.id);
    if (progress.outputBytes > 0) {
      batch.output_file_id = addFile(this.emu, newId(this.emu.store, 'file'), batch.outputBlob, progress.outputBytes, `${batch.id}_output.jsonl`, 'batch_output').id;
    }
    if (progress.errorBytes > 0) {
      batch.error_file_id = addFile(this.emu, newId(this.emu.store, 'file'), batch.errorBlob, progress.errorBytes, `${batch.id}_error.jsonl`, 'batch_output').id;
    }
    batch.status = status;
    batch.times[status] = at;
  }

  private async cursorFor(batch: OpenAIBatchRecord): Promise<RequestCursor> {
    let cursor = this.cursors.get(batch.id);
    if (!cursor) {
      // Uploads are stored under their file id; the blob outlives a deletion of the file while the batch runs.
      const inputPath = this.emu.store.blobPath(batch.input_file_id);
      const { store } = this.emu;
      cursor = await RequestCursor.open(inputPath, store.blobPath(batch.outputBlob), store.blobPath(batch.errorBlob), batch.progress);
      this.cursors.set(batch.id, cursor);
    }
    return cursor;
  }

  private async closeCursor(id: string): Promise<void> {
    const cursor = this.cursors.get(id);
    this.cursors.delete(id);
    await cursor?.close();
  }

  /**
   * One request line -> its output line (answered: 200) or error file line, per the scenario: a 4xx or 5xx
   * answer as `response` with that status and the error body (`error: null`), a rate limit as `error`.
   */
  private answerLine(batch: OpenAIBatchRecord, text: string): LineOutcome {
    const line = JSON.parse(text) as BatchInputLine;
    const scenario = this.emu.scenario();
    const submission = submissionNumber(this.emu.store.state, 'openai', line.custom_id, batch.id);
    const fate = requestFateFor(scenario, 'openai', line.custom_id, submission);
    const id = derivedId('batch_req', batch.id, line.custom_id);
    const requestId = derivedId('req', batch.id, line.custom_id);
    if (fate.fault === 'rate_limit') {
      const error = { code: 'rate_limit_exceeded', message: 'Rate limit reached while processing this request (scenario fault).' };
      return { error: JSON.stringify({ id, custom_id: line.custom_id, response: null, error }), succeeded: false };
    }
    let status = 200;
    let body: object;
    let usage = { promptTokens: 0, completionTokens: 0 };
    try {
      if (fate.fault === 'server_error') throw new ApiError(500, 'server', 'The server had an error processing this request (scenario fault).', 'server_error');
      if (fate.fault === 'invalid_request') throw new ApiError(400, 'invalid_request', 'Invalid request (scenario fault).', 'invalid_request');
      const execution = executeOpenAIRequest(batch.endpoint as OpenAIRequestEndpoint, line.body, {
        nowSeconds: this.emu.clock.nowSeconds(),
        idFor: (kind) => derivedId(kind, batch.id, line.custom_id),
        breakSchema: fate.breakSchema,
        embeddingDimensions: scenario.model.embeddingDimensions,
      });
      body = execution.body;
      usage = execution;
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      status = err.status;
      body = openaiErrorBody(err);
    }
    const result = JSON.stringify({ id, custom_id: line.custom_id, response: { status_code: status, request_id: requestId, body }, error: null });
    if (status !== 200) return { error: result, succeeded: false };
    return { output: result, succeeded: true, promptTokens: usage.promptTokens, completionTokens: usage.completionTokens };
  }
}

/** The error file line of a request the batch never ran. */
function unrunLine(batch: OpenAIBatchRecord, text: string, code: UnrunCode): LineOutcome {
  const line = JSON.parse(text) as BatchInputLine;
  const error = { code, message: UNRUN_MESSAGES[code] };
  return { error: JSON.stringify({ id: derivedId('batch_req', batch.id, line.custom_id), custom_id: line.custom_id, response: null, error }), succeeded: false };
}

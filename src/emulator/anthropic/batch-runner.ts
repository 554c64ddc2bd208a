import { RequestCursor, type LineOutcome } from '../batch/request-cursor';
import type { EmulatorContext } from '../emulator-context';
import { requestFateFor, type RequestFault } from '../faults/request-faults';
import { ApiError, anthropicErrorBody, type ApiErrorKind } from '../http/api-error';
import { derivedId } from '../ids';
import type { AnthropicBatchRecord } from '../state';
import { submissionNumber } from '../submissions';
import { executeMessage } from './messages';

const STEP = 2000;

const faultErrors: Record<RequestFault, [ApiErrorKind, number, string]> = {
  invalid_request: ['invalid_request', 400, 'Invalid request (scenario fault).'],
  server_error: ['server', 500, 'Internal server error (scenario fault).'],
  rate_limit: ['rate_limit', 429, 'Rate limited while processing this request (scenario fault).'],
};

/**
 * Moves Message Batches through in_progress -> (canceling ->) ended on the emulated timeline, writing one
 * result line per request as it completes: succeeded, errored (scenario faults, invalid params), and at
 * the end canceled or expired for the requests that did not run. (The API's request_counts show none of this
 * until the batch has ended: see anthropicRequestCounts.)
 */
export class AnthropicBatchRunner {
  private readonly cursors = new Map<string, RequestCursor>();
  private readonly busy = new Set<string>();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly emu: EmulatorContext) {}

  tick(): void {
    for (const batch of Object.values(this.emu.store.state.anthropicBatches)) {
      if (batch.processing_status === 'ended' || this.busy.has(batch.id)) continue;
      this.busy.add(batch.id);
      const step: Promise<void> = this.advance(batch)
        .catch((err: unknown) => this.emu.log(`anthropic batch ${batch.id}: ${(err as Error).stack ?? String(err)}`))
        .finally(() => {
          this.busy.delete(batch.id);
          this.inFlight.delete(step);
        });
      this.inFlight.add(step);
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.inFlight]);
    await Promise.all([...this.cursors.values()].map((c) => c.close()));
    this.cursors.clear();
  }

  private async advance(batch: AnthropicBatchRecord): Promise<void> {
    const now = this.emu.clock.emulatedNowMs();
    const { progress, fate, times } = batch;
    const timing = this.emu.scenario().timing;
    const expiresAt = times.expires as number;
    if (batch.processing_status === 'canceling') {
      const at = (times.cancel_initiated as number) + timing.cancellingSeconds * 1000;
      if (now >= at) await this.end(batch, at, 'canceled');
      return;
    }
    const cap = fate.kind === 'normal' ? progress.total : Math.floor(progress.total * fate.atFraction);
    const durationMs = (timing.inProgressSeconds + timing.perRequestSeconds * progress.total) * 1000;
    const elapsed = Math.min(now, expiresAt) - (times.created as number);
    const target = durationMs <= 0 ? cap : Math.min(cap, Math.floor((progress.total * elapsed) / durationMs));
    while (progress.processed < target && batch.processing_status === 'in_progress') {
      const cursor = await this.cursorFor(batch);
      await cursor.take(Math.min(STEP, target - progress.processed), (text) => this.resultLine(batch, text));
      this.emu.store.saveSoon();
    }
    if (batch.processing_status !== 'in_progress') return;
    if (progress.processed >= progress.total) await this.end(batch, now);
    else if (now >= expiresAt && !fate.forever) await this.end(batch, expiresAt, 'expired');
  }

  /** Ends the batch; requests not yet run get `canceled` or `expired` results. */
  private async end(batch: AnthropicBatchRecord, at: number, rest?: 'canceled' | 'expired'): Promise<void> {
    if (rest && batch.progress.processed < batch.progress.total) {
      const before = batch.progress.processed;
      const cursor = await this.cursorFor(batch);
      await cursor.take(Infinity, (text) => ({ output: JSON.stringify({ custom_id: customIdOf(text), result: { type: rest } }), succeeded: false }));
      batch[rest] += batch.progress.processed - before;
    }
    const cursor = this.cursors.get(batch.id);
    this.cursors.delete(batch.id);
    await cursor?.close();
    batch.processing_status = 'ended';
    batch.times.ended = at;
    await this.emu.store.save();
  }

  private async cursorFor(batch: AnthropicBatchRecord): Promise<RequestCursor> {
    let cursor = this.cursors.get(batch.id);
    if (!cursor) {
      const { store } = this.emu;
      cursor = await RequestCursor.open(store.blobPath(batch.requestsBlob), store.blobPath(batch.resultsBlob), undefined, batch.progress);
      this.cursors.set(batch.id, cursor);
    }
    return cursor;
  }

  private resultLine(batch: AnthropicBatchRecord, text: string): LineOutcome {
    const { custom_id: customId, params } = JSON.parse(text) as { custom_id: string; params: unknown };
    const fate = requestFateFor(this.emu.scenario(), 'anthropic', customId, submissionNumber(this.emu.store.state, 'anthropic', customId, batch.id));
    const errored = (error: ApiError): LineOutcome => ({
      output: JSON.stringify({ custom_id: customId, result: { type: 'errored', error: anthropicErrorBody(error, derivedId('req', batch.id, customId)) } }),
      succeeded: false,
    });
    if (fate.fault) {
      const [kind, status, message] = faultErrors[fate.fault];
      return errored(new ApiError(status, kind, message));
    }
    try {
      const result = executeMessage(params, { idFor: (kind) => derivedId(kind, batch.id, customId), breakSchema: fate.breakSchema, serviceTier: 'batch' });
      return {
        output: JSON.stringify({ custom_id: customId, result: { type: 'succeeded', message: result.body } }),
        succeeded: true,
        promptTokens: result.promptTokens,
        completionTokens: result.completionTokens,
      };
    } catch (err) {
      if (err instanceof ApiError) return errored(err);
      throw err;
    }
  }
}

function customIdOf(text: string): string {
  return (JSON.parse(text) as { custom_id: string }).custom_id;
}

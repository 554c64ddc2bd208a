import type { BatchProvider, BatchStatus } from '../providers/batch-provider';
import type { PriceTable } from '../report/price-table';
import type { Endpoint, RetryableReason } from '../spec/job-spec';
import type { FailureReason, ItemOutcome, Tier } from './item-outcome';
import type { ItemResult } from './item-result';
import type { OutputValidator } from './output-validator';

export interface ClassifyContext {
  provider: Pick<BatchProvider, 'extractAnswer'>;
  validator: OutputValidator;
  prices: PriceTable;
  model: string;
  endpoint: Endpoint;
  retryOn: ReadonlySet<RetryableReason | FailureReason>;
  generation: number;
  round: number;
  tier: Tier;
  /** The job is being cancelled: provider cancellations end the item as cancelled, not retryable. */
  jobCancelled: boolean;
}

type Manifest = { seq: number; line: number; itemKey: string; requestKey: string };


/**
 * A failed outcome: retryable when the job's retry policy names the reason, cancelled when the job is being
 * cancelled and the provider cancelled the request. Tokens are those the provider billed.
 */
export function failure(item: Manifest, ctx: ClassifyContext, reason: FailureReason, message: string, tokensIn = 0, tokensOut = 0): ItemOutcome {
  const cancelled = ctx.jobCancelled && (reason === 'provider_cancelled' || reason === 'job_cancelled');
  return {
    seq: item.seq,
    line: item.line,
    itemKey: item.itemKey,
    requestKey: item.requestKey,
    state: cancelled ? 'cancelled' : ctx.retryOn.has(reason) ? 'failed_retryable' : 'failed',
    reason: cancelled ? 'job_cancelled' : reason,
    message,
    generation: ctx.generation,
    round: ctx.round,
    tier: ctx.tier,
    output: undefined,
    tokensIn,
    tokensOut,
    costUsd: ctx.prices.cost(ctx.model, ctx.tier, tokensIn, tokensOut),
  };
}

/**
 * What one result says of its item before the job's retry policy and prices apply: plain data, so a thread
 * that reads results can hand it over. A valid answer carries its output's JSON text (`json`, one line: the
 * model's own text when it wrote one line of JSON, else the output serialized); across threads it carries only
 * that text (`output` is then undefined).
 */
export type ResultVerdict =
  | { ok: true; output: unknown; json: string; tokensIn: number; tokensOut: number }
  | { ok: false; reason: FailureReason; message: string; tokensIn: number; tokensOut: number };

/**
 * Reads a provider's per-item result: errors keep their kind as the reason; answers are checked against the
 * output schema. Tokens of invalid answers are still counted: the provider billed them. An answer's JSON text
 * is made here when the model's own text will not do, which the store would otherwise do when writing it.
 */
export function readVerdict(result: ItemResult, provider: Pick<BatchProvider, 'extractAnswer'>, validator: OutputValidator, endpoint: Endpoint): ResultVerdict {
  if (!result.ok) {
    const status = result.error.status ? ` (HTTP ${result.error.status})` : '';
    return { ok: false, reason: result.error.kind, message: `${result.error.code ?? result.error.kind}${status}: ${result.error.message}`, tokensIn: 0, tokensOut: 0 };
  }
  const answer = provider.extractAnswer(result.body, endpoint);
  const checked = validator.validate(answer);
  if (!checked.ok) return { ok: false, reason: 'invalid_output', message: checked.message, tokensIn: answer.tokensIn, tokensOut: answer.tokensOut };
  return { ok: true, output: checked.output, json: checked.json ?? JSON.stringify(checked.output), tokensIn: answer.tokensIn, tokensOut: answer.tokensOut };
}

/**
 * The verdict on an item whose result line could not be read (`error`: the reader's reason, shortened), naming
 * where the line is: `file` ('output file' or 'error file') and its 1-based line number.
 */
export function malformedVerdict(file: string, line: number, error: string): ResultVerdict {
  return { ok: false, reason: 'malformed_result', message: `unreadable result line (line ${line} of the ${file}): ${error}`, tokensIn: 0, tokensOut: 0 };
}

/**
 * A 32-bit fingerprint (FNV-1a) of what a verdict says of its item, to tell a repeated result line from one that
 * contradicts the first without keeping the first: an answer's JSON text, or a failure's reason and message. An
 * unreadable line's is its reason alone: its message says where the line was, not what it said. Tokens are left
 * out. Equal verdicts hash equal; different ones collide once in 2^32.
 */
export function verdictHash(verdict: ResultVerdict): number {
  if (verdict.ok) return fnv1a(verdict.json, ANSWER_SEED);
  const reason = fnv1a(verdict.reason, FAILURE_SEED);
  return verdict.reason === 'malformed_result' ? reason : fnv1a(verdict.message, reason);
}

/** FNV-1a's offset basis, and the same moved once for failures (an answer and a failure never start alike). */
const ANSWER_SEED = 0x811c9dc5 | 0;
const FAILURE_SEED = Math.imul(ANSWER_SEED ^ 0x2a, 0x01000193);

/** FNV-1a over UTF-16 code units, continuing from `hash`: a signed 32-bit integer. */
function fnv1a(text: string, hash: number): number {
  let h = hash;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h;
}

/**
 * The one place a verdict becomes an outcome: failures are retryable when the job's retry policy names the
 * reason, and every outcome is priced at its tier.
 */
export function outcomeOf(item: Manifest, verdict: ResultVerdict, ctx: ClassifyContext): ItemOutcome {
  if (!verdict.ok) return failure(item, ctx, verdict.reason, verdict.message, verdict.tokensIn, verdict.tokensOut);
  // object literals, not spreads: this runs once per item and spreads are far slower on V8
  return {
    seq: item.seq,
    line: item.line,
    itemKey: item.itemKey,
    requestKey: item.requestKey,
    state: 'succeeded',
    reason: null,
    message: null,
    generation: ctx.generation,
    round: ctx.round,
    tier: ctx.tier,
    output: verdict.output,
    outputJson: verdict.json,
    tokensIn: verdict.tokensIn,
    tokensOut: verdict.tokensOut,
    costUsd: ctx.prices.cost(ctx.model, ctx.tier, verdict.tokensIn, verdict.tokensOut),
  };
}

/** A provider's per-item result as an outcome (readVerdict, then outcomeOf). */
export function classifyResult(item: Manifest, result: ItemResult, ctx: ClassifyContext): ItemOutcome {
  return outcomeOf(item, readVerdict(result, ctx.provider, ctx.validator, ctx.endpoint), ctx);
}

/**
 * The outcome of an item the batch answered twice, differently (retryable when the job's retry policy names
 * `conflicting_results`, as by default). `file` and `line` say where the second answer was; tokens are that
 * line's (the provider billed it too; the first line's were counted with its own outcome).
 */
export function conflictOutcome(item: Manifest, ctx: ClassifyContext, file: string, line: number, tokensIn: number, tokensOut: number): ItemOutcome {
  return failure(item, ctx, 'conflicting_results', `the batch answered this item twice, differently (the second time on line ${line} of the ${file})`, tokensIn, tokensOut);
}

/**
 * The outcome of an item the batch returned no line for, from how the batch ended. A batch that failed
 * validation blames the input lines its errors name (permanent) and fails the rest retryably.
 */
export function classifyMissing(item: Manifest, inputLine: number, status: BatchStatus | undefined, ctx: ClassifyContext, note?: string): ItemOutcome {
  if (!status) return failure(item, ctx, 'batch_failed', note ?? 'the batch could not be created');
  switch (status.phase) {
    case 'failed': {
      const own = status.errors.find((e) => e.line === inputLine);
      if (own) return failure(item, ctx, 'invalid_request', `${own.code}: ${own.message}`);
      const first = status.errors[0];
      return failure(item, ctx, 'batch_failed', first ? `batch failed: ${first.code}: ${first.message}` : 'batch failed');
    }
    case 'expired':
      return failure(item, ctx, 'expired', 'the batch expired before this request ran');
    case 'cancelled':
    case 'cancelling':
      return failure(item, ctx, 'provider_cancelled', 'the batch was cancelled before this request ran');
    default:
      return failure(item, ctx, 'missing_result', `the batch ended (${status.phase}) without a result for this request`);
  }
}

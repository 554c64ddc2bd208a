/**
 * The one rule for writing an item's outcome over the one stored, as SQL both result stores run (SQLite and
 * PostgreSQL read it alike): `items` is the stored row, `excluded` the one being written.
 *
 * An outcome replaces the stored one only if it comes from a later attempt, or settles a retryable one of the
 * same attempt. Re-collecting a file therefore changes nothing, and a stale collect cannot undo news.
 * Conflicting results (a batch that answered one item twice, differently) are the exception within an attempt:
 * they replace what the attempt stored and nothing of that attempt replaces them, so however often a file is
 * collected, its item ends as the conflict.
 */
export const OUTCOME_REPLACES = `excluded.attempt > items.attempt
   OR (excluded.attempt = items.attempt AND excluded.reason = 'conflicting_results')
   OR (excluded.attempt = items.attempt AND items.state = 'failed_retryable' AND excluded.state <> 'failed_retryable'
       AND COALESCE(items.reason, '') <> 'conflicting_results')`;

/** Every column of an outcome taken from the row being written. */
export const OUTCOME_UPDATE = `
  line = excluded.line, item_key = excluded.item_key, request_key = excluded.request_key,
  task_version = excluded.task_version, model = excluded.model, state = excluded.state, reason = excluded.reason,
  message = excluded.message, generation = excluded.generation, round = excluded.round,
  attempt = excluded.attempt, tier = excluded.tier, output = excluded.output,
  tokens_in = excluded.tokens_in, tokens_out = excluded.tokens_out, cost_usd = excluded.cost_usd`;

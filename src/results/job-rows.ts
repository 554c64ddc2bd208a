/**
 * Every row the result store keeps for one job, table by table: what `longhaul gc` counts and deletes. Both
 * stores run the same clauses (written with `{job}`, `{prefix}`, `{prefixLength}`; each store puts in its own
 * placeholders). Answers go before the items they point at; shard attempt ids (`<jobId>/g../r../s..`) are matched
 * by their first characters, not by LIKE (a job id may hold `_`) nor by a key range (collations differ).
 */
export const JOB_ROW_CLAUSES = [
  ['answers', `job_id = {job} AND request_key IN (SELECT request_key FROM items WHERE job_id = {job} AND request_key IS NOT NULL)`],
  ['items', `job_id = {job}`],
  ['stray_batches', `job_id = {job}`],
  ['batch_records', `substr(shard_attempt_id, 1, {prefixLength}) = {prefix}`],
  ['create_leases', `substr(shard_attempt_id, 1, {prefixLength}) = {prefix}`],
  ['jobs', `job_id = {job}`],
] as const;

export type JobRowTable = (typeof JOB_ROW_CLAUSES)[number][0];

/** A job's rows per table. */
export type JobRows = Record<JobRowTable, number>;

/** The values of `{job}`, `{prefix}` and `{prefixLength}` for a job: its id, and how its shard attempt ids start. */
export function jobRowValues(jobId: string): { job: string; prefix: string; prefixLength: number } {
  return { job: jobId, prefix: `${jobId}/`, prefixLength: jobId.length + 1 };
}

/** The sum of a job's rows over its tables. */
export function totalRows(rows: JobRows): number {
  return Object.values(rows).reduce((sum, n) => sum + n, 0);
}

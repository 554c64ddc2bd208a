/** Iterates outcomes page by page (pages in seq order). */
export async function* pagedOutcomes<T extends { seq: number }>(page: (afterSeq: number) => Promise<T[]>): AsyncGenerator<T> {
  let after = -1;
  for (;;) {
    const rows = await page(after);
    if (rows.length === 0) return;
    yield* rows;
    after = rows[rows.length - 1]!.seq;
  }
}

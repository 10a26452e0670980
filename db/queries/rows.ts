/**
 * The row a statement always returns: an aggregate, a SELECT of scalar subqueries, an INSERT …
 * RETURNING that cannot skip its row. None is a bug, reported as one rather than read as
 * undefined further on.
 */
export function onlyRow<T>(rows: readonly T[], statement: string): T {
  const [row] = rows;
  if (row === undefined) throw new Error(`${statement}: the statement returned no row`);
  return row;
}

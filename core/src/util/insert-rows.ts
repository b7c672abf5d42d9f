/**
 * Multi-row INSERT: many rows per statement instead of one statement per row. Each statement
 * has a fixed cost that dwarfs a small row's (on Turso 0.7.2 a memories row cost about 80 us
 * alone and about 25 us in a statement of 32), so batch writers go through here. Statements come
 * in a few fixed sizes (a power of two and the powers below it, for the remainder) so that the
 * drivers' prepared-statement caches keep them.
 */
import type { Queryable, SqlValue } from '../drivers/types.js';

/** Bound parameters per statement, at most: well under every engine's limit (SQLite's default is 32766). */
const MAX_PARAMS = 1024;
/** Rows per statement, at most (statements this long parse once and are reused). */
const MAX_ROWS = 64;

export interface InsertRowsOptions {
  /** What follows the VALUES list, e.g. an ON CONFLICT clause. */
  tail?: string;
  /** Placeholder SQL of one value per column (default `?`), e.g. `unhex(?)` for a hex-bound blob. */
  placeholders?: readonly string[];
}

/** Statements built so far, by shape: the same string each time, whose hash the drivers' caches keep. */
const built = new Map<string, string>();

function statement(key: string, build: () => string): string {
  let sql = built.get(key);
  if (sql === undefined) {
    if (built.size >= 256) built.clear();
    built.set(key, (sql = build()));
  }
  return sql;
}

/**
 * Inserts `rows` (each one value per column of `columns`) into `table`: `head` is the statement
 * up to VALUES, e.g. `INSERT INTO t (a, b)` or `INSERT OR REPLACE INTO t (a, b)`.
 * @example
 * await insertRows(tx, 'INSERT INTO memory_vectors (memory_id, embedding)', 2, rows);
 */
export async function insertRows(
  tx: Queryable,
  head: string,
  columns: number,
  rows: readonly (readonly SqlValue[])[],
  options: InsertRowsOptions = {},
): Promise<void> {
  if (rows.length === 0) return;
  const one = `(${options.placeholders?.join(', ') ?? new Array<string>(columns).fill('?').join(', ')})`;
  const tail = options.tail ? ` ${options.tail}` : '';
  let size = 1;
  while (size * 2 <= MAX_ROWS && size * 2 * columns <= MAX_PARAMS) size *= 2;
  for (let at = 0; at < rows.length;) {
    while (size > 1 && rows.length - at < size) size /= 2;
    const params: SqlValue[] = [];
    for (let i = at; i < at + size; i++) {
      const row = rows[i]!;
      for (let c = 0; c < columns; c++) params.push(row[c] ?? null);
    }
    await tx.run(
      statement(`${head}\0${one}\0${tail}\0${size}`, () => `${head} VALUES ${new Array<string>(size).fill(one).join(', ')}${tail}`),
      params,
    );
    at += size;
  }
}

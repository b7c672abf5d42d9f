/**
 * The text index of one table, as stores see it: one interface whatever the engine does
 * underneath (SQLite's FTS5 kept by triggers, or Engram's own term index written in the same
 * transaction on Turso). It is chosen once per engine (search/text-indexes.ts), so a store
 * calls add() and remove() unconditionally: where the engine keeps the index itself they cost
 * nothing.
 */
import type { Queryable, SqlValue, TextFields } from '../drivers/types.js';

/** A ranked hit: a row id and its score (higher is better). */
export interface Ranked {
  id: number;
  value: number;
}

/** Weighted term frequencies of a document's fields, and its length in indexed terms (unweighted). */
export interface Analysis {
  tf: Map<string, number>;
  length: number;
}

/**
 * A row to index: its id and (at least) the indexed columns, a missing or null field being
 * empty; or its id and the `analysis` already made of it.
 */
export interface TextDoc {
  readonly id: number;
  readonly analysis?: Analysis | undefined;
}

/** Which table is indexed, over which of its columns, with which weights. */
export interface TextIndexSpec {
  /** The indexed table: integer `id` and `text_len` columns; aliased `m` in filter SQL. */
  readonly table: string;
  readonly fields: TextFields;
}

export interface TextIndex extends TextIndexSpec {
  /** DDL creating the index (and whatever keeps it in step with the table). */
  ddl(): string[];
  /**
   * Re-indexes the table's rows after its fields or weights changed (`changed`: the fields
   * whose weight moved; an index may skip the work when no row has any of them).
   */
  rebuild(tx: Queryable, changed?: readonly string[]): Promise<void>;
  /**
   * A document's terms, to store its `text_len` and hand to add() with it; undefined where
   * the engine counts lengths itself (`text_len` is then 0).
   */
  analyze(doc: object): Analysis | undefined;
  /** Indexes rows just written (their `text_len` already stored). */
  add(tx: Queryable, docs: readonly TextDoc[]): Promise<void>;
  /** Forgets rows; call before they are deleted or their indexed text changes. */
  remove(tx: Queryable, ids: readonly number[]): Promise<void>;
  /**
   * Puts the index right after its table's rows changed under it (a sync pull replays rows,
   * not index maintenance); returns how many entries it corrected. `tables`: the database's
   * table names, when the caller has read them already (schema/meta.ts tableNames).
   */
  reconcile(tx: Queryable, tables?: Set<string>): Promise<number>;
  /**
   * BM25 over the index for plain search terms (each [\p{L}\p{N}]+), with `where` (SQL over
   * alias `m`, the table; its parameters `params`) applied before the cut, best first.
   */
  search(db: Queryable, terms: readonly string[], where: string, params: readonly SqlValue[], limit: number): Promise<Ranked[]>;
}

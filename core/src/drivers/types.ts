/**
 * The engine boundary. A driver is one small file that adapts one engine (Turso, SQLite) to
 * these interfaces; everything above it speaks only these types and plain SQL with bound
 * parameters. Dialect differences (vector distance, full-text index) are answered here too,
 * so no store has an `if (driver === ...)`.
 */
export type DriverName = 'turso' | 'sqlite';

/** Values that may be bound to a statement. Vectors are bound as Buffers of float32 LE bytes. */
export type SqlValue = null | number | bigint | string | Buffer;
export type Row = Record<string, unknown>;

export interface RunResult {
  changes: number;
  lastInsertRowid: number;
}

/** What a store may do with an open database, inside or outside a transaction. */
export interface Queryable {
  run(sql: string, params?: readonly SqlValue[]): Promise<RunResult>;
  all<T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  get<T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined>;
  /** Runs one or more statements without parameters (DDL, pragmas). */
  exec(sql: string): Promise<void>;
}

/** The thin engine handle a driver returns; `Connection` adds locking, retries and transactions. */
export interface EngineHandle extends Queryable {
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Hex-encoded 256-bit key: the database is encrypted at rest. Turso only. */
  encryptionKey?: string | undefined;
  readonly?: boolean | undefined;
  /**
   * The Engram root's open gate (open-gate.ts): opens pass it, and closing the last handle
   * removes side files only an open handle needs. Without it they stay.
   */
  gate?: string | undefined;
}

/** Indexed columns of a table and their weights: a term found in a column counts `weight` times. */
export type TextFields = Readonly<Record<string, number>>;

/**
 * An engine's own full-text index over columns of `table` (rowid `id`), each with a weight: a
 * term's frequency is the weighted sum over the columns (BM25F, as FTS5's bm25() weights do).
 */
export interface EngineFullText {
  /** DDL creating the index and whatever keeps it in step with the table. */
  ddl(table: string, fields: TextFields): string[];
  /** DDL replacing an index created over other columns, rebuilt from the table's rows. */
  rebuild(table: string, fields: TextFields): string[];
  /**
   * A query returning `id` and `score` (higher is better) for rows of `table` (aliased `alias`)
   * matching the query bound as `?1`, restricted by `where` (SQL over `alias`, whose further
   * `?` parameters come after ?1), best first, at most `limit` rows.
   */
  searchSql(table: string, alias: string, fields: TextFields, where: string, limit: number): string;
  /** Turns plain search terms (each [\p{L}\p{N}]+) into this engine's match-query syntax. */
  query(terms: readonly string[]): string;
}

/** SQL fragments that differ between engines. */
export interface Dialect {
  /** SQL expression: cosine distance (0 = same direction, 2 = opposite) between a BLOB column and a bound float32 BLOB. */
  cosineDistance(column: string, param: string): string;
  /**
   * How a BLOB is bound on a write: `sql` wraps the placeholder, `value` is what to bind for
   * `bytes`. Turso copies a bound Buffer byte by byte (about 47 us per KB); a hex string
   * through unhex() goes in 3-4x faster. SQLite binds the Buffer as it is.
   */
  blob: { sql(param: string): string; value(bytes: Buffer): SqlValue };
  /**
   * The engine's full-text index, when it suits a store written one row at a time; undefined
   * means Engram keeps its own term index in the database (search/text-indexes.ts chooses).
   */
  fullText: EngineFullText | undefined;
  /**
   * Whether a small agent's recall should pick its candidates from vectors held in memory
   * (search/small-vectors.ts) rather than have the engine compute every row's distance. Measured
   * at 1k x 384 warm: Turso 1.85 -> 1.25 ms a recall; SQLite's scan is as fast as the one in
   * JavaScript (0.9-1.0 ms either way), so it would only pay the load (7-13 ms once per handle).
   */
  vectorsInMemory: boolean;
}

export interface Driver {
  readonly name: DriverName;
  readonly dialect: Dialect;
  readonly supportsEncryption: boolean;
  /** Opens (creating when missing) a database file. Engine errors surface as EngramError. */
  open(path: string, options: OpenOptions): Promise<EngineHandle>;
  /** Files besides `path` that belong to the same database (WAL, shared memory, MVCC log). */
  sideFiles(path: string): string[];
  /** Maps an engine error to an EngramError (or returns it unchanged if already one). */
  mapError(err: unknown): Error;
}

/** What either engine (or the OS under it) says when the disk or the user's quota is full. */
export const DISK_FULL_MESSAGE = /no storage space|disk is full|ENOSPC|EDQUOT|quota exceeded/i;

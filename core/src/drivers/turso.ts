/**
 * Turso driver (`@tursodatabase/database`, the Rust rewrite of SQLite): the default engine.
 * Owns every Turso-specific fact: experimental flags, the binding trap (bind Buffers, never
 * typed arrays), why its full-text index is not used, and its error messages.
 */
import { connect } from '@tursodatabase/database';
import { EngramError, isEngramError } from '../errors.js';
import type { Dialect, Driver, EngineHandle, OpenOptions, Row, RunResult, SqlValue } from './types.js';

/** `multiprocess_wal` lets two processes (two MCP servers, say) open one agent file. */
const EXPERIMENTAL = ['multiprocess_wal'] as const;

type TursoDatabase = Awaited<ReturnType<typeof connect>>;

function bindable(params: readonly SqlValue[] | undefined): SqlValue[] {
  if (!params) return [];
  for (const p of params) {
    // A typed array bound to Turso is stored as garbage bytes: refuse it loudly.
    if (p !== null && typeof p === 'object' && !Buffer.isBuffer(p)) {
      throw new EngramError('INTERNAL', 'turso driver: bind vectors as Buffer, not typed arrays');
    }
  }
  return params as SqlValue[];
}

type TursoStatement = Awaited<ReturnType<TursoDatabase['prepare']>>;
const STATEMENT_CACHE = 64;

class TursoHandle implements EngineHandle {
  private readonly statements = new Map<string, TursoStatement>();

  constructor(private readonly db: TursoDatabase) {}

  /** Prepared statements are reused: preparing costs more than running a point query. */
  private async prepare(sql: string): Promise<TursoStatement> {
    const cached = this.statements.get(sql);
    if (cached) return cached;
    const stmt = await this.db.prepare(sql);
    if (this.statements.size >= STATEMENT_CACHE) {
      const oldest = this.statements.keys().next().value as string;
      this.statements.delete(oldest);
    }
    this.statements.set(sql, stmt);
    return stmt;
  }

  async run(sql: string, params?: readonly SqlValue[]): Promise<RunResult> {
    try {
      const stmt = await this.prepare(sql);
      const r = await stmt.run(...bindable(params));
      return { changes: Number(r.changes), lastInsertRowid: Number(r.lastInsertRowid) };
    } catch (err) {
      throw mapTursoError(err);
    }
  }

  async all<T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    try {
      const stmt = await this.prepare(sql);
      return (await stmt.all(...bindable(params))) as T[];
    } catch (err) {
      throw mapTursoError(err);
    }
  }

  async get<T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined> {
    try {
      const stmt = await this.prepare(sql);
      return ((await stmt.get(...bindable(params))) ?? undefined) as T | undefined;
    } catch (err) {
      throw mapTursoError(err);
    }
  }

  async exec(sql: string): Promise<void> {
    try {
      await this.db.exec(sql);
    } catch (err) {
      throw mapTursoError(err);
    }
  }

  async close(): Promise<void> {
    try {
      this.statements.clear();
      await this.db.close();
    } catch (err) {
      throw mapTursoError(err);
    }
  }
}

export function mapTursoError(err: unknown): Error {
  if (isEngramError(err)) return err;
  const message = err instanceof Error ? err.message : String(err);
  const fail = (code: ConstructorParameters<typeof EngramError>[0], text: string) =>
    new EngramError(code, `${text} (turso: ${message})`, { cause: err });
  if (/locked by another process|database is locked|busy|write-write conflict/i.test(message)) {
    return fail('LOCKED', 'the agent database is busy: another writer holds it');
  }
  if (/decryption failed/i.test(message)) {
    return fail('INVALID_ARGUMENT', 'wrong encryption key for this agent database');
  }
  if (/file is not a database|corrupt|malformed|invalid page size|not a database/i.test(message)) {
    return fail(
      'CORRUPT',
      'the file is not a readable agent database (not a database, damaged, or encrypted with a key that was not given)',
    );
  }
  if (/\(19\)|constraint|unique/i.test(message)) return fail('CONFLICT', 'a constraint was violated');
  if (/readonly|read-only|permission denied|EACCES|EROFS/i.test(message)) {
    return fail('READ_ONLY', 'the agent database cannot be written (read-only file or directory)');
  }
  if (/no such file|ENOENT/i.test(message)) return fail('NOT_FOUND', 'the agent database file is missing');
  return fail('INTERNAL', 'the turso engine failed');
}

export const tursoDialect: Dialect = {
  cosineDistance: (column, param) => `vector_distance_cos(${column}, ${param})`,
  blob: { sql: (param) => `unhex(${param})`, value: (bytes) => bytes.toString('hex') },
  // Turso's `USING fts` index (0.7.2) rewrites itself on every statement: a single-row insert
  // costs ~10 ms and grows with the index, and scores need one shared numbered parameter.
  // Until that changes (tursodatabase/turso#8170), Engram keeps its own term index on Turso.
  fullText: undefined,
};

export const tursoDriver: Driver = {
  name: 'turso',
  dialect: tursoDialect,
  supportsEncryption: true,
  async open(path: string, options: OpenOptions): Promise<EngineHandle> {
    try {
      const db = await connect(path, {
        experimental: [...EXPERIMENTAL],
        readonly: options.readonly ?? false,
        ...(options.encryptionKey ? { encryption: { cipher: 'aegis256' as const, hexkey: options.encryptionKey } } : {}),
      });
      return new TursoHandle(db);
    } catch (err) {
      throw mapTursoError(err);
    }
  },
  sideFiles: (path) => [`${path}-wal`, `${path}-shm`, `${path}-tshm`, `${path}-log`],
  mapError: mapTursoError,
};

/**
 * SQLite driver: better-sqlite3 with the sqlite-vec extension, the second engine. Owns every
 * SQLite-specific fact: FTS5 (an external-content table kept in step by triggers), sqlite-vec's
 * distance function, and SQLite's error codes. No encryption (stock SQLite has none).
 */
import { accessSync, constants } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';
import { EngramError, isEngramError } from '../util/errors.js';
import {
  DISK_FULL_MESSAGE,
  type Dialect,
  type Driver,
  type EngineHandle,
  type OpenOptions,
  type Row,
  type RunResult,
  type SqlValue,
  type TextFields,
} from './types.js';

type SqliteDatabase = Database.Database;
type SqliteStatement = Database.Statement<unknown[], unknown>;
const STATEMENT_CACHE = 64;

/**
 * better-sqlite3 binds an array only to bare `?` parameters; SQL that numbers some (`?1`) gets
 * every bare `?` numbered as SQLite would (largest so far + 1) and its values bound by number.
 */
function numberedSql(sql: string): string | undefined {
  if (!/\?\d/.test(sql)) return undefined;
  let max = 0;
  return sql.replace(/\?(\d*)/g, (_, digits: string) => {
    if (digits) {
      max = Math.max(max, Number(digits));
      return `?${digits}`;
    }
    return `?${++max}`;
  });
}

function bind(numbered: boolean, params: readonly SqlValue[] | undefined): unknown[] {
  if (!params || params.length === 0) return [];
  if (!numbered) return params as SqlValue[];
  return [Object.fromEntries(params.map((p, i) => [i + 1, p]))];
}

interface Prepared {
  stmt: SqliteStatement;
  numbered: boolean;
}

class SqliteHandle implements EngineHandle {
  private readonly statements = new Map<string, Prepared>();

  constructor(
    private readonly db: SqliteDatabase,
    private readonly path: string,
  ) {}

  /** Maps an engine error; WAL needs side files, and on a read-only directory SQLite only says "unable to open". */
  private fail(err: unknown): Error {
    const mapped = mapSqliteError(err);
    if (isEngramError(mapped, 'IO') && !writable(dirname(this.path))) {
      return new EngramError('READ_ONLY', `the agent database directory ${dirname(this.path)} is read-only`, { cause: err });
    }
    return mapped;
  }

  private prepare(sql: string, params: readonly SqlValue[] | undefined): [SqliteStatement, unknown[]] {
    let prepared = this.statements.get(sql);
    if (!prepared) {
      const numbered = numberedSql(sql);
      prepared = { stmt: this.db.prepare(numbered ?? sql), numbered: numbered !== undefined };
      if (this.statements.size >= STATEMENT_CACHE) {
        const oldest = this.statements.keys().next().value as string;
        this.statements.delete(oldest);
      }
      this.statements.set(sql, prepared);
    }
    return [prepared.stmt, bind(prepared.numbered, params)];
  }

  async run(sql: string, params?: readonly SqlValue[]): Promise<RunResult> {
    try {
      const [stmt, args] = this.prepare(sql, params);
      const r = stmt.run(...args);
      return { changes: r.changes, lastInsertRowid: Number(r.lastInsertRowid) };
    } catch (err) {
      throw this.fail(err);
    }
  }

  async all<T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    try {
      const [stmt, args] = this.prepare(sql, params);
      return stmt.all(...args) as T[];
    } catch (err) {
      throw this.fail(err);
    }
  }

  async get<T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined> {
    try {
      const [stmt, args] = this.prepare(sql, params);
      return stmt.get(...args) as T | undefined;
    } catch (err) {
      throw this.fail(err);
    }
  }

  async exec(sql: string): Promise<void> {
    try {
      this.db.exec(sql);
    } catch (err) {
      throw this.fail(err);
    }
  }

  async close(): Promise<void> {
    this.statements.clear();
    try {
      this.db.close();
    } catch (err) {
      // Closing checkpoints the WAL; on a full disk that fails, but every commit is already in
      // the WAL, which the next open replays. Nothing is lost, so close() does not throw.
      if (!isEngramError(mapSqliteError(err), 'DISK_FULL')) throw this.fail(err);
    }
  }
}

export function mapSqliteError(err: unknown): Error {
  if (isEngramError(err)) return err;
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: unknown })?.code;
  const sqliteCode = typeof code === 'string' ? code : '';
  const fail = (c: ConstructorParameters<typeof EngramError>[0], text: string) =>
    new EngramError(c, `${text} (sqlite: ${message})`, { cause: err });
  if (sqliteCode.startsWith('SQLITE_FULL') || DISK_FULL_MESSAGE.test(message)) {
    return fail('DISK_FULL', 'the disk holding the agent database is full; nothing of the failed write was kept');
  }
  if (sqliteCode.startsWith('SQLITE_BUSY') || sqliteCode.startsWith('SQLITE_LOCKED')) {
    return fail('LOCKED', 'the agent database is busy: another writer holds it');
  }
  if (sqliteCode === 'SQLITE_NOTADB' || sqliteCode.startsWith('SQLITE_CORRUPT') || /malformed/.test(message)) {
    return fail('CORRUPT', 'the file is not a readable agent database (not a database, or damaged)');
  }
  if (sqliteCode.startsWith('SQLITE_CONSTRAINT')) return fail('CONFLICT', 'a constraint was violated');
  if (sqliteCode.startsWith('SQLITE_READONLY') || (sqliteCode.startsWith('SQLITE_CANTOPEN') && /EACCES|permission/i.test(message))) {
    return fail('READ_ONLY', 'the agent database cannot be written (read-only file or directory)');
  }
  if (sqliteCode.startsWith('SQLITE_CANTOPEN')) return fail('IO', 'the agent database file cannot be opened');
  return fail('INTERNAL', 'the sqlite engine failed');
}

function writable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** FTS5 wants each term quoted; terms are plain words, but quotes are doubled all the same. */
function quoteTerm(term: string): string {
  return `"${term.replaceAll('"', '""')}"`;
}

function fts5Ddl(table: string, fields: TextFields): string[] {
  const cols = Object.keys(fields);
  const list = cols.join(', ');
  const values = (row: 'new' | 'old') => cols.map((c) => `${row}.${c}`).join(', ');
  return [
    `CREATE VIRTUAL TABLE IF NOT EXISTS ${table}_fts USING fts5(${list}, content='${table}', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')`,
    `CREATE TRIGGER IF NOT EXISTS ${table}_fts_ai AFTER INSERT ON ${table} BEGIN
       INSERT INTO ${table}_fts(rowid, ${list}) VALUES (new.id, ${values('new')}); END`,
    `CREATE TRIGGER IF NOT EXISTS ${table}_fts_ad AFTER DELETE ON ${table} BEGIN
       INSERT INTO ${table}_fts(${table}_fts, rowid, ${list}) VALUES ('delete', old.id, ${values('old')}); END`,
    `CREATE TRIGGER IF NOT EXISTS ${table}_fts_au AFTER UPDATE OF ${list} ON ${table} BEGIN
       INSERT INTO ${table}_fts(${table}_fts, rowid, ${list}) VALUES ('delete', old.id, ${values('old')});
       INSERT INTO ${table}_fts(rowid, ${list}) VALUES (new.id, ${values('new')}); END`,
  ];
}

export const sqliteDialect: Dialect = {
  cosineDistance: (column, param) => `vec_distance_cosine(${column}, ${param})`,
  blob: { sql: (param) => param, value: (bytes) => bytes },
  vectorsInMemory: false,
  fullText: {
    ddl: fts5Ddl,
    rebuild: (table, fields) => [
      ...['ai', 'ad', 'au'].map((t) => `DROP TRIGGER IF EXISTS ${table}_fts_${t}`),
      `DROP TABLE IF EXISTS ${table}_fts`,
      ...fts5Ddl(table, fields),
      `INSERT INTO ${table}_fts(${table}_fts) VALUES ('rebuild')`,
    ],
    searchSql: (table, alias, fields, where, limit) => {
      const rank = `bm25(${table}_fts, ${Object.values(fields).join(', ')})`;
      return (
        `SELECT ${alias}.id AS id, -${rank} AS score FROM ${table}_fts` +
        ` JOIN ${table} ${alias} ON ${alias}.id = ${table}_fts.rowid` +
        ` WHERE ${table}_fts MATCH ?1${where ? ` AND (${where})` : ''}` +
        ` ORDER BY ${rank} LIMIT ${limit}`
      );
    },
    query: (terms) => terms.map(quoteTerm).join(' OR '),
  },
};

export const sqliteDriver: Driver = {
  name: 'sqlite',
  dialect: sqliteDialect,
  supportsEncryption: false,
  async open(path: string, options: OpenOptions): Promise<EngineHandle> {
    if (options.encryptionKey) {
      throw new EngramError('UNSUPPORTED', 'encryption at rest needs the turso driver; the sqlite driver (stock SQLite) has no encryption');
    }
    let db: SqliteDatabase | undefined;
    try {
      // timeout 0: never busy-wait (it would block the event loop); Connection retries instead.
      db = new Database(path, { readonly: options.readonly ?? false, timeout: 0 });
      sqliteVec.load(db);
      return new SqliteHandle(db, path);
    } catch (err) {
      db?.close();
      throw mapSqliteError(err);
    }
  },
  sideFiles: (path) => [`${path}-wal`, `${path}-shm`, `${path}-journal`],
  mapError: mapSqliteError,
};

/**
 * Turso driver (`@tursodatabase/database`, the Rust rewrite of SQLite): the default engine.
 * Owns every Turso-specific fact: experimental flags, the binding trap (bind Buffers, never
 * typed arrays), why its full-text index is not used, and its error messages.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import type { connect } from '@tursodatabase/database';
import { Database } from '@tursodatabase/database';
import { EngramError, isEngramError } from '../util/errors.js';
import { removeIdleSideFiles, whileOpening } from './open-gate.js';
import {
  DISK_FULL_MESSAGE,
  type Dialect,
  type Driver,
  type EngineHandle,
  type OpenOptions,
  type Row,
  type RunResult,
  type SqlValue,
} from './types.js';

/** `multiprocess_wal` lets two processes (two MCP servers, say) open one agent file. */
const EXPERIMENTAL = ['multiprocess_wal'] as const;

/** What this handle needs of a Turso database: the plain one, or a synced one (turso-sync.ts). */
export type TursoDatabase = Pick<Awaited<ReturnType<typeof connect>>, 'prepare' | 'exec' | 'close'>;

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

type TursoStatement = Awaited<ReturnType<Awaited<ReturnType<typeof connect>>['prepare']>>;
const STATEMENT_CACHE = 64;

/** Storage failures after which Turso's page cache may hold the failed transaction's pages. */
const STORAGE_FAILURE = new RegExp(`${DISK_FULL_MESSAGE.source}|I\\/O error|EIO\\b`, 'i');

export class TursoHandle implements EngineHandle {
  private readonly statements = new Map<string, TursoStatement>();
  /**
   * Set when a write failed in storage. Turso 0.7.2 keeps the failed transaction's pages in
   * its cache: they stay visible, and the next successful commit makes them durable. So the
   * connection is thrown away and reopened from the file, where only committed data exists.
   */
  private poisoned: Error | undefined;
  /** Inside BEGIN ... COMMIT / ROLLBACK (as issued through exec()). */
  private inTransaction = false;

  /**
   * `reconnect` opens the file again after a storage failure (a replica has none: it stays failed
   * until reopened); `afterClose` runs once the connection is closed (best effort, never throws).
   */
  constructor(
    protected db: TursoDatabase,
    private readonly reconnect?: () => Promise<TursoDatabase>,
    private readonly afterClose?: () => void,
  ) {}

  /** Forgets prepared statements (after a pull that may have changed the schema). */
  protected forgetStatements(): void {
    this.statements.clear();
  }

  /**
   * Runs `fn` on a sound connection; a storage failure poisons it. A poisoned connection is
   * replaced before the next statement, except inside a transaction: there every statement but
   * the ROLLBACK fails as the transaction did (a fresh connection would run it outside any
   * transaction, committing it on its own).
   */
  private async guarded<T>(fn: () => Promise<T>): Promise<T> {
    try {
      if (this.poisoned) {
        if (this.inTransaction) throw this.poisoned;
        await this.discard();
      }
      return await fn();
    } catch (err) {
      const mapped = mapTursoError(err);
      if (err !== this.poisoned && STORAGE_FAILURE.test(err instanceof Error ? err.message : String(err))) this.poisoned = mapped;
      throw mapped;
    }
  }

  /** Drops the connection (and its cache) and opens the file again. */
  private async discard(): Promise<void> {
    if (!this.reconnect) throw this.poisoned!;
    this.statements.clear();
    await this.db.close().catch(() => undefined);
    this.db = await this.reconnect();
    this.poisoned = undefined;
  }

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

  run(sql: string, params?: readonly SqlValue[]): Promise<RunResult> {
    return this.guarded(async () => {
      const stmt = await this.prepare(sql);
      const r = await stmt.run(...bindable(params));
      return { changes: Number(r.changes), lastInsertRowid: Number(r.lastInsertRowid) };
    });
  }

  all<T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    return this.guarded(async () => {
      const stmt = await this.prepare(sql);
      return (await stmt.all(...bindable(params))) as T[];
    });
  }

  get<T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined> {
    return this.guarded(async () => {
      const stmt = await this.prepare(sql);
      return ((await stmt.get(...bindable(params))) ?? undefined) as T | undefined;
    });
  }

  async exec(sql: string): Promise<void> {
    if (/^\s*ROLLBACK\s*$/i.test(sql)) {
      this.inTransaction = false;
      // After a storage failure the transaction goes with the discarded connection.
      if (this.poisoned) return this.guarded(async () => undefined);
    }
    await this.guarded(() => this.db.exec(sql));
    if (/^\s*BEGIN\b/i.test(sql)) this.inTransaction = true;
    else if (/^\s*(COMMIT|END)\b/i.test(sql)) this.inTransaction = false;
  }

  async close(): Promise<void> {
    this.statements.clear();
    try {
      await this.db.close();
    } catch (err) {
      // A connection that failed in storage has nothing worth keeping; a full disk must not make close() throw.
      if (this.poisoned !== undefined || isDiskFull(err)) return;
      throw mapTursoError(err);
    }
    try {
      this.afterClose?.();
    } catch {
      // Side files left in place cost disk, never data: the next close tries again.
    }
  }
}

const PLAINTEXT_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

/** True when the file starts with the plain SQLite header (an encrypted Turso file starts with "Turso"). */
function isPlaintext(path: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const head = Buffer.alloc(PLAINTEXT_HEADER.length);
    return readSync(fd, head, 0, head.length, 0) === head.length && head.equals(PLAINTEXT_HEADER);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function isDiskFull(err: unknown): boolean {
  return DISK_FULL_MESSAGE.test(err instanceof Error ? err.message : String(err));
}

export function mapTursoError(err: unknown): Error {
  if (isEngramError(err)) return err;
  const message = err instanceof Error ? err.message : String(err);
  const fail = (code: ConstructorParameters<typeof EngramError>[0], text: string) =>
    new EngramError(code, `${text} (turso: ${message})`, { cause: err });
  if (isDiskFull(err)) return fail('DISK_FULL', 'the disk holding the agent database is full; nothing of the failed write was kept');
  if (/already open without experimental multiprocess WAL/.test(message)) {
    return fail('LOCKED', 'another process holds the agent database without multiprocess WAL (a SQLite tool?): close it and retry');
  }
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
  vectorsInMemory: true,
  // Turso's `USING fts` index (0.7.2) rewrites itself on every statement: a single-row insert
  // costs ~10 ms and grows with the index, and scores need one shared numbered parameter.
  // Until that changes (tursodatabase/turso#8170), Engram keeps its own term index on Turso.
  fullText: undefined,
};

/**
 * Another process opening the same database has made its WAL coordination file (`-tshm`) but
 * not sized it yet, or sized it but not written its header: measured with two writers opening a
 * new agent at once (a clean CI run), and with two processes reopening an agent whose idle
 * `-tshm` the last close removed (idle-footprint test). Turso's check of which WAL mode another
 * process uses also locks the file for a moment, which a second opener sees as "already open
 * without experimental multiprocess WAL". Transient states, never damage: the open is retried
 * for a while before it counts as CORRUPT (or LOCKED, for a process that really holds the file
 * in the other mode, such as a SQLite tool).
 */
const COORDINATION_BEING_MADE =
  /coordination file is smaller than the coordination header|shared WAL coordination map magic mismatch|already open without experimental multiprocess WAL/;
const COORDINATION_RETRY_MS = 2000;

type ConnectOptions = NonNullable<Parameters<typeof connect>[1]>;

/**
 * Opens the database on the calling thread. The binding's `connect()` does the same work (file
 * open, header, schema: about 0.5 ms) on a libuv worker and comes back through the event loop;
 * statements already run on this thread (the binding steps them synchronously). Measured with
 * core/bench/ab/cold.mjs (2,000 small agents, 6 interleaved rounds on a busy machine): open p50
 * 2.9 -> 1.9 ms, CPU per open + first recall 3.98 -> 3.60 ms. Falls back to `connect()` should
 * the binding stop offering a synchronous connect.
 */
async function connectNow(path: string, options: ConnectOptions): Promise<TursoDatabase> {
  const db = new Database(path, options);
  const internals = db as unknown as { db?: { connectSync?: () => void }; connected?: boolean };
  if (typeof internals.db?.connectSync !== 'function' || internals.connected !== false) {
    await db.connect();
    return db;
  }
  internals.db.connectSync();
  internals.connected = true;
  return db;
}

/** `connect`, retried while another process is still creating the database's coordination file. */
async function connectPatiently(connect: () => Promise<TursoDatabase>): Promise<TursoDatabase> {
  const deadline = Date.now() + COORDINATION_RETRY_MS;
  for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
    try {
      return await connect();
    } catch (err) {
      if (!COORDINATION_BEING_MADE.test(String((err as Error)?.message)) || Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

export const tursoDriver: Driver = {
  name: 'turso',
  dialect: tursoDialect,
  supportsEncryption: true,
  async open(path: string, options: OpenOptions): Promise<EngineHandle> {
    const { gate } = options;
    const connect = () =>
      connectNow(path, {
        experimental: [...EXPERIMENTAL],
        readonly: options.readonly ?? false,
        ...(options.encryptionKey ? { encryption: { cipher: 'aegis256' as const, hexkey: options.encryptionKey } } : {}),
      });
    // Each attempt through the gate, so that no side file is removed while this open is creating
    // or locking it; the gate is free between attempts (a promote or a removal may pass then).
    const open = () => connectPatiently(gate ? () => whileOpening(gate, connect) : connect);
    try {
      return new TursoHandle(await open(), open, gate ? () => removeIdleSideFiles(gate, path) : undefined);
    } catch (err) {
      const mapped = mapTursoError(err);
      if (options.encryptionKey && isEngramError(mapped, 'INVALID_ARGUMENT') && isPlaintext(path)) {
        throw new EngramError(
          'INVALID_ARGUMENT',
          'this agent database is not encrypted, so no encryptionKey fits it: open it without one',
          {
            cause: err,
            details: { encrypted: false },
          },
        );
      }
      throw mapped;
    }
  },
  sideFiles: (path) => [`${path}-wal`, `${path}-shm`, `${path}-tshm`, `${path}-log`],
  mapError: mapTursoError,
};

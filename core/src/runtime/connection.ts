/**
 * An open agent database: one engine handle behind an async mutex, so statements of one
 * transaction never interleave with another caller's, plus transactions that retry when another
 * process holds the write lock. Retries wait on timers: the engines' own busy timeouts spin and
 * would block the event loop.
 */
import { EngramError, isEngramError } from '../util/errors.js';
import type { Driver, EngineHandle, Queryable, Row, RunResult, SqlValue } from '../drivers/types.js';

export interface RetryOptions {
  /** How long to keep retrying a busy database before giving up with LOCKED. */
  lockTimeoutMs: number;
}

/** Statements that cannot write (anything else counts as a possible write). */
const READ_ONLY_SQL = /^\s*SELECT\b/i;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class Connection implements Queryable {
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** Whether anything may have been written since the last checkpoint (or since opening). */
  private written = false;

  constructor(
    readonly driver: Driver,
    private readonly handle: EngineHandle,
    readonly path: string,
    private readonly retry: RetryOptions = { lockTimeoutMs: 10_000 },
  ) {}

  get dialect() {
    return this.driver.dialect;
  }

  /** Runs `fn` alone on this connection (FIFO). */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new EngramError('CLOSED', `agent database ${this.path} is closed`));
    const result = this.tail.then(fn, fn);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Retries `fn` while the engine reports LOCKED, with jittered backoff, up to lockTimeoutMs. */
  private async withRetry<T>(fn: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.retry.lockTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (!isEngramError(err, 'LOCKED') || Date.now() >= deadline) {
          if (isEngramError(err, 'LOCKED')) {
            throw new EngramError(
              'LOCKED',
              `agent database ${this.path} stayed locked by another writer for ${this.retry.lockTimeoutMs} ms; retry later or raise lockTimeoutMs`,
              { cause: err },
            );
          }
          throw err;
        }
        await sleep(Math.min(50, 1 + attempt * 2) * (0.5 + Math.random()));
      }
    }
  }

  run(sql: string, params?: readonly SqlValue[]): Promise<RunResult> {
    this.written = true;
    return this.exclusive(() => this.withRetry(() => this.handle.run(sql, params)));
  }

  all<T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    if (!READ_ONLY_SQL.test(sql)) this.written = true;
    return this.exclusive(() => this.withRetry(() => this.handle.all<T>(sql, params)));
  }

  get<T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined> {
    if (!READ_ONLY_SQL.test(sql)) this.written = true;
    return this.exclusive(() => this.withRetry(() => this.handle.get<T>(sql, params)));
  }

  exec(sql: string): Promise<void> {
    this.written = true;
    return this.exclusive(() => this.withRetry(() => this.handle.exec(sql)));
  }

  /**
   * Runs `fn` in a write transaction (BEGIN IMMEDIATE). If another process holds the write lock
   * the whole transaction is retried, so `fn` must only touch the database: apply in-memory
   * effects after this resolves.
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    this.written = true;
    return this.exclusive(() =>
      this.withRetry(async () => {
        await this.handle.exec('BEGIN IMMEDIATE');
        try {
          const result = await fn(this.handle);
          await this.handle.exec('COMMIT');
          return result;
        } catch (err) {
          await this.handle.exec('ROLLBACK').catch(() => undefined);
          throw err;
        }
      }),
    );
  }

  /**
   * Moves the WAL into the main file and truncates it (best effort: skipped while busy or while
   * the disk is full). With
   * `ifWritten`, only when this connection may have written since its last checkpoint: closing
   * a handle that only read then costs no checkpoint (0.5 ms on Turso).
   */
  checkpoint(options: { ifWritten?: boolean } = {}): Promise<void> {
    return this.exclusive(async () => {
      if (options.ifWritten && !this.written) return;
      this.written = false;
      await this.handle.all('PRAGMA wal_checkpoint(TRUNCATE)').catch((err: unknown) => {
        this.written = true;
        // Busy, or no room to grow the main file: the WAL keeps every commit, so wait for later.
        if (!isEngramError(err, 'LOCKED') && !isEngramError(err, 'DISK_FULL')) throw err;
      });
    });
  }

  /**
   * Runs `fn` alone on the engine handle, between other callers' statements and transactions
   * (a synced handle's push and pull: see sync/session.ts).
   */
  withHandle<T>(fn: (handle: EngineHandle) => Promise<T>): Promise<T> {
    return this.exclusive(() => fn(this.handle));
  }

  close(): Promise<void> {
    return this.exclusive(async () => {
      this.closed = true;
      await this.handle.close();
    }).catch((err: unknown) => {
      if (!isEngramError(err, 'CLOSED')) throw err;
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }
}

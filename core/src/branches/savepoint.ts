/**
 * The cheap variant of try(): an experiment inside one write transaction of the agent. The
 * function gets an Agent whose stores all run on that transaction; each store operation, and
 * each nested tryInTransaction(), becomes a SAVEPOINT, so a failing step rolls back alone. If
 * the function throws, everything it did is rolled back; if it resolves, it is committed.
 * Nothing is copied, so it suits small experiments; the agent's write lock is held throughout,
 * so other writers (in any process) wait for it.
 */
import type { AgentState } from '../runtime/agent-state.js';
import { Connection } from '../runtime/connection.js';
import type { Driver, EngineHandle, Queryable, Row, RunResult, SqlValue } from '../drivers/types.js';
import { EngramError } from '../util/errors.js';

const NO_HANDLE: EngineHandle = {
  run: () => Promise.reject(new Error('unused')),
  all: () => Promise.reject(new Error('unused')),
  get: () => Promise.reject(new Error('unused')),
  exec: () => Promise.reject(new Error('unused')),
  close: () => Promise.resolve(),
};

/** A Connection over an open transaction: its transactions are savepoints, checkpoints and close do nothing. */
export class SavepointConnection extends Connection {
  private queue: Promise<unknown> = Promise.resolve();
  private depth = 0;

  constructor(
    driver: Driver,
    private readonly tx: Queryable,
    path: string,
  ) {
    super(driver, NO_HANDLE, path);
  }

  /** One caller at a time, in order, like Connection. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.queue.then(fn, fn);
    this.queue = result.catch(() => undefined);
    return result;
  }

  override run(sql: string, params?: readonly SqlValue[]): Promise<RunResult> {
    return this.serial(() => this.tx.run(sql, params));
  }

  override all<T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    return this.serial(() => this.tx.all<T>(sql, params));
  }

  override get<T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined> {
    return this.serial(() => this.tx.get<T>(sql, params));
  }

  override exec(sql: string): Promise<void> {
    return this.serial(() => this.tx.exec(sql));
  }

  override transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.serial(async () => {
      const name = `engram_try_${++this.depth}`;
      await this.tx.exec(`SAVEPOINT ${name}`);
      try {
        const result = await fn(this.tx);
        await this.tx.exec(`RELEASE ${name}`);
        return result;
      } catch (err) {
        await this.tx.exec(`ROLLBACK TO ${name}`);
        await this.tx.exec(`RELEASE ${name}`);
        throw err;
      } finally {
        this.depth--;
      }
    });
  }

  override checkpoint(): Promise<void> {
    return Promise.resolve();
  }

  override close(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * Runs `fn` on an agent view (`view(state)`) whose database is `state`'s connection inside one
 * transaction (a savepoint when `state` is itself such a view). Commits when `fn` resolves,
 * rolls back when it throws.
 */
export async function inTransaction<A, T>(
  use: <R>(fn: (state: AgentState) => Promise<R>) => Promise<R>,
  view: (state: AgentState) => A,
  fn: (agent: A) => Promise<T>,
): Promise<T> {
  return use(async (state) => {
    let started = false;
    let inner: AgentState | undefined;
    const value = await state.conn.transaction(async (tx) => {
      // Connection retries a whole transaction when another process holds the lock; fn must not run twice.
      if (started) {
        throw new EngramError('CONFLICT', 'the experiment was interrupted by another writer and rolled back; run it again', {
          details: { reason: 'retried' },
        });
      }
      started = true;
      inner = {
        conn: new SavepointConnection(state.conn.driver, tx, state.conn.path),
        meta: { ...state.meta },
        caches: new Map(),
      };
      return fn(view(inner));
    });
    // Committed: the meta it changed is the handle's now. (Vector changes bumped vectors_version,
    // which retires the handle's cached vector index on the next recall.)
    state.meta = inner!.meta;
    return value;
  });
}

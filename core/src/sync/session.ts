/**
 * One open synced agent: sync() (pull, put right what the pull brought, push), its status, the
 * background sync on an interval with backoff while the remote is unreachable, and the push
 * before the handle closes. Lives as long as the pool's handle; a sync never overlaps another
 * on the same handle, and its pull and push run between other callers' statements.
 */
import type { AgentState } from '../runtime/agent-state.js';
import type { AgentSync, SyncResult, SyncStatus } from '../runtime/sync-handle.js';
import type { ReplicaHandle } from '../drivers/turso-sync.js';
import { EngramError, isEngramError } from '../util/errors.js';
import type { Row, SqlValue } from '../drivers/types.js';
import type { ResolvedSyncOptions } from './options.js';
import { executeRemote } from './remote-sql.js';
import { reconcile, refreshState } from './reconcile.js';

export type { SyncResult, SyncStatus } from '../runtime/sync-handle.js';

/** How long closing a handle waits for its last push (the changes stay in the replica otherwise). */
const CLOSE_PUSH_MS = 5000;

export class SyncSession implements AgentSync {
  private running: Promise<SyncResult> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private lastError: { code: string; message: string } | null = null;
  private nextAttemptAt: number | null = null;
  private closed = false;
  /** The package's operation count right after this handle's last successful push. */
  private pushedAt: number | undefined;
  /** Set when the remote moved to a newer schema: no more syncs on this handle. */
  private refused: EngramError | undefined;

  constructor(
    private readonly state: AgentState,
    private readonly handle: ReplicaHandle,
    readonly agentId: string,
    readonly url: string,
    private readonly options: ResolvedSyncOptions,
  ) {}

  /** Starts the background sync (a no-op when intervalMs is 0). */
  start(): void {
    if (this.options.intervalMs > 0) this.schedule(this.options.intervalMs);
  }

  private schedule(ms: number): void {
    if (this.closed || this.refused) return;
    clearTimeout(this.timer);
    this.nextAttemptAt = Date.now() + ms;
    this.timer = setTimeout(() => void this.tick(), ms);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    this.nextAttemptAt = null;
    try {
      await this.sync();
    } catch {
      // recorded in lastError; the next attempt backs off
    }
    const backoff = Math.min(this.options.maxBackoffMs, this.options.intervalMs * 2 ** Math.min(this.failures, 16));
    this.schedule(this.failures === 0 ? this.options.intervalMs : backoff * (0.75 + Math.random() / 2));
  }

  /** Pulls, reconciles, pushes. Concurrent calls share one run. */
  sync(): Promise<SyncResult> {
    if (this.refused) return Promise.reject(this.refused);
    if (this.closed) return Promise.reject(new EngramError('CLOSED', `agent ${this.agentId} is closed`));
    this.running ??= this.run().finally(() => (this.running = undefined));
    return this.running;
  }

  private async run(): Promise<SyncResult> {
    const t0 = performance.now();
    const conn = this.state.conn;
    try {
      const before = await conn.withHandle(() => this.handle.stats());
      const pulled = await conn.withHandle(() => this.handle.pull());
      let forksResolved = 0;
      if (pulled) {
        await refreshState(this.state, this.agentId);
        forksResolved = (await reconcile(this.state)).forksResolved;
      }
      const pending = await conn.withHandle(() => this.handle.stats());
      await conn.withHandle(() => this.handle.push());
      const after = await conn.withHandle(() => this.handle.stats());
      this.pushedAt = after.pendingChanges;
      this.failures = 0;
      this.lastError = null;
      return {
        pulled,
        pushedChanges: Math.max(0, pending.pendingChanges - after.pendingChanges),
        bytesSent: after.bytesSent - before.bytesSent,
        bytesReceived: after.bytesReceived - before.bytesReceived,
        forksResolved,
        ms: performance.now() - t0,
      };
    } catch (err) {
      this.failures++;
      const e = isEngramError(err) ? err : new EngramError('IO', `sync of agent ${this.agentId} failed: ${String(err)}`, { cause: err });
      this.lastError = { code: e.code, message: e.message };
      if (e.code === 'UNSUPPORTED') {
        this.refused = e;
        clearTimeout(this.timer);
        this.nextAttemptAt = null;
      }
      throw e;
    }
  }

  /**
   * A compare-and-set decided by the remote: syncs (so the remote has this replica's rows),
   * runs `sql` (an UPDATE ... WHERE <condition> RETURNING ...) on the remote itself, then pulls
   * its outcome. The first row it returned, or undefined when the condition did not hold there.
   * Fails with SYNC_UNAVAILABLE when the remote cannot be reached: nothing was decided then.
   */
  async compareAndSet(sql: string, params: readonly SqlValue[]): Promise<Row | undefined> {
    await this.sync();
    const [row] = await executeRemote(this.url, this.options.authToken, sql, params);
    try {
      await this.sync();
    } catch (err) {
      if (row === undefined) throw err;
      throw new EngramError(
        'SYNC_UNAVAILABLE',
        `the remote granted the change but it could not be pulled here (${(err as Error).message}); it stands on the remote (a lease lapses when it expires)`,
        { cause: err },
      );
    }
    return row;
  }

  /** Pulls once at open (best effort: an unreachable remote leaves the replica as it is). */
  async pullAtOpen(): Promise<void> {
    try {
      await this.sync();
    } catch (err) {
      // A bad token or a newer remote schema is the caller's to know; the network may come back.
      if (isEngramError(err, 'SYNC_AUTH') || isEngramError(err, 'UNSUPPORTED')) throw err;
    }
  }

  async status(): Promise<SyncStatus> {
    const s = await this.state.conn.withHandle(() => this.handle.stats());
    return {
      url: this.url,
      pendingChanges: this.pushedAt === undefined ? s.pendingChanges : Math.max(0, s.pendingChanges - this.pushedAt),
      logOperations: s.pendingChanges,
      lastPullAt: s.lastPullAt,
      lastPushAt: s.lastPushAt,
      revision: s.revision,
      lastError: this.lastError,
      failures: this.failures,
      nextAttemptAt: this.nextAttemptAt,
    };
  }

  /**
   * Stops the background sync and pushes what is pending (best effort: unpushed changes stay in
   * the replica and go with the next sync after it reopens).
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    this.nextAttemptAt = null;
    // A silent remote must not hold the close (and every handle closed after it): give up after a while.
    const giveUp = setTimeout(() => this.handle.abortRequests(`the push before closing took over ${CLOSE_PUSH_MS} ms`), CLOSE_PUSH_MS);
    giveUp.unref();
    try {
      await this.running?.catch(() => undefined);
      if (this.refused) return;
      await this.state.conn.withHandle(() => this.handle.push());
    } catch (err) {
      this.lastError = { code: isEngramError(err) ? err.code : 'IO', message: String((err as Error).message ?? err) };
    } finally {
      clearTimeout(giveUp);
    }
  }
}

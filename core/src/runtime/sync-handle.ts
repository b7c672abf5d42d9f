/**
 * What an open agent handle offers when its agent is synced (sync/session.ts implements it):
 * the runtime and the stores see this interface, never the sync machinery behind it.
 */
import type { Row, SqlValue } from '../drivers/types.js';

/** What one sync moved. */
export interface SyncResult {
  /** Whether the pull brought changes from the remote. */
  pulled: boolean;
  /** Local changes (CDC operations) pushed. */
  pushedChanges: number;
  /** Bytes sent and received by this sync. */
  bytesSent: number;
  bytesReceived: number;
  /** Memories whose concurrent supersedes were chained into one history (see reconcile.ts). */
  forksResolved: number;
  /** Wall time of the whole sync. */
  ms: number;
}

/** Where a synced agent stands. */
export interface SyncStatus {
  url: string;
  /**
   * Row changes written here since the last successful push of this handle (0 right after one);
   * before any push since the handle opened, every change the replica still holds in its log.
   */
  pendingChanges: number;
  /** The sync package's own count of logged operations not yet acknowledged (bookkeeping included: rarely 0). */
  logOperations: number;
  /** Epoch ms of the last successful pull / push, or null. */
  lastPullAt: number | null;
  lastPushAt: number | null;
  /** Opaque revision of the remote state pulled last. */
  revision: string | null;
  /** The last sync's failure (cleared by a successful sync). */
  lastError: { code: string; message: string } | null;
  /** Failed background attempts in a row. */
  failures: number;
  /** Epoch ms of the next background attempt, or null when background sync is off or stopped. */
  nextAttemptAt: number | null;
}

export interface AgentSync {
  /** Pulls, puts right what the pull brought, then pushes. */
  sync(): Promise<SyncResult>;
  status(): Promise<SyncStatus>;
  /** Runs one conditional write on the remote itself, then pulls it (task claims and leases). */
  compareAndSet(sql: string, params: readonly SqlValue[]): Promise<Row | undefined>;
  /** Stops background sync and pushes what is pending (bounded wait). */
  close(): Promise<void>;
}

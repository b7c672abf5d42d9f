/**
 * Synced Turso driver (`@tursodatabase/sync`): the agent database is a local replica of a
 * remote one (Turso Cloud, or `tursodb --sync-server`), read and written locally like any Turso
 * file, that pushes its changes and pulls the remote's. Owns every fact about the sync package:
 * its files, how its errors read, and that a checkpoint must go through it (a plain
 * `wal_checkpoint` pragma would move pages the sync engine still tracks).
 */
import { connect, type Database } from '@tursodatabase/sync';
import { EngramError, isEngramError } from '../util/errors.js';
import { mapTursoError, TursoHandle } from './turso.js';
import type { Row, SqlValue } from './types.js';

/** Server-side encryption of a Turso Cloud database (passed through to the sync package). */
export interface RemoteEncryption {
  /** Base64 key the cloud database was encrypted with. */
  key: string;
  cipher:
    'aes256gcm' | 'aes128gcm' | 'chacha20poly1305' | 'aegis128l' | 'aegis128x2' | 'aegis128x4' | 'aegis256' | 'aegis256x2' | 'aegis256x4';
}

export interface RemoteOptions {
  /** The remote database: `libsql://...` (Turso Cloud) or `http://127.0.0.1:PORT` (tursodb --sync-server). */
  url: string;
  authToken?: string | undefined;
  remoteEncryption?: RemoteEncryption | undefined;
  /** Shown to the server to tell replicas apart (the package makes it unique). */
  clientName?: string | undefined;
  /** Longest silence of the server within one request (default 30000 ms): a silent remote cannot hang a sync. */
  requestTimeoutMs?: number | undefined;
}

/** What the sync package reports about a replica. */
export interface ReplicaStats {
  /** Local changes (CDC operations) not pushed yet. */
  pendingChanges: number;
  lastPullAt: number | null;
  lastPushAt: number | null;
  /** Opaque revision of the remote state pulled last. */
  revision: string | null;
  bytesSent: number;
  bytesReceived: number;
}

/** Files the sync package keeps beside a replica's database file. */
export function replicaSideFiles(path: string): string[] {
  return [`${path}-wal`, `${path}-shm`, `${path}-info`, `${path}-changes`, `${path}-wal-revert`, `${path}-log`];
}

/** Maps a sync engine error to SYNC_AUTH / SYNC_UNAVAILABLE, anything else as a Turso error. */
export function mapSyncError(err: unknown): Error {
  if (isEngramError(err)) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (/lock/i.test(message)) return mapTursoError(err);
  if (/status=(401|403)\b/.test(message)) {
    return new EngramError('SYNC_AUTH', `the sync server refused the credentials: check the auth token (sync: ${message})`, { cause: err });
  }
  if (
    /fetch failed|fetch error|abort|no answer from the sync server|ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|status=5\d\d|socket hang up|network/i.test(
      message,
    )
  ) {
    return new EngramError('SYNC_UNAVAILABLE', `the sync server cannot be reached (sync: ${message})`, { cause: err });
  }
  if (/sync engine/i.test(message)) return new EngramError('IO', `sync failed (sync: ${message})`, { cause: err });
  return mapTursoError(err);
}

/**
 * The fetch the sync package uses: a request fails when the server stays silent for
 * `idleMs` (no headers, or no bytes of the body), and every request under way can be aborted at
 * once (a handle that closes must not wait on a silent server). Bodies stream through.
 */
class Requests {
  private readonly live = new Set<AbortController>();

  constructor(private readonly idleMs: number) {}

  readonly fetch: typeof fetch = async (input, init) => {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => controller.abort(new Error(`no answer from the sync server for ${this.idleMs} ms`)), this.idleMs);
      timer.unref();
    };
    const done = () => {
      clearTimeout(timer);
      this.live.delete(controller);
    };
    this.live.add(controller);
    arm();
    try {
      const signal = init?.signal ? AbortSignal.any([init.signal, controller.signal]) : controller.signal;
      const response = await fetch(input, { ...init, signal });
      if (!response.body) {
        done();
        return response;
      }
      const watched = response.body.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, out) {
            arm();
            out.enqueue(chunk);
          },
          flush: done,
        }),
        { signal: controller.signal },
      );
      return new Response(watched, { status: response.status, statusText: response.statusText, headers: response.headers });
    } catch (err) {
      done();
      throw err;
    }
  };

  abortAll(reason: string): void {
    for (const c of this.live) c.abort(new Error(reason));
  }
}

/** A replica: an engine handle that can also pull, push and report on itself. */
export class ReplicaHandle extends TursoHandle {
  constructor(
    private readonly replica: Database,
    private readonly requests: Requests,
  ) {
    super(replica);
  }

  /** Aborts every request to the server under way (the operation fails with SYNC_UNAVAILABLE). */
  abortRequests(reason: string): void {
    this.requests.abortAll(reason);
  }

  /** Pulls the remote's changes; true when anything arrived. */
  async pull(): Promise<boolean> {
    try {
      const changed = await this.replica.pull();
      if (changed) this.forgetStatements();
      return changed;
    } catch (err) {
      throw mapSyncError(err);
    }
  }

  /** Pushes every local change not pushed yet. */
  async push(): Promise<void> {
    try {
      await this.replica.push();
    } catch (err) {
      throw mapSyncError(err);
    }
  }

  async stats(): Promise<ReplicaStats> {
    try {
      const s = await this.replica.stats();
      return {
        pendingChanges: Number(s.cdcOperations),
        lastPullAt: s.lastPullUnixTime ? Number(s.lastPullUnixTime) * 1000 : null,
        lastPushAt: s.lastPushUnixTime ? Number(s.lastPushUnixTime) * 1000 : null,
        revision: s.revision ?? null,
        bytesSent: Number(s.networkSentBytes),
        bytesReceived: Number(s.networkReceivedBytes),
      };
    } catch (err) {
      throw mapSyncError(err);
    }
  }

  /** A checkpoint goes through the sync package, which knows which pages it still needs. */
  override async all<T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    if (/^\s*PRAGMA\s+wal_checkpoint\b/i.test(sql)) {
      try {
        await this.replica.checkpoint();
        return [];
      } catch (err) {
        throw mapSyncError(err);
      }
    }
    return super.all<T>(sql, params);
  }
}

/**
 * Opens the replica at `path`, bootstrapping it from the remote when the file does not exist
 * yet (the remote's whole database is pulled first). An existing replica opens without the
 * network. Errors: SYNC_AUTH, SYNC_UNAVAILABLE (bootstrap only), LOCKED (another process has
 * the replica open: a replica belongs to one process).
 */
export async function openReplica(path: string, remote: RemoteOptions): Promise<ReplicaHandle> {
  const requests = new Requests(remote.requestTimeoutMs ?? 30_000);
  try {
    const db = await connect({
      path,
      fetch: requests.fetch,
      url: remote.url,
      ...(remote.authToken ? { authToken: remote.authToken } : {}),
      ...(remote.remoteEncryption ? { remoteEncryption: remote.remoteEncryption } : {}),
      clientName: remote.clientName ?? 'engram',
    });
    return new ReplicaHandle(db, requests);
  } catch (err) {
    const mapped = mapSyncError(err);
    if (isEngramError(mapped, 'LOCKED')) {
      throw new EngramError(
        'LOCKED',
        `${mapped.message}. A synced agent's replica belongs to one process: give each process its own Engram directory (a replica each; they meet through the sync server)`,
        { cause: err },
      );
    }
    throw mapped;
  }
}

/**
 * The `sync` option of Engram.open(): where each agent's remote database is, how to reach it,
 * and how often to sync. Checked once at open; the URL is resolved per agent on first open.
 */
import { invalid } from '../util/errors.js';
import type { RemoteEncryption } from '../drivers/turso-sync.js';

export interface SyncOptions {
  /**
   * The remote database of an agent: a template where `{agent}` stands for the agent id
   * (`libsql://engram-{agent}-myorg.turso.io`, `http://127.0.0.1:8080`), or a function of the
   * agent id (it may create the database first, e.g. with the Turso Platform API).
   */
  url: string | ((agentId: string) => string | Promise<string>);
  /** Bearer token for the sync server (Turso Cloud: a database or group token). */
  authToken?: string;
  /** Background sync (pull, then push) of every open agent this often; 0 turns it off (default 5000 ms). */
  intervalMs?: number;
  /** Longest wait between retries while the remote is unreachable (default 60000 ms). */
  maxBackoffMs?: number;
  /** For a Turso Cloud database encrypted on the server side. */
  remoteEncryption?: RemoteEncryption;
  /** Name this replica shows the server (default "engram"). */
  clientName?: string;
  /** A request fails when the server stays silent this long (default 30000 ms). */
  requestTimeoutMs?: number;
}

export interface ResolvedSyncOptions {
  url: (agentId: string) => Promise<string>;
  authToken: string | undefined;
  intervalMs: number;
  maxBackoffMs: number;
  remoteEncryption: RemoteEncryption | undefined;
  clientName: string | undefined;
  requestTimeoutMs: number;
}

const URL_SCHEMES = /^(libsql|https?|wss?):\/\//i;

function checkUrl(url: unknown, agentId: string): string {
  if (typeof url !== 'string' || !URL_SCHEMES.test(url)) {
    throw invalid(`sync.url for agent ${agentId} must be a libsql://, https:// or http:// URL (got ${JSON.stringify(url)})`);
  }
  return url;
}

function checkMs(value: unknown, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw invalid(`${field} must be a number of milliseconds >= 0`);
  return value;
}

/** Checks the option and turns the URL template into a function. */
export function resolveSyncOptions(options: SyncOptions): ResolvedSyncOptions {
  if (typeof options !== 'object' || options === null) throw invalid('sync must be an object: { url, authToken?, intervalMs? }');
  const { url } = options;
  let resolveUrl: (agentId: string) => Promise<string>;
  if (typeof url === 'string') {
    checkUrl(url.replaceAll('{agent}', 'x'), '{agent}');
    resolveUrl = async (id) => checkUrl(url.replaceAll('{agent}', encodeURIComponent(id)), id);
  } else if (typeof url === 'function') {
    resolveUrl = async (id) => checkUrl(await url(id), id);
  } else {
    throw invalid('sync.url must be a URL template with {agent} or a function (agentId) => URL');
  }
  if (options.authToken !== undefined && (typeof options.authToken !== 'string' || options.authToken.length === 0)) {
    throw invalid('sync.authToken must be a non-empty string');
  }
  return {
    url: resolveUrl,
    authToken: options.authToken,
    intervalMs: checkMs(options.intervalMs, 'sync.intervalMs', 5000),
    maxBackoffMs: Math.max(1, checkMs(options.maxBackoffMs, 'sync.maxBackoffMs', 60_000)),
    remoteEncryption: options.remoteEncryption,
    clientName: options.clientName,
    requestTimeoutMs: Math.max(1, checkMs(options.requestTimeoutMs, 'sync.requestTimeoutMs', 30_000)),
  };
}

/**
 * The `--sync-url` and `--sync-interval` flags of `engram mcp` and `engram serve`: replicate
 * every agent to a remote Turso database (Turso Cloud or `tursodb --sync-server`). The token
 * comes from ENGRAM_SYNC_TOKEN, never from a flag (flags show in process lists).
 */
import type { SyncOptions } from '@engram/core';

/** parseArgs options for the sync flags. */
export const SYNC_FLAGS = {
  'sync-url': { type: 'string' },
  'sync-interval': { type: 'string' },
} as const;

export const SYNC_USAGE = `Sync (both commands): --sync-url TEMPLATE replicates each agent to a remote Turso database;
{agent} in TEMPLATE stands for the agent id (libsql://engram-{agent}-ORG.turso.io, or
http://127.0.0.1:8080 for a local \`turso FILE --sync-server\`). Token: $ENGRAM_SYNC_TOKEN.
--sync-interval MS sets the background sync period (default 5000; 0: only on open and close).
Each process needs its own --dir: a replica belongs to one process.`;

/** The Engram `sync` option from the flags and environment, or undefined without --sync-url. */
export function syncOptions(
  values: { 'sync-url'?: string | undefined; 'sync-interval'?: string | undefined },
  fail: (message: string) => Error,
): SyncOptions | undefined {
  const url = values['sync-url'] ?? process.env.ENGRAM_SYNC_URL;
  if (url === undefined || url === '') {
    if (values['sync-interval'] !== undefined) throw fail('--sync-interval needs --sync-url');
    return undefined;
  }
  if (!/^(libsql|https?):\/\//i.test(url))
    throw fail(`--sync-url must be a libsql://, https:// or http:// URL template, not ${JSON.stringify(url)}`);
  const interval = values['sync-interval'] === undefined ? undefined : Number(values['sync-interval']);
  if (interval !== undefined && (!Number.isInteger(interval) || interval < 0))
    throw fail('--sync-interval must be a whole number of milliseconds >= 0');
  const token = process.env.ENGRAM_SYNC_TOKEN;
  return { url, ...(token ? { authToken: token } : {}), ...(interval === undefined ? {} : { intervalMs: interval }) };
}

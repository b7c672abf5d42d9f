/**
 * Opening a synced agent: the replica file through the sync driver (bootstrap, adoption of an
 * agent that predates sync, recovery from an interrupted bootstrap), then Engram's own checks
 * and migrations, then its SyncSession. Engram calls it for every agent when `sync` is set.
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { AgentState } from '../runtime/agent-state.js';
import { isLockedByAnyone } from '../branches/holders.js';
import { Connection } from '../runtime/connection.js';
import { openReplica, replicaSideFiles, type ReplicaHandle } from '../drivers/turso-sync.js';
import type { Driver } from '../drivers/types.js';
import { EngramError } from '../util/errors.js';
import { readMeta, type AgentMeta } from '../schema/meta.js';
import { SCHEMA_VERSION } from '../schema/migrations.js';
import { adoptLocalAgent, needsAdoption } from './adopt.js';
import type { ResolvedSyncOptions } from './options.js';
import { SyncSession } from './session.js';
import { prepareAgentDir } from '../runtime/agent-id.js';

/** What opening needs from the Engram. */
export interface SyncedOpenContext {
  /** The turso driver (its dialect and error mapping; it also reads an agent made before sync). */
  driver: Driver;
  lockTimeoutMs: number;
  /** The caller passed create: false: an agent neither here nor on the remote is NOT_FOUND. */
  mustExist: boolean;
  /** Checks and migrates the opened database (Engram's prepare). */
  prepare: (conn: Connection) => Promise<Partial<AgentMeta>>;
}

/**
 * Opens a synced agent's replica: bootstraps it from the remote when it is not on this disk
 * (or adopts an agent made here before sync), pulls once (best effort), migrates, and starts its
 * background sync. Errors: SYNC_AUTH, SYNC_UNAVAILABLE (nothing to open without the remote),
 * NOT_FOUND (`mustExist` and no such agent anywhere), LOCKED (another process has the replica).
 */
export async function openSyncedAgent(id: string, path: string, sync: ResolvedSyncOptions, ctx: SyncedOpenContext): Promise<AgentState> {
  const bootstrapping = `${path}.bootstrapping`;
  const discard = async () => {
    for (const f of [path, ...replicaSideFiles(path)]) await rm(f, { force: true });
  };
  // A bootstrap that a crash cut short left a partial replica nobody wrote to yet: start over
  // (unless another process is bootstrapping it right now: a replica belongs to one process).
  if (existsSync(bootstrapping)) {
    if (isLockedByAnyone([path, ...replicaSideFiles(path)])) {
      throw new EngramError(
        'LOCKED',
        `agent ${id} is being bootstrapped by another process; a synced agent's replica belongs to one process: give each process its own Engram directory`,
      );
    }
    await discard();
  }
  const fresh = await prepareAgentDir(id, path);
  const url = await sync.url(id);
  const remote = {
    url,
    authToken: sync.authToken,
    remoteEncryption: sync.remoteEncryption,
    clientName: sync.clientName,
    requestTimeoutMs: sync.requestTimeoutMs,
  };
  // An agent made here before sync was configured becomes a replica with all its rows.
  if (!fresh && needsAdoption(path)) await adoptLocalAgent(id, path, remote, ctx.driver);
  let handle: ReplicaHandle;
  if (fresh) writeFileSync(bootstrapping, '');
  try {
    handle = await openReplica(path, remote);
  } catch (err) {
    // A failed bootstrap leaves an empty file that would pass for a replica: start over next time.
    if (fresh) await discard();
    throw err;
  } finally {
    if (fresh) rmSync(bootstrapping, { force: true });
  }
  const conn = new Connection(ctx.driver, handle, path, { lockTimeoutMs: ctx.lockTimeoutMs });
  const state: AgentState = { conn, meta: {}, caches: new Map() };
  try {
    if (ctx.mustExist && !(await readMeta(conn))) {
      throw new EngramError('NOT_FOUND', `agent ${id} does not exist (neither here nor on its remote ${url})`);
    }
    const session = new SyncSession(state, handle, id, url, sync);
    state.sync = session;
    if (!fresh) await session.pullAtOpen();
    const before = Number((await readMeta(conn))?.schema_version ?? 0);
    state.meta = await ctx.prepare(conn);
    // A new agent reaches the remote at once; an existing one with its migrations, if any.
    if (before < SCHEMA_VERSION) await session.pullAtOpen();
    session.start();
    return state;
  } catch (err) {
    await state.sync?.close().catch(() => undefined);
    await conn.close().catch(() => undefined);
    if (fresh) await discard();
    throw err;
  }
}

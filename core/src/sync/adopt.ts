/**
 * Turning an agent that lived on this disk before sync was configured into a replica, without
 * losing a row. The sync package cannot open a plain database file as a replica (it bootstraps
 * over it from the remote: measured, the local rows were gone), so the agent is copied: the old
 * file (with its WAL) moves aside to `<id>.db.pre-sync`, where it stays; a replica bootstrapped
 * from the (empty) remote takes its place, and every table and row of the old file is written
 * into it, then pushed. A remote that already holds this agent is a CONFLICT: two histories
 * with the same row ids cannot be merged row by row (the old file is put back).
 *
 * Crash safety: a marker file (`<id>.db.adopting`) exists from before the old file moves until
 * the copy is complete; an open that finds it discards the half-made replica and copies again
 * from the old file.
 */
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { Driver, EngineHandle, Row, SqlValue } from '../drivers/types.js';
import { openReplica, replicaSideFiles, type RemoteOptions } from '../drivers/turso-sync.js';
import { isLockedByAnyone } from '../branches/holders.js';
import { EngramError } from '../util/errors.js';

/** Suffix of the old file kept after adoption. */
export const PRE_SYNC_SUFFIX = '.pre-sync';

/** True when `path` is an agent database that is not a replica yet. */
export function needsAdoption(path: string): boolean {
  return existsSync(`${path}.adopting`) || (existsSync(path) && !existsSync(`${path}-info`));
}

interface SchemaObject {
  type: string;
  name: string;
  sql: string;
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** Tables of the engines' own bookkeeping, never copied. */
const INTERNAL = /^(sqlite_|turso_|__turso)/;

async function copyRows(from: EngineHandle, to: EngineHandle, table: string): Promise<number> {
  const t = quote(table);
  let copied = 0;
  for (let after: number | null = null; ;) {
    const rows: Row[] = await from.all<Row>(
      `SELECT rowid AS "__rowid", * FROM ${t} ${after === null ? '' : 'WHERE rowid > ?'} ORDER BY rowid LIMIT 500`,
      after === null ? [] : [after],
    );
    if (rows.length === 0) return copied;
    const columns = Object.keys(rows[0]!).filter((c) => c !== '__rowid');
    const sql = `INSERT INTO ${t} (${columns.map(quote).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`;
    await to.exec('BEGIN IMMEDIATE');
    try {
      for (const row of rows)
        await to.run(
          sql,
          columns.map((c) => row[c] as SqlValue),
        );
      await to.exec('COMMIT');
    } catch (err) {
      await to.exec('ROLLBACK').catch(() => undefined);
      throw err;
    }
    copied += rows.length;
    after = Number(rows.at(-1)!.__rowid);
  }
}

/** Moves a database file and its side files (same suffixes) from `from` to `to`. */
function moveDatabase(from: string, to: string, sideFiles: (p: string) => string[]): void {
  for (const f of [from, ...sideFiles(from)]) if (existsSync(f)) renameSync(f, `${to}${f.slice(from.length)}`);
}

/**
 * Makes the plain agent database at `path` a replica of `remote`, keeping every row; the old
 * file is left at `path + PRE_SYNC_SUFFIX`. Errors: CONFLICT (the remote already holds an
 * agent), SYNC_UNAVAILABLE / SYNC_AUTH (the old file is back in place then).
 */
export async function adoptLocalAgent(agentId: string, path: string, remote: RemoteOptions, plain: Driver): Promise<{ rows: number }> {
  const marker = `${path}.adopting`;
  const backup = `${path}${PRE_SYNC_SUFFIX}`;
  const discardReplica = () => {
    for (const f of [path, ...replicaSideFiles(path)]) rmSync(f, { force: true });
  };
  if (existsSync(marker) && existsSync(backup)) {
    discardReplica(); // a copy a crash cut short
  } else {
    if (existsSync(backup)) {
      throw new EngramError('CONFLICT', `agent ${agentId}: ${backup} is in the way of making the agent a replica; move it elsewhere`);
    }
    if (isLockedByAnyone([path, ...plain.sideFiles(path)])) {
      throw new EngramError(
        'LOCKED',
        `agent ${agentId} is open in another process (without sync?): close it there before this process makes the agent a replica`,
      );
    }
    writeFileSync(marker, '');
    moveDatabase(path, backup, plain.sideFiles);
  }
  const putBack = () => {
    discardReplica();
    moveDatabase(backup, path, plain.sideFiles);
    rmSync(marker, { force: true });
  };
  let replica;
  try {
    replica = await openReplica(path, remote);
  } catch (err) {
    putBack();
    throw err;
  }
  let rows = 0;
  try {
    const remoteHasAgent = await replica
      .get(`SELECT 1 AS x FROM sqlite_master WHERE type = 'table' AND name = 'engram_meta'`)
      .then((r) => r !== undefined);
    if (remoteHasAgent) {
      throw new EngramError(
        'CONFLICT',
        `agent ${agentId} exists on this disk without sync and also on its remote ${remote.url}: they cannot be merged row by row. ` +
          `Open this directory without sync and export the agent, or point it at an empty remote database.`,
        { details: { agentId, url: remote.url } },
      );
    }
    const old = await plain.open(backup, {});
    try {
      const objects = await old.all<SchemaObject>(`SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid`);
      const keep = objects.filter((o) => !INTERNAL.test(o.name));
      // Tables, then their rows, then indexes and triggers (so no trigger fires on the copy).
      for (const o of keep.filter((o) => o.type === 'table')) await replica.exec(o.sql);
      for (const o of keep.filter((o) => o.type === 'table')) rows += await copyRows(old, replica, o.name);
      for (const o of keep.filter((o) => o.type !== 'table')) await replica.exec(o.sql);
    } finally {
      await old.close();
    }
    await replica.push().catch(() => undefined); // best effort: the next sync pushes otherwise
    await replica.close();
  } catch (err) {
    await replica.close().catch(() => undefined);
    putBack();
    throw err;
  }
  rmSync(marker, { force: true });
  return { rows };
}

/**
 * The change log: while an agent has branches, triggers append one row per changed unit
 * (table, key, I/U/D) to `branch_changes`, on the agent and on each branch alike (a branch is a
 * clone, so it inherits the log and its triggers). A fork point is a position in the log; the
 * changes of either side since the fork are its rows after that position.
 *
 * The log is on only while it is needed: the first branch switches it on, and it is trimmed to
 * the oldest fork still in use, and switched off and emptied when no branch needs it. Writes
 * cost one small extra row while it is on, one indexed lookup while it is off.
 *
 * Sequence numbers alone are ambiguous once histories part: after a branch is promoted, its
 * rows and the old agent's rows share numbers. So the log carries a lineage: epochs, each a
 * random id and the first sequence number it covers. Promote and restore start a new epoch
 * where the new history parts from the old, and a fork point (epoch, seq) is only comparable
 * with a database whose lineage contains it and whose log still reaches back to it.
 */
import { randomBytes } from 'node:crypto';
import type { Queryable } from '../drivers/types.js';
import { hasRows, LOG_META_KEY, LOG_TABLE, tablesOf, triggerDdl, triggerName, unitsOf } from './tables.js';

export interface LogState {
  /** [epoch id, first sequence number of the epoch], oldest first. */
  epochs: [string, number][];
  /** Every row up to this sequence number was trimmed. */
  trimmed: number;
}

/** A position in an agent's history: the last epoch and sequence number a branch or snapshot saw. */
export interface ForkPoint {
  /** null when the log was off (nothing to compare with). */
  epoch: string | null;
  seq: number;
}

export interface ChangeRow {
  tbl: string;
  key: string;
  op: 'I' | 'U' | 'D' | 'T';
}

/** Per-handle cache key: the schema version at which every tracked table was seen with its triggers. */
const TRIGGERS_CHECKED = 'branches:triggers-checked';

/** The key of a marker row: every row of the table may have changed (see ensureTriggers). */
const WHOLE_TABLE = '*';

export function newEpoch(): string {
  return randomBytes(8).toString('hex');
}

export async function readLogState(q: Queryable): Promise<LogState | null> {
  const row = await q.get<{ value: string }>('SELECT value FROM engram_meta WHERE key = ?', [LOG_META_KEY]);
  return row ? (JSON.parse(row.value) as LogState) : null;
}

export async function writeLogState(q: Queryable, state: LogState): Promise<void> {
  await q.run('INSERT INTO engram_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [
    LOG_META_KEY,
    JSON.stringify(state),
  ]);
}

/** The last sequence number ever given out (0 for a fresh log). */
export async function lastSeq(q: Queryable): Promise<number> {
  const row = await q.get<{ seq: number }>('SELECT seq FROM sqlite_sequence WHERE name = ?', [LOG_TABLE]);
  return Number(row?.seq ?? 0);
}

/** Where the database is in its history now. */
export async function position(q: Queryable): Promise<ForkPoint> {
  const s = await readLogState(q);
  return { epoch: s?.epochs.at(-1)?.[0] ?? null, seq: await lastSeq(q) };
}

/** Switches the log on (a fresh epoch); returns whether it wrote. */
export async function startLog(q: Queryable): Promise<boolean> {
  if (await readLogState(q)) return false;
  const seq = await lastSeq(q);
  await writeLogState(q, { epochs: [[newEpoch(), seq + 1]], trimmed: seq });
  return true;
}

/** Switches the log off and empties it. */
export async function stopLog(q: Queryable): Promise<void> {
  await q.run('DELETE FROM engram_meta WHERE key = ?', [LOG_META_KEY]);
  await q.run(`DELETE FROM ${LOG_TABLE}`);
}

/** `state` with a new epoch starting at `start`: history from there on is new. */
export function withNewEpoch(state: LogState | null, start: number): LogState {
  return { epochs: [...(state?.epochs ?? []), [newEpoch(), start]], trimmed: state?.trimmed ?? start - 1 };
}

/** True when `fork` is in this lineage and the log still holds every change since it. */
export function covers(state: LogState | null, fork: ForkPoint | null | undefined): boolean {
  if (!state || !fork || fork.epoch === null || fork.seq < state.trimmed) return false;
  const i = state.epochs.findIndex(([epoch]) => epoch === fork.epoch);
  if (i < 0) return false;
  const start = state.epochs[i]![1];
  const next = state.epochs[i + 1]?.[1];
  return fork.seq >= start - 1 && (next === undefined || fork.seq <= next - 1);
}

/**
 * Keeps only what the live forks need: switches the log off when none of them is in this
 * history any more, otherwise drops the rows up to the oldest one.
 */
export async function trimLog(q: Queryable, forks: readonly (ForkPoint | null)[]): Promise<void> {
  const state = await readLogState(q);
  if (!state) return;
  const live = forks.filter((f): f is ForkPoint => covers(state, f));
  if (live.length === 0) {
    await stopLog(q);
    return;
  }
  const oldest = Math.min(...live.map((f) => f.seq));
  if (oldest <= state.trimmed) return;
  await q.run(`DELETE FROM ${LOG_TABLE} WHERE seq <= ?`, [oldest]);
  await writeLogState(q, { ...state, trimmed: oldest });
}

/** Changes logged after `seq`, oldest first. */
export function changesSince(q: Queryable, seq: number): Promise<ChangeRow[]> {
  return q.all<ChangeRow>(`SELECT tbl, key, op FROM ${LOG_TABLE} WHERE seq > ? ORDER BY seq`, [seq]);
}

async function schemaNames(q: Queryable): Promise<{ tables: Set<string>; triggers: Set<string> }> {
  const rows = await q.all<{ type: string; name: string }>(`SELECT type, name FROM sqlite_master WHERE type IN ('table', 'trigger')`);
  return {
    tables: new Set(rows.filter((r) => r.type === 'table').map((r) => r.name)),
    triggers: new Set(rows.filter((r) => r.type === 'trigger').map((r) => r.name)),
  };
}

/**
 * Adds change-log triggers to tracked tables: the core tables when the first branch is made,
 * and tables an adapter created since. A table that already holds rows while the log is on gets a
 * marker row: its rows were written unlogged, so every one of them counts as changed. Returns
 * whether it wrote.
 */
export async function ensureTriggers(q: Queryable, caches?: Map<string, unknown>): Promise<boolean> {
  // The schema version moves whenever a table is created: unchanged, nothing new to track.
  const version = (await q.get<{ schema_version: number }>('PRAGMA schema_version'))?.schema_version;
  if (caches && version !== undefined && caches.get(TRIGGERS_CHECKED) === version) return false;
  const { tables, triggers } = await schemaNames(q);
  let wrote = false;
  for (const spec of await unitsOf(q)) {
    const missing = triggerDdl(spec).filter((t) => tables.has(t.table) && !triggers.has(t.name));
    if (missing.length === 0) continue;
    for (const t of missing) await q.exec(t.sql);
    wrote = true;
    // Core tables get their triggers with the first branch: nothing was logged before it.
    if (!spec.optional) continue;
    if (await readLogState(q)) {
      for (const table of new Set(missing.map((t) => t.table))) {
        if (!(await hasRows(q, table))) continue;
        await q.run(`INSERT INTO ${LOG_TABLE} (tbl, key, op) VALUES (?, ?, 'T')`, [spec.table, WHOLE_TABLE]);
        break;
      }
    }
  }
  if (!wrote) caches?.set(TRIGGERS_CHECKED, version);
  return wrote;
}

/**
 * Units with a table that exists without its triggers (created by an adapter since the last
 * branch): their changes were not logged.
 */
export async function untrackedTables(q: Queryable): Promise<string[]> {
  const { tables, triggers } = await schemaNames(q);
  return (await unitsOf(q))
    .filter((u) => tablesOf(u).some((t) => tables.has(t) && !triggers.has(triggerName(t, 'ai'))))
    .map((u) => u.table);
}

/** Tracked tables present in this database (for comparing schemas). */
export async function presentTables(q: Queryable): Promise<Set<string>> {
  const { tables } = await schemaNames(q);
  return new Set((await unitsOf(q)).flatMap(tablesOf).filter((t) => tables.has(t)));
}

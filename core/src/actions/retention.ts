/**
 * How long the action log keeps actions: prune by age and/or by count of the most recently
 * started, and a stored policy (the `actions_retention` meta key, JSON) that writes apply on
 * every RETENTION_EVERY-th insert, in the inserting transaction, so the log stays bounded at the
 * cost of a policy read and an index-range delete per hundred writes (a few ms on Turso).
 */
import type { Queryable } from '../drivers/types.js';
import { invalid } from '../util/errors.js';
import { rejectUnknownFields } from '../util/validate.js';
import { setMeta } from '../schema/meta.js';

import { checkDuration, MAX_DAYS } from '../util/time-range.js';
import { checkInteger } from './filter.js';
import type { PruneOptions, RetentionPolicy } from './types.js';

/** Writes apply the stored policy when the count of inserted actions reaches a multiple of this. */
export const RETENTION_EVERY = 100;
const META_KEY = 'actions_retention' as const;
const DAY_MS = 86_400_000;

function checkDays(value: unknown, field: string): number {
  return checkDuration(value, field, { exclusiveMin: true, max: MAX_DAYS, unit: 'days' });
}

/** A checked policy (at least one limit). */
export function checkPolicy(policy: RetentionPolicy): RetentionPolicy {
  if (typeof policy !== 'object' || policy === null) throw invalid('setRetention() takes { maxAgeDays?, maxRows? } or null');
  rejectUnknownFields(policy, ['maxAgeDays', 'maxRows'], 'setRetention');
  if (policy.maxAgeDays === undefined && policy.maxRows === undefined)
    throw invalid('setRetention(): give maxAgeDays and/or maxRows, or null to keep everything');
  return {
    ...(policy.maxAgeDays === undefined ? {} : { maxAgeDays: checkDays(policy.maxAgeDays, 'maxAgeDays') }),
    ...(policy.maxRows === undefined ? {} : { maxRows: checkInteger(policy.maxRows, 'maxRows', 1) }),
  };
}

export function checkPrune(options: PruneOptions): PruneOptions {
  if (typeof options !== 'object' || options === null) throw invalid('prune() takes { olderThanDays?, keepLast? }');
  rejectUnknownFields(options, ['olderThanDays', 'keepLast'], 'prune');
  return {
    ...(options.olderThanDays === undefined ? {} : { olderThanDays: checkDays(options.olderThanDays, 'olderThanDays') }),
    ...(options.keepLast === undefined ? {} : { keepLast: checkInteger(options.keepLast, 'keepLast', 0) }),
  };
}

export async function readPolicy(q: Queryable): Promise<RetentionPolicy | null> {
  const row = await q.get<{ value: string }>('SELECT value FROM engram_meta WHERE key = ?', [META_KEY]);
  return row ? (JSON.parse(row.value) as RetentionPolicy) : null;
}

export async function writePolicy(q: Queryable, policy: RetentionPolicy | null): Promise<void> {
  if (policy === null) await q.run('DELETE FROM engram_meta WHERE key = ?', [META_KEY]);
  else await setMeta(q, META_KEY, JSON.stringify(policy));
}

/** Deletes actions older than the age limit, then all but the `keepLast` most recently started; returns how many. */
export async function prune(q: Queryable, options: PruneOptions, now: number): Promise<number> {
  let deleted = 0;
  if (options.olderThanDays !== undefined) {
    deleted += (await q.run('DELETE FROM actions WHERE started_at < ?', [now - Math.round(options.olderThanDays * DAY_MS)])).changes;
  }
  if (options.keepLast !== undefined) {
    // The newest row that goes: everything at or before it (by start time, then id) is deleted.
    // `started_at <= ?` first lets Turso search the index instead of scanning it.
    const cut = await q.get<{ started_at: number; id: number }>(
      'SELECT started_at, id FROM actions ORDER BY started_at DESC, id DESC LIMIT 1 OFFSET ?',
      [options.keepLast],
    );
    if (cut) {
      deleted += (
        await q.run('DELETE FROM actions WHERE started_at <= ? AND (started_at < ? OR id <= ?)', [cut.started_at, cut.started_at, cut.id])
      ).changes;
    }
  }
  return deleted;
}

/** The stored policy as prune options (none: null). */
export function policyToPrune(policy: RetentionPolicy | null): PruneOptions | null {
  if (!policy) return null;
  return {
    ...(policy.maxAgeDays === undefined ? {} : { olderThanDays: policy.maxAgeDays }),
    ...(policy.maxRows === undefined ? {} : { keepLast: policy.maxRows }),
  };
}

/** Meta key counting every action ever inserted (row ids are random: see ids.ts). */
const INSERTED_KEY = 'actions_inserted';

/**
 * Counts `n` more inserted actions, in the inserting transaction, and returns their ordinals
 * (first..last). An agent from before the counter starts from the rows it holds.
 */
export async function countInserts(q: Queryable, n: number): Promise<{ first: number; last: number }> {
  const row = await q.get<{ value: string }>('SELECT value FROM engram_meta WHERE key = ?', [INSERTED_KEY]);
  // (the `n` new rows are already in the table)
  const before = row ? Number(row.value) : Number((await q.get<{ n: number }>('SELECT count(*) AS n FROM actions'))?.n ?? 0) - n;
  const last = before + n;
  await q.run('INSERT INTO engram_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [
    INSERTED_KEY,
    String(last),
  ]);
  return { first: before + 1, last };
}

/** Called after inserting the actions numbered first..last, in the same transaction: applies the stored policy when they span a multiple of RETENTION_EVERY. */
export async function applyPolicyEvery(q: Queryable, first: number, last: number, now: number): Promise<void> {
  if (Math.floor(last / RETENTION_EVERY) === Math.floor((first - 1) / RETENTION_EVERY)) return;
  const options = policyToPrune(await readPolicy(q));
  if (options) await prune(q, options, now);
}

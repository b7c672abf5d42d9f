/**
 * Replaying a branch's changes onto an agent that moved on: each changed unit is written as
 * the branch has it now (or deleted), inside one transaction of the agent, after the conflicts
 * were settled by the chosen policy. Tables an adapter created on the branch are created in
 * the agent first.
 */
import type { Dialect, Queryable } from '../drivers/types.js';
import { EngramError } from '../util/errors.js';
import { bumpVectorsVersion } from '../memories/memory-store.js';
import { ensureTriggers, presentTables } from './change-log.js';
import type { MergePlan } from './diff.js';
import { createStoreTables, storeOfUnit } from '../schema/store-tables.js';
import { recordedTableSets, TABLE_SET_META_PREFIX } from '../schema/table-set.js';
import { tablesOf, type UnitSpec } from './tables.js';
import type { MergePolicy, RowChange } from './types.js';
import { deleteUnit, insertUnit } from './units.js';

/**
 * Creates the tracked tables (and their indexes) that the branch has and the agent lacks: a
 * sub-store's from its own schema (with its full-text index), a declared table set's as the
 * branch has them, recording the set in the agent too.
 */
async function copyMissingTables(tx: Queryable, branch: Queryable, specs: readonly UnitSpec[], dialect: Dialect): Promise<void> {
  for (const spec of specs) {
    const store = storeOfUnit(spec.table);
    if (store) await createStoreTables(tx, dialect, store);
  }
  for (const set of await recordedTableSets(branch)) {
    if (!set.units?.some((u) => specs.some((s) => s.table === u.table))) continue;
    await tx.run('INSERT INTO engram_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING', [
      `${TABLE_SET_META_PREFIX}${set.name}`,
      JSON.stringify(set),
    ]);
  }
  const present = await presentTables(tx);
  const missing = [...new Set(specs.flatMap(tablesOf))].filter((t) => !present.has(t));
  if (missing.length === 0) return;
  for (const table of missing) {
    const ddl = await branch.all<{ sql: string }>(
      `SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('table', 'index') AND sql IS NOT NULL ORDER BY type = 'index'`,
      [table],
    );
    for (const { sql } of ddl) await tx.exec(sql);
  }
  await ensureTriggers(tx);
}

export interface Applied {
  applied: RowChange[];
  conflicts: RowChange[];
}

/**
 * Applies a plan to the agent (`tx`, inside its write transaction). With policy `fail`, any
 * conflict throws CONFLICT before anything is written.
 */
export async function applyPlan(
  tx: Queryable,
  branch: Queryable,
  plan: MergePlan,
  policy: MergePolicy,
  dialect: Dialect,
): Promise<Applied> {
  const conflicts = plan.units.filter((u) => u.conflict);
  if (conflicts.length > 0 && policy === 'fail') {
    const shown = conflicts.slice(0, 100).map((u) => ({ table: u.change.table, key: u.change.key }));
    throw new EngramError(
      'CONFLICT',
      `merge refused: ${conflicts.length} row(s) changed differently on both sides (first: ${shown[0]!.table} ${JSON.stringify(shown[0]!.key)}). ` +
        `Nothing was changed. Merge with { policy: 'ours' } to keep the agent's versions or { policy: 'theirs' } to take the branch's.`,
      { details: { reason: 'conflicts', conflicts: shown, count: conflicts.length } },
    );
  }
  const todo = plan.units.filter((u) => !u.same && (!u.conflict || policy === 'theirs'));
  await copyMissingTables(tx, branch, [...new Set(todo.map((u) => u.spec))], dialect);
  let vectors = false;
  for (const u of todo) {
    if (!u.append && u.parent) await deleteUnit(tx, dialect, u.spec, u.parent);
    if (u.branch) {
      const keep = !u.append && u.spec.rowid && u.parent ? u.parent.row[u.spec.rowid] : undefined;
      await insertUnit(tx, dialect, u.spec, u.branch, keep);
    }
    vectors ||= u.spec.vectors === true;
  }
  if (vectors) await bumpVectorsVersion(tx);
  return { applied: todo.map((u) => u.change), conflicts: conflicts.map((u) => u.change) };
}

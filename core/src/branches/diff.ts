/**
 * Comparing a branch with its agent since the fork: which units each side changed (from the
 * change log), how (added, changed, removed), and which both changed differently (conflicts).
 * The plan is what diff() reports and what merge() applies.
 */
import type { Queryable } from '../drivers/types.js';
import { changesSince, presentTables, untrackedTables } from './change-log.js';
import { unitsOf, type UnitSpec } from './tables.js';
import type { ChangeKind, RowChange, TableChanges } from './types.js';
import { allKeys, loadUnit, parseKey, signature, type LoadedRow } from './units.js';

interface UnitChange {
  spec: UnitSpec;
  key: string;
  /** The first logged operation since the fork: 'I' means the unit did not exist then. */
  firstOp: 'I' | 'U' | 'D';
}

const unitId = (table: string, key: string) => `${table}\u0000${key}`;

/**
 * Units changed in `db` after sequence number `seq`. Tables written while they had no triggers
 * (an adapter created them after the fork) count as wholly new: every row is an addition.
 */
export async function unitChanges(db: Queryable, seq: number): Promise<Map<string, UnitChange>> {
  const out = new Map<string, UnitChange>();
  const units = new Map((await unitsOf(db)).map((u) => [u.table, u]));
  const whole = new Set(await untrackedTables(db));
  for (const c of await changesSince(db, seq)) {
    const spec = units.get(c.tbl);
    if (!spec) continue;
    if (c.op === 'T') whole.add(c.tbl);
    else if (!out.has(unitId(c.tbl, c.key))) out.set(unitId(c.tbl, c.key), { spec, key: c.key, firstOp: c.op });
  }
  for (const table of whole) {
    const spec = units.get(table)!;
    for (const change of out.values()) if (change.spec === spec) change.firstOp = 'I';
    for (const key of await allKeys(db, spec)) {
      if (!out.has(unitId(table, key))) out.set(unitId(table, key), { spec, key, firstOp: 'I' });
    }
  }
  return out;
}

function classify(firstOp: UnitChange['firstOp'], existsNow: boolean): ChangeKind | null {
  if (firstOp !== 'I') return existsNow ? 'changed' : 'removed';
  return existsNow ? 'added' : null;
}

/** Rows of a table without a natural key that one side added: they are appended, never matched. */
const isAppend = (c: UnitChange) => c.spec.key.length === 0 && c.firstOp === 'I';

export interface PlannedUnit {
  spec: UnitSpec;
  change: RowChange;
  /** The unit on the branch now (null: removed there). */
  branch: LoadedRow | null;
  /** The unit in the agent now (null: not there); unloaded for appended rows. */
  parent: LoadedRow | null;
  append: boolean;
  /** The agent also changed this unit, differently. */
  conflict: boolean;
  /** Both sides hold the same content already: nothing to apply. */
  same: boolean;
}

export interface MergePlan {
  /** The branch's changes since the fork. */
  units: PlannedUnit[];
  /** The agent's changes since the fork. */
  parentChanges: RowChange[];
}

function rowChange(spec: UnitSpec, key: string, change: ChangeKind, unit: LoadedRow | null, values: boolean): RowChange {
  const out: RowChange = { table: spec.table, key: parseKey(key), change };
  if (values) out.row = unit ? unit.row : null;
  return out;
}

export interface PlanOptions {
  /** The agent's log reaches back to the fork: its changes can be told (else none are assumed). */
  parentLog: boolean;
  /** Keep each changed unit's main row in the result. */
  values: boolean;
  /** Also list what the agent changed (diff reports it; a replay does not need it). */
  parentChanges: boolean;
}

/** What each side changed since `forkSeq`, and how the branch's changes meet the agent's. */
export async function planMerge(parent: Queryable, branch: Queryable, forkSeq: number, options: PlanOptions): Promise<MergePlan> {
  const { values } = options;
  const theirs = await unitChanges(branch, forkSeq);
  const ours = options.parentLog ? await unitChanges(parent, forkSeq) : new Map<string, UnitChange>();
  const branchTables = await presentTables(branch);
  const parentTables = await presentTables(parent);
  const units: PlannedUnit[] = [];
  for (const [id, c] of theirs) {
    const key = parseKey(c.key);
    const b = await loadUnit(branch, c.spec, key, branchTables);
    const change = classify(c.firstOp, b !== null);
    if (!change) continue;
    const append = isAppend(c);
    const p = append || !parentTables.has(c.spec.table) ? null : await loadUnit(parent, c.spec, key, parentTables);
    const o = ours.get(id);
    let conflict = false;
    let same = false;
    if (!append) {
      if (b === null || p === null ? b === p : signature(c.spec, b) === signature(c.spec, p)) same = true;
      else if (o && !isAppend(o)) {
        // Both sides changed it: the same content written on each is no conflict.
        same =
          b !== null &&
          p !== null &&
          (c.spec.sameEnough?.(p.row, b.row) === true || signature(c.spec, b, true) === signature(c.spec, p, true));
        conflict = !same;
      }
    }
    units.push({ spec: c.spec, change: rowChange(c.spec, c.key, change, b, values), branch: b, parent: p, append, conflict, same });
  }
  const parentChanges: RowChange[] = [];
  for (const c of options.parentChanges ? ours.values() : []) {
    const p = await loadUnit(parent, c.spec, parseKey(c.key));
    const change = classify(c.firstOp, p !== null);
    if (change) parentChanges.push(rowChange(c.spec, c.key, change, p, values));
  }
  return { units, parentChanges };
}

/** Changes counted per table. */
export function countByTable(changes: readonly RowChange[]): TableChanges[] {
  const by = new Map<string, TableChanges>();
  for (const c of changes) {
    const t = by.get(c.table) ?? { table: c.table, added: 0, changed: 0, removed: 0 };
    t[c.change]++;
    by.set(c.table, t);
  }
  return [...by.values()].sort((a, b) => a.table.localeCompare(b.table));
}

/**
 * Units of user data as rows: loading one (a root row and its children, from either side),
 * comparing two, deleting one and writing one into another database with fresh local ids.
 * Only identifiers from tables.ts and column names read back from the engine reach SQL.
 */
import type { Dialect, Queryable, Row, SqlValue } from '../drivers/types.js';
import { EngramError } from '../util/errors.js';
import { identity, q, type ChildSpec, type UnitSpec } from './tables.js';
import type { TextDoc } from '../search/text-index.js';
import { textIndex } from '../search/text-indexes.js';

import { mintId } from '../util/ids.js';

/** One loaded row and its child rows by child table. */
export interface LoadedRow {
  row: Row;
  children: Map<string, LoadedRow[]>;
}

function sqlValue(value: unknown): SqlValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'bigint') return value;
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return Buffer.from(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  throw new EngramError('INTERNAL', `cannot copy a ${typeof value} value between databases`);
}

/** The unit's key values, parsed from a change-log key. */
export function parseKey(key: string): SqlValue[] {
  return JSON.parse(key) as SqlValue[];
}

async function loadChildren(
  db: Queryable,
  specs: readonly ChildSpec[] | undefined,
  parents: LoadedRow[],
  tables: ReadonlySet<string>,
): Promise<void> {
  if (!specs || parents.length === 0) return;
  for (const c of specs) {
    if (!tables.has(c.table)) continue; // an adapter's table not created (yet) in this database
    const values = parents.map((p) => p.row[c.ref]);
    const rows = await db.all(`SELECT * FROM ${q(c.table)} WHERE ${q(c.fk)} IN (SELECT value FROM json_each(?))`, [JSON.stringify(values)]);
    const loaded = rows.map((row) => ({ row, children: new Map<string, LoadedRow[]>() }));
    const byParent = new Map<string, LoadedRow[]>();
    for (const l of loaded) {
      const k = String(l.row[c.fk]);
      const list = byParent.get(k);
      if (list) list.push(l);
      else byParent.set(k, [l]);
    }
    for (const p of parents) p.children.set(c.table, byParent.get(String(p.row[c.ref])) ?? []);
    await loadChildren(db, c.children, loaded, tables);
  }
}

/**
 * The unit with this key; null when it does not exist. With `tables` (the tracked tables present
 * in `db`), its child rows too.
 */
export async function loadUnit(
  db: Queryable,
  spec: UnitSpec,
  key: readonly SqlValue[],
  tables?: ReadonlySet<string>,
): Promise<LoadedRow | null> {
  const where = identity(spec)
    .map((c) => `${q(c)} = ?`)
    .join(' AND ');
  const row = await db.get(`SELECT * FROM ${q(spec.table)} WHERE ${where}`, key);
  if (!row) return null;
  const unit = { row, children: new Map<string, LoadedRow[]>() };
  if (tables) await loadChildren(db, spec.children, [unit], tables);
  return unit;
}

/** Every key of a table (for tables whose rows all count as changed). */
export async function allKeys(db: Queryable, spec: UnitSpec): Promise<string[]> {
  const rows = await db.all<{ k: string }>(`SELECT json_array(${identity(spec).map(q).join(', ')}) AS k FROM ${q(spec.table)}`);
  return rows.map((r) => r.k);
}

function canonical(value: unknown): string {
  if (value instanceof Uint8Array) return `"x:${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}"`;
  if (typeof value === 'bigint') return value.toString();
  return JSON.stringify(value ?? null);
}

/**
 * A comparable text for a unit's content, without its local ids; with `contentOnly`, also
 * without the root's write times (UnitSpec.volatile).
 */
export function signature(spec: UnitSpec | ChildSpec, unit: LoadedRow, contentOnly = false): string {
  const skip = new Set<string>([
    spec.rowid ?? '',
    'fk' in spec ? spec.fk : '',
    ...(contentOnly && 'volatile' in spec ? (spec.volatile ?? []) : []),
  ]);
  const cols = Object.keys(unit.row)
    .filter((c) => !skip.has(c))
    .sort();
  const own = cols.map((c) => `${JSON.stringify(c)}:${canonical(unit.row[c])}`).join(',');
  const kids = (spec.children ?? []).map((c) => {
    const rows = (unit.children.get(c.table) ?? []).map((r) => signature(c, r)).sort();
    return `${JSON.stringify(c.table)}:[${rows.join(',')}]`;
  });
  return `{${own}${kids.length > 0 ? `,${kids.join(',')}` : ''}}`;
}

async function deleteChildren(
  tx: Queryable,
  specs: readonly ChildSpec[] | undefined,
  parents: LoadedRow[],
  dialect: Dialect,
): Promise<void> {
  for (const c of specs ?? []) {
    const rows = parents.flatMap((p) => p.children.get(c.table) ?? []);
    if (rows.length === 0) continue;
    await deleteChildren(tx, c.children, rows, dialect);
    if (c.textIndex && c.rowid) {
      await textIndex(dialect, c.textIndex).remove(
        tx,
        rows.map((r) => Number(r.row[c.rowid!])),
      );
    }
    await tx.run(`DELETE FROM ${q(c.table)} WHERE ${q(c.fk)} IN (SELECT value FROM json_each(?))`, [
      JSON.stringify(parents.map((p) => p.row[c.ref])),
    ]);
  }
}

/** Deletes a unit (loaded from `tx`'s own database), its children and their term-index entries. */
export async function deleteUnit(tx: Queryable, dialect: Dialect, spec: UnitSpec, unit: LoadedRow): Promise<void> {
  await deleteChildren(tx, spec.children, [unit], dialect);
  if (spec.textIndex && spec.rowid) await textIndex(dialect, spec.textIndex).remove(tx, [Number(unit.row[spec.rowid])]);
  const cols = spec.rowid ? [spec.rowid] : identity(spec);
  await tx.run(
    `DELETE FROM ${q(spec.table)} WHERE ${cols.map((c) => `${q(c)} = ?`).join(' AND ')}`,
    cols.map((c) => sqlValue(unit.row[c])),
  );
}

/** Inserts one row; `rowid` (if any) is `keepRowid` or a fresh one. Returns the row as written. */
async function insertRow(tx: Queryable, table: string, rowid: string | undefined, row: Row, set: Row, keepRowid?: unknown): Promise<Row> {
  const out: Row = { ...row, ...set };
  // A row added on a branch gets a fresh id, minted like any other (see ids.ts).
  if (rowid) out[rowid] = keepRowid ?? mintId();
  const cols = Object.keys(out);
  await tx.run(
    `INSERT INTO ${q(table)} (${cols.map(q).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`,
    cols.map((c) => sqlValue(out[c])),
  );
  return out;
}

async function insertChildren(
  tx: Queryable,
  specs: readonly ChildSpec[] | undefined,
  source: LoadedRow,
  written: Row,
  dialect: Dialect,
): Promise<void> {
  for (const c of specs ?? []) {
    const added: TextDoc[] = [];
    for (const child of source.children.get(c.table) ?? []) {
      const row = await insertRow(tx, c.table, c.rowid, child.row, { [c.fk]: written[c.ref] });
      if (c.textIndex && c.rowid) added.push({ ...row, id: Number(row[c.rowid]) });
      await insertChildren(tx, c.children, child, row, dialect);
    }
    if (c.textIndex) await textIndex(dialect, c.textIndex).add(tx, added);
  }
}

/**
 * Writes a unit loaded from another database into `tx`'s database: local ids are fresh (or
 * `keepRowid` for the root, the id the replaced unit had), child references follow them, and
 * the term index (where Engram keeps its own) learns the new rows.
 */
export async function insertUnit(tx: Queryable, dialect: Dialect, spec: UnitSpec, unit: LoadedRow, keepRowid?: unknown): Promise<void> {
  const row = await insertRow(tx, spec.table, spec.rowid, unit.row, {}, keepRowid);
  if (spec.textIndex && spec.rowid) await textIndex(dialect, spec.textIndex).add(tx, [{ ...row, id: Number(row[spec.rowid]) }]);
  await insertChildren(tx, spec.children, unit, row, dialect);
}

/**
 * Tables that a package built on core adds to agent databases (the LangChain adapter's
 * checkpoints, for example): their DDL and how branch diff and merge identify their rows. A
 * set is recorded in the agent database when its tables are created, so any process, even one
 * that never loads the package, can track, diff and merge them.
 */
import type { Queryable } from '../drivers/types.js';
import { invalid } from '../util/errors.js';

/** Rows below a unit's root row, found through a foreign key. */
export interface TableChild {
  readonly table: string;
  /** Column of this table holding the parent row's `ref` value. */
  readonly fk: string;
  /** The parent's column it refers to. */
  readonly ref: string;
  /** Integer primary key, local to each database (reassigned on merge). */
  readonly rowid?: string;
  readonly children?: readonly TableChild[];
}

/** A root table whose rows (with their children) are what diff and merge compare. */
export interface TableUnit {
  readonly table: string;
  /**
   * Columns identifying a row in every database. Empty: the table has no natural key, its rows
   * are identified by `rowid` and rows added on a branch are appended with new ids.
   */
  readonly key: readonly string[];
  /** Integer primary key, local to each database (reassigned on merge). */
  readonly rowid?: string;
  readonly children?: readonly TableChild[];
  /**
   * Columns that record when a row was written rather than what it holds (`updated_at`): left
   * out when both sides changed a unit, so the same change made on each side is no conflict.
   */
  readonly volatile?: readonly string[];
}

export interface TableSet {
  /** Unique name, such as `langchain.checkpoints`: lowercase letters, digits, `.`, `_`, `-`. */
  readonly name: string;
  /** `CREATE TABLE / INDEX IF NOT EXISTS` statements, run in one transaction on first use. */
  readonly statements: readonly string[];
  /** The tables branches should diff and merge; tables not listed are carried whole by promote. */
  readonly units?: readonly TableUnit[];
  /**
   * Brings tables an older version of the set created up to date (an added column, say). Runs
   * after `statements`, in the same transaction, whenever the set recorded in the database is
   * not this one; it must be idempotent.
   */
  readonly upgrade?: (tx: Queryable) => Promise<void>;
}

/** Meta keys `tables:<name>` hold each created set as JSON. */
export const TABLE_SET_META_PREFIX = 'tables:';

const SET_NAME = /^[a-z][a-z0-9._-]{0,63}$/;
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,63}$/;
/** Core's own tables: a set may not declare them (nor anything named like Engram's internals). */
const RESERVED = /^(engram_|branch_|sqlite_|memories|memory_|files|file_|actions|tasks|task_|kv$)/;

function checkIdentifier(name: unknown, what: string): string {
  if (typeof name !== 'string' || !IDENTIFIER.test(name))
    throw invalid(`${what} ${JSON.stringify(name)} must be a lowercase SQL identifier`);
  return name;
}

function checkChild(c: TableChild, where: string): void {
  checkIdentifier(c.table, `${where} child table`);
  checkIdentifier(c.fk, `${where} child fk`);
  checkIdentifier(c.ref, `${where} child ref`);
  if (c.rowid !== undefined) checkIdentifier(c.rowid, `${where} child rowid`);
  for (const g of c.children ?? []) checkChild(g, `${where}.${c.table}`);
}

/**
 * Checks and freezes a table set; packages declare theirs once, at module level, and use it
 * with `agent.withTables(set, fn)`.
 * @example
 * export const NOTES = defineTables({
 *   name: 'myapp.notes',
 *   statements: ['CREATE TABLE IF NOT EXISTS myapp_notes (id INTEGER PRIMARY KEY, slug TEXT NOT NULL UNIQUE, body TEXT NOT NULL)'],
 *   units: [{ table: 'myapp_notes', key: ['slug'], rowid: 'id' }],
 * });
 */
export function defineTables(set: TableSet): TableSet {
  if (typeof set !== 'object' || set === null) throw invalid('defineTables() takes { name, statements, units? }');
  if (typeof set.name !== 'string' || !SET_NAME.test(set.name))
    throw invalid(`table set name ${JSON.stringify(set.name)} must be lowercase letters, digits, ".", "_" or "-" (like "mypkg.notes")`);
  if (!Array.isArray(set.statements) || set.statements.length === 0 || !set.statements.every((s) => typeof s === 'string' && s.trim()))
    throw invalid(`table set ${set.name}: statements must be a non-empty list of SQL strings`);
  for (const u of set.units ?? []) {
    const table = checkIdentifier(u.table, `table set ${set.name}: unit table`);
    if (RESERVED.test(table)) throw invalid(`table set ${set.name}: ${table} is one of Engram's own tables (or named like them)`);
    if (!Array.isArray(u.key)) throw invalid(`table set ${set.name}: unit ${table} needs a key (a list of columns, or [] with a rowid)`);
    u.key.forEach((k) => checkIdentifier(k, `table set ${set.name}: key column`));
    if (u.rowid !== undefined) checkIdentifier(u.rowid, `table set ${set.name}: rowid`);
    (u.volatile ?? []).forEach((c) => checkIdentifier(c, `table set ${set.name}: volatile column`));
    if (u.key.length === 0 && u.rowid === undefined) throw invalid(`table set ${set.name}: unit ${table} without a key needs a rowid`);
    for (const c of u.children ?? []) checkChild(c, `table set ${set.name}: ${table}`);
  }
  if (set.upgrade !== undefined && typeof set.upgrade !== 'function') throw invalid(`table set ${set.name}: upgrade must be a function`);
  const data = JSON.parse(JSON.stringify({ name: set.name, statements: set.statements, units: set.units ?? [] })) as TableSet;
  return Object.freeze(set.upgrade ? { ...data, upgrade: set.upgrade } : data);
}

/** Every table set recorded in this database. */
export async function recordedTableSets(q: Queryable): Promise<TableSet[]> {
  const rows = await q.all<{ value: string }>(`SELECT value FROM engram_meta WHERE key >= ? AND key < ? ORDER BY key`, [
    TABLE_SET_META_PREFIX,
    `${TABLE_SET_META_PREFIX}\uffff`,
  ]);
  return rows.map((r) => JSON.parse(r.value) as TableSet);
}

/**
 * What diff and merge treat as user data, and how its rows are identified across databases.
 * Data is grouped in units: a root row identified by a natural key (a memory's uid, a file's
 * path, a kv key) together with its child rows (a memory's vector; a file's content, passages
 * and their vectors). Integer ids differ between a branch and its parent once both have
 * written, so they never identify anything across the two: merge reassigns them.
 *
 * Derived data is not tracked but recomputed on replay: SQLite's FTS5 tables follow their
 * triggers, Engram's own term index (Turso) is updated through its `TextIndex`, and the first-pass
 * vector index is invalidated through `vectors_version`. The meta table is never merged.
 */
import type { Queryable, Row } from '../drivers/types.js';
import { FILE_TEXT } from '../files/schema.js';
import { MEMORY_TEXT } from '../memories/text-index.js';
import { recordedTableSets, type TableChild, type TableUnit } from '../schema/table-set.js';
import type { TextIndexSpec } from '../search/text-index.js';

/** Rows of a unit below its root row (a memory's vector; a file's contents and passages). */
export interface ChildSpec extends TableChild {
  /** The table's text index, told of the rows replay adds and removes. */
  readonly textIndex?: TextIndexSpec;
  readonly children?: readonly ChildSpec[];
}

export interface UnitSpec extends TableUnit {
  readonly textIndex?: TextIndexSpec;
  readonly children?: readonly ChildSpec[];
  /** Replaying a unit changes vectors: bump `vectors_version`. */
  vectors?: boolean;
  /** Both sides changed the unit, yet nothing needs merging (directories differ only in mtime). */
  sameEnough?: (a: Row, b: Row) => boolean;
  /** Declared by a package built on core (schema/table-set.ts): tracked once it exists (see ensureTriggers). */
  optional?: boolean;
}

/** Core's tracked units. */
const CORE_UNITS: readonly UnitSpec[] = [
  {
    table: 'memories',
    key: ['uid'],
    rowid: 'id',
    textIndex: MEMORY_TEXT,
    vectors: true,
    children: [{ table: 'memory_vectors', fk: 'memory_id', ref: 'id' }],
    volatile: ['created_at', 'updated_at'],
  },
  {
    table: 'files',
    key: ['path'],
    rowid: 'id',
    children: [
      { table: 'file_contents', fk: 'file_id', ref: 'id' },
      {
        table: 'file_chunks',
        fk: 'file_id',
        ref: 'id',
        rowid: 'id',
        textIndex: FILE_TEXT,
        children: [{ table: 'file_chunk_vectors', fk: 'chunk_id', ref: 'id' }],
      },
    ],
    // Writing a file touches its directory's mtime on each side: not a conflict.
    sameEnough: (a, b) => a.kind === 'dir' && b.kind === 'dir',
    volatile: ['created_at', 'modified_at'],
  },
  // The same action finished the same way on both sides differs only in when it finished.
  { table: 'actions', key: ['uid'], rowid: 'id', volatile: ['finished_at', 'duration_ms'] },
  {
    table: 'tasks',
    key: ['id'],
    rowid: 'seq',
    children: [{ table: 'task_deps', fk: 'task_id', ref: 'id' }],
    volatile: ['created_at', 'updated_at', 'started_at', 'finished_at', 'lease_expires_at'],
  },
  { table: 'kv', key: ['key'], volatile: ['created_at', 'updated_at'] },
];

/**
 * Every tracked unit of a database: core's, then those of the table sets recorded in it (so a
 * process that never loaded the package that declared them still tracks and merges them).
 * Tables outside this list are carried whole by promote and restore but not diffed or merged.
 */
export async function unitsOf(db: Queryable): Promise<readonly UnitSpec[]> {
  const declared = (await recordedTableSets(db)).flatMap((s) => s.units ?? []).map((u) => ({ ...u, optional: true }));
  return declared.length === 0 ? CORE_UNITS : [...CORE_UNITS, ...declared.filter((u) => !CORE_UNITS.some((c) => c.table === u.table))];
}

/** The columns a unit's change-log key is made of. */
export function identity(spec: UnitSpec): readonly string[] {
  return spec.key.length > 0 ? spec.key : [spec.rowid!];
}

/** Every table of a unit, root first. */
export function tablesOf(spec: UnitSpec): string[] {
  const walk = (children: readonly ChildSpec[] | undefined): string[] => (children ?? []).flatMap((c) => [c.table, ...walk(c.children)]);
  return [spec.table, ...walk(spec.children)];
}

/** The meta key whose presence switches the change log on (its value: see change-log.ts). */
export const LOG_META_KEY = 'branch_log';
export const LOG_TABLE = 'branch_changes';

/** A table or column name as a quoted SQL identifier. */
export const q = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** Whether `table` holds any row. */
export async function hasRows(db: Queryable, table: string): Promise<boolean> {
  return (await db.get(`SELECT 1 AS x FROM ${q(table)} LIMIT 1`)) !== undefined;
}
const LOGGING = `EXISTS (SELECT 1 FROM engram_meta WHERE key = '${LOG_META_KEY}')`;

/** Name of the change-log trigger of `table` for `event` (ai, au, ad). */
export function triggerName(table: string, event: 'ai' | 'au' | 'ad'): string {
  return `${table}_bc_${event}`;
}

function insertLog(unit: string, keyExpr: string, op: string, rest = ''): string {
  return `INSERT INTO ${LOG_TABLE} (tbl, key, op) SELECT '${unit}', ${keyExpr}, ${op}${rest};`;
}

/**
 * AFTER INSERT / UPDATE / DELETE triggers that log every change of a unit's rows as a change
 * of the unit: (unit table, JSON key, I/U/D). A child row logs its root's key, found through
 * its parents; a key change logs a delete of the old key and an insert of the new one. The
 * triggers do nothing while the log is off (no branch exists).
 */
export function triggerDdl(spec: UnitSpec): { table: string; name: string; sql: string }[] {
  const keyOf = (alias: string) =>
    `json_array(${identity(spec)
      .map((c) => `${alias}.${q(c)}`)
      .join(', ')})`;
  const same = identity(spec)
    .map((c) => `NEW.${q(c)} IS OLD.${q(c)}`)
    .join(' AND ');
  const trigger = (table: string, event: 'ai' | 'au' | 'ad', body: string) => ({
    table,
    name: triggerName(table, event),
    sql: `CREATE TRIGGER IF NOT EXISTS ${triggerName(table, event)} AFTER ${{ ai: 'INSERT', au: 'UPDATE', ad: 'DELETE' }[event]} ON ${q(table)} WHEN ${LOGGING} BEGIN ${body} END`,
  });
  const out = [
    trigger(spec.table, 'ai', insertLog(spec.table, keyOf('NEW'), `'I'`)),
    trigger(
      spec.table,
      'au',
      insertLog(spec.table, keyOf('OLD'), `CASE WHEN ${same} THEN 'U' ELSE 'D' END`) +
        ` ${insertLog(spec.table, keyOf('NEW'), `'I'`, ` WHERE NOT (${same})`)}`,
    ),
    trigger(spec.table, 'ad', insertLog(spec.table, keyOf('OLD'), `'D'`)),
  ];
  // `path`: the child's ancestors below the root; joined root first (r, p1, p2, ...) to reach its parent.
  const visit = (child: ChildSpec, path: readonly ChildSpec[]) => {
    const chain = [...path, child];
    let from = `${q(spec.table)} r`;
    let prev = 'r';
    path.forEach((p, i) => {
      const alias = `p${i + 1}`;
      from += ` JOIN ${q(p.table)} ${alias} ON ${prev}.${q(p.ref)} = ${alias}.${q(p.fk)}`;
      prev = alias;
    });
    // One equality per statement: engines plan `x IN (a, b)` inside a trigger as a scan.
    const log = (value: string, when = '') =>
      insertLog(spec.table, keyOf('r'), `'U'`, ` FROM ${from} WHERE ${prev}.${q(child.ref)} = ${value}${when}`);
    const fk = q(child.fk);
    out.push(
      trigger(child.table, 'ai', log(`NEW.${fk}`)),
      trigger(child.table, 'au', `${log(`OLD.${fk}`)} ${log(`NEW.${fk}`, ` AND NEW.${fk} IS NOT OLD.${fk}`)}`),
      trigger(child.table, 'ad', log(`OLD.${fk}`)),
    );
    for (const c of child.children ?? []) visit(c, chain);
  };
  for (const c of spec.children ?? []) visit(c, []);
  return out;
}

/**
 * The directory tree in SQL: owns the `files` and `file_contents` tables. Entries are keyed by
 * canonical path, so a subtree is one index range (see subtreeRange) and a move is one UPDATE.
 * Every function here runs on the caller's transaction or connection.
 */
import type { Queryable } from '../drivers/types.js';
import { EngramError } from '../util/errors.js';
import { isoTime } from '../util/time.js';
import { removeChunks } from './indexer.js';
import { ancestorsOf, baseName, parentOf, ROOT, subtreeRange } from './paths.js';
import type { FileInfo } from './types.js';
import type { TextIndex } from '../search/text-index.js';
import { keyedId, mintId } from '../util/ids.js';

export interface FileRow {
  id: number;
  path: string;
  kind: 'file' | 'dir';
  size: number;
  mime: string | null;
  is_text: number;
  sha256: string | null;
  created_at: number;
  modified_at: number;
}

export const FILE_COLUMNS = 'f.id, f.path, f.kind, f.size, f.mime, f.is_text, f.sha256, f.created_at, f.modified_at';

/** The root directory has no row; this stands in for it (times: the agent's creation). */
export function rootRow(createdAt: string | undefined): FileRow {
  const ms = createdAt ? Date.parse(createdAt) : 0;
  return { id: 0, path: ROOT, kind: 'dir', size: 0, mime: null, is_text: 0, sha256: null, created_at: ms, modified_at: ms };
}

export function rowToInfo(row: FileRow): FileInfo {
  const dir = row.kind === 'dir';
  return {
    path: row.path,
    name: baseName(row.path),
    type: dir ? 'directory' : 'file',
    size: Number(row.size),
    mime: dir ? null : row.mime,
    isText: !dir && Number(row.is_text) === 1,
    sha256: dir ? null : row.sha256,
    createdAt: isoTime(Number(row.created_at)),
    modifiedAt: isoTime(Number(row.modified_at)),
  };
}

export function notFound(path: string, what = 'no such file or directory'): EngramError {
  return new EngramError('NOT_FOUND', `${what}: ${path}`, { details: { path } });
}

export function conflict(message: string, path: string): EngramError {
  return new EngramError('CONFLICT', message, { details: { path } });
}

/** The entry at a canonical path (the root included), or undefined. */
export async function getEntry(db: Queryable, path: string, root: FileRow): Promise<FileRow | undefined> {
  if (path === ROOT) return root;
  return db.get<FileRow>(`SELECT ${FILE_COLUMNS} FROM files f WHERE f.path = ?`, [path]);
}

/** Entries strictly below `dir`, in path order. */
export function subtree(db: Queryable, dir: string): Promise<FileRow[]> {
  const [low, high] = subtreeRange(dir);
  return db.all<FileRow>(`SELECT ${FILE_COLUMNS} FROM files f WHERE f.path >= ? AND f.path < ? ORDER BY f.path`, [low, high]);
}

/** Direct entries of `dir`, in path order. */
export function children(db: Queryable, dir: string): Promise<FileRow[]> {
  return db.all<FileRow>(`SELECT ${FILE_COLUMNS} FROM files f WHERE f.parent = ? ORDER BY f.path`, [dir]);
}

export async function hasChildren(db: Queryable, dir: string): Promise<boolean> {
  return (await db.get('SELECT 1 AS x FROM files WHERE parent = ? LIMIT 1', [dir])) !== undefined;
}

/** Marks a directory modified (an entry was added, removed or renamed in it). */
export async function touchDir(tx: Queryable, dir: string, now: number): Promise<void> {
  if (dir !== ROOT) await tx.run(`UPDATE files SET modified_at = ? WHERE path = ? AND kind = 'dir'`, [now, dir]);
}

/**
 * The id of a new entry at `path`: derived from the path (ids.ts keyedId), so replicas of a synced
 * agent that create the same path offline make the same row; a fresh one if a renamed entry has it.
 */
export async function newFileId(tx: Queryable, path: string): Promise<number> {
  const id = keyedId(`files:${path}`);
  return (await tx.get('SELECT 1 AS x FROM files WHERE id = ?', [id])) ? mintId() : id;
}

export async function insertDir(tx: Queryable, path: string, now: number): Promise<FileRow> {
  const id = await newFileId(tx, path);
  await tx.run(`INSERT INTO files (id, path, parent, kind, created_at, modified_at) VALUES (?, ?, ?, 'dir', ?, ?)`, [
    id,
    path,
    parentOf(path),
    now,
    now,
  ]);
  return { id, path, kind: 'dir', size: 0, mime: null, is_text: 0, sha256: null, created_at: now, modified_at: now };
}

/**
 * Makes sure the directory that will hold `path` exists: NOT_FOUND when it is missing and
 * `parents` is false, CONFLICT when an ancestor is a file. Creates missing ancestors otherwise.
 */
export async function ensureParent(tx: Queryable, path: string, parents: boolean, now: number): Promise<void> {
  const ancestors = ancestorsOf(path);
  if (ancestors.length === 0) return;
  const rows = await tx.all<{ path: string; kind: string }>(
    // Bound one by one (a path has at most a few hundred ancestors): Turso's json_each gives a
    // string element still JSON-escaped, so a path with a quote in it would never be found.
    `SELECT f.path AS path, f.kind AS kind FROM files f WHERE f.path IN (${ancestors.map(() => '?').join(', ')})`,
    ancestors,
  );
  const found = new Map(rows.map((r) => [r.path, r.kind]));
  for (const dir of ancestors) {
    const kind = found.get(dir);
    if (kind === 'dir') continue;
    if (kind !== undefined) throw conflict(`${dir} is a file, so ${path} cannot be created below it`, path);
    const parent = parentOf(path);
    if (!parents) {
      throw new EngramError(
        'NOT_FOUND',
        `directory ${parent} does not exist; create it with mkdir(path, { recursive: true }) or pass { parents: true }`,
        {
          details: { path, missing: parent },
        },
      );
    }
    await insertDir(tx, dir, now);
    await touchDir(tx, parentOf(dir), now);
  }
}

/** Creates `dir` and its missing ancestors (mkdir -p); CONFLICT where a file is in the way. */
export async function makeDir(tx: Queryable, dir: string, now: number): Promise<void> {
  await ensureParent(tx, dir, true, now);
  const existing = await tx.get<{ kind: string }>('SELECT kind FROM files WHERE path = ?', [dir]);
  if (existing?.kind === 'file') throw conflict(`${dir} is a file; a directory is needed there`, dir);
  if (existing) return;
  await insertDir(tx, dir, now);
  await touchDir(tx, parentOf(dir), now);
}

/** Deletes entries (files and directories) with their contents and index rows. */
export async function removeRows(tx: Queryable, rows: readonly FileRow[], index: TextIndex): Promise<void> {
  if (rows.length === 0) return;
  const fileIds = rows.filter((r) => r.kind === 'file').map((r) => Number(r.id));
  const list = JSON.stringify(rows.map((r) => Number(r.id)));
  await removeChunks(tx, fileIds, index);
  await tx.run('DELETE FROM file_contents WHERE file_id IN (SELECT value FROM json_each(?))', [list]);
  await tx.run('DELETE FROM files WHERE id IN (SELECT value FROM json_each(?))', [list]);
}

/** Sum of content bytes over all files. */
export async function totalBytes(db: Queryable): Promise<number> {
  const row = await db.get<{ n: number | null }>(`SELECT sum(size) AS n FROM files WHERE kind = 'file'`);
  return Number(row?.n ?? 0);
}

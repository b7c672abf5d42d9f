/**
 * Copy-on-write file clones, and consistent clones of a live agent database. Where the file
 * system can clone (XFS, btrfs, APFS, ZFS 2.2+: FICLONE / clonefile), a clone shares every block
 * with its source until either is written: O(1) in time and space. Elsewhere (ext4) it falls
 * back to a plain copy, and says which happened.
 */
import { constants, copyFileSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { copyFile, open } from 'node:fs/promises';
import type { Connection } from '../runtime/connection.js';
import type { Queryable } from '../drivers/types.js';
import { EngramError } from '../util/errors.js';
import { fsError } from '../util/fs-errors.js';
import { tempPath } from './names.js';

/** How a file was duplicated: `reflink` shares blocks with its source until written; `copy` copied every byte. */
export type CloneMethod = 'reflink' | 'copy';

/** Errors that mean "this file system (or these two paths) cannot clone": fall back to a copy. */
const CANNOT_CLONE = new Set(['ENOTSUP', 'EOPNOTSUPP', 'EXDEV', 'EINVAL', 'ENOSYS', 'ENOTTY', 'EBADF']);

/**
 * Duplicates `src` as the new file `dst`: a reflink where the file system can, else a full copy.
 * The clone is one synchronous call (O(1), well under a millisecond: a trip through the thread
 * pool would cost more); the fallback copy is asynchronous.
 */
export async function cloneFile(src: string, dst: string): Promise<CloneMethod> {
  try {
    try {
      copyFileSync(src, dst, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE_FORCE);
      return 'reflink';
    } catch (err) {
      if (!CANNOT_CLONE.has((err as NodeJS.ErrnoException).code ?? '')) throw err;
    }
    await copyFile(src, dst, constants.COPYFILE_EXCL);
    return 'copy';
  } catch (err) {
    // A copy cut short (a full disk) must not stay behind; a file that was there already is not ours.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') rmSync(dst, { force: true });
    throw fsError(`cannot copy ${src} to ${dst}`, err);
  }
}

/** Size of a file in bytes, 0 when it does not exist. */
export function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
}

/** Flushes a file's data (or a directory's entries) to disk; best effort where the OS cannot fsync directories. */
export async function fsyncPath(path: string): Promise<void> {
  let handle;
  try {
    handle = await open(path, 'r');
    await handle.sync();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EBADF') throw err;
  } finally {
    await handle?.close();
  }
}

/** Writes a small file atomically (a temporary file renamed over `path`), without waiting for the disk. */
export function writeFileQuick(path: string, data: string): void {
  const tmp = tempPath(path);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw fsError(`cannot write ${path}`, err);
  }
}

/** Creates a directory (and its parents) if missing; a failure is an EngramError (DISK_FULL, IO). */
export function ensureDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw fsError(`cannot create ${dir}`, err);
  }
}

/** A WAL holds frames (committed pages not yet in the main file) beyond its 32-byte header. */
export function walHasFrames(dbPath: string): boolean {
  return sizeOf(`${dbPath}-wal`) > 32;
}

/** A clone made by cloneLive: how, and the files written (the clone, and its WAL when the source's could not be emptied first). */
export interface LiveClone {
  method: CloneMethod;
  files: string[];
}

/**
 * Moves a clone to `path`, its record written to `infoFile` first (under the agent's write
 * lock: log trimming then always sees the fork).
 */
export function placeClone(clone: LiveClone, path: string, infoFile: string, record: object): void {
  writeFileQuick(infoFile, JSON.stringify(record));
  if (clone.files[1]) renameSync(clone.files[1], `${path}-wal`);
  renameSync(clone.files[0]!, path);
}

/**
 * Clones the live database behind `conn` (file `src`) to the new file `dst`, consistently: the
 * WAL is checkpointed, then the write lock is taken (BEGIN IMMEDIATE keeps every writer, in
 * this process and in others, out) and the file is cloned under it. A WAL that is still not
 * empty (a writer slipped in before the lock, or another process's reader kept the checkpoint
 * from finishing) means another round; after a few, the WAL is cloned along with the file,
 * which is just as consistent (no one can commit while the lock is held).
 *
 * `prepare(tx)` runs first under the lock: when it wrote something (returns true) that is
 * committed and the round starts over, so the clone contains it. `finish(tx, files)` runs after
 * the clone, still under the lock, and must move the clone into place.
 */
export async function cloneLive<T>(
  conn: Connection,
  src: string,
  dst: string,
  prepare: (tx: Queryable) => Promise<boolean>,
  finish: (tx: Queryable, clone: LiveClone) => Promise<T>,
): Promise<T> {
  for (let round = 0; round < 8; round++) {
    if (walHasFrames(src)) await conn.checkpoint();
    const done = await conn.transaction(async (tx) => {
      if (await prepare(tx)) return undefined;
      const withWal = walHasFrames(src);
      if (withWal && round < 3) return undefined;
      rmSync(dst, { force: true });
      rmSync(`${dst}-wal`, { force: true });
      const files = withWal ? [dst, `${dst}-wal`] : [dst];
      try {
        const method = await cloneFile(src, dst);
        if (withWal) await cloneFile(`${src}-wal`, `${dst}-wal`);
        return { value: await finish(tx, { method, files }) };
      } catch (err) {
        for (const f of files) rmSync(f, { force: true });
        throw err;
      }
    });
    if (done) return done.value;
  }
  throw new EngramError('LOCKED', `could not take a consistent copy of ${src}: it kept changing; retry later`);
}

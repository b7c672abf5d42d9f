/**
 * The host side of importDir / exportDir: walking a host directory without ever leaving it
 * (symbolic links are skipped, or followed only when they resolve inside the tree), reading
 * files without following a link swapped in meanwhile, and writing an agent tree into a host
 * directory without writing through links or outside the target, and without touching an
 * existing file unless asked.
 */
import { constants } from 'node:fs';
import { lstat, mkdir, open, readdir, realpath, stat, unlink, utimes } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { EngramError, invalid, isEngramError } from '../util/errors.js';
import { fsError } from '../util/fs-errors.js';
import { anyGlob, type PathMatcher } from './glob.js';
import { normalizePath } from './paths.js';
import type { SkippedEntry, TreeProgress } from './types.js';

export interface HostFile {
  hostPath: string;
  /** Canonical agent path it goes to. */
  path: string;
  size: number;
  mtimeMs: number;
}

export interface HostPlan {
  files: HostFile[];
  /** Agent directories to create, outermost first. */
  dirs: string[];
  skipped: SkippedEntry[];
}

export interface WalkOptions {
  include?: string | string[] | undefined;
  exclude?: string | string[] | undefined;
  followSymlinks: boolean;
  maxFileBytes: number;
}

function ioError(message: string, err: unknown): EngramError {
  return fsError(message, err);
}

/** True when `target` is `root` or below it (both absolute, resolved). */
function inside(root: string, target: string): boolean {
  const rel = relative(root, target);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/**
 * Lists what importing `hostDir` into agent directory `dest` would write. Nothing outside
 * `hostDir` is ever listed: links are skipped unless `followSymlinks`, and then only those
 * resolving inside it (each directory once, so link cycles end).
 */
export async function walkHost(hostDir: string, dest: string, options: WalkOptions): Promise<HostPlan> {
  const include: PathMatcher | undefined = options.include === undefined ? undefined : anyGlob(options.include, 'include');
  const exclude: PathMatcher | undefined = options.exclude === undefined ? undefined : anyGlob(options.exclude, 'exclude');
  let root: string;
  try {
    root = await realpath(resolve(hostDir));
    if (!(await stat(root)).isDirectory()) throw invalid(`import source ${hostDir} is not a directory`);
  } catch (err) {
    if (isEngramError(err)) throw err;
    throw ioError(`cannot read import source ${hostDir}`, err);
  }
  const plan: HostPlan = { files: [], dirs: [dest], skipped: [] };
  const seenDirs = new Set<string>([root]);
  const seenPaths = new Set<string>();
  const skip = (hostPath: string, reason: SkippedEntry['reason'], message: string) => plan.skipped.push({ hostPath, reason, message });
  const agentPath = (rel: string, hostPath: string): string | undefined => {
    try {
      const path = normalizePath(`${dest}/${rel}`);
      if (!seenPaths.has(path)) {
        seenPaths.add(path);
        return path;
      }
      skip(hostPath, 'invalid-path', `another host file already maps to ${path}`);
    } catch (err) {
      if (!isEngramError(err)) throw err;
      skip(hostPath, 'invalid-path', err.message);
    }
    return undefined;
  };

  const walk = async (dir: string, relDir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      skip(dir, 'unreadable', (err as Error).message);
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const hostPath = join(dir, entry.name);
      const rel = relDir === '' ? entry.name : `${relDir}/${entry.name}`;
      if (exclude?.(rel)) continue;
      let real = hostPath;
      let info;
      try {
        if (entry.isSymbolicLink()) {
          if (!options.followSymlinks) {
            skip(hostPath, 'symlink', 'symbolic links are not followed (pass followSymlinks: true to follow those inside the tree)');
            continue;
          }
          real = await realpath(hostPath);
          if (!inside(root, real)) {
            skip(hostPath, 'symlink-outside', `the link leads out of ${root}, to ${real}`);
            continue;
          }
        }
        info = await stat(real);
      } catch (err) {
        skip(hostPath, 'unreadable', (err as Error).message);
        continue;
      }
      if (info.isDirectory()) {
        if (seenDirs.has(real)) continue;
        seenDirs.add(real);
        const path = agentPath(rel, hostPath);
        if (path === undefined) continue;
        if (include === undefined) plan.dirs.push(path);
        await walk(real, rel);
      } else if (!info.isFile()) {
        skip(hostPath, 'special', 'not a regular file (socket, FIFO or device)');
      } else if (include === undefined || include(rel)) {
        if (info.size > options.maxFileBytes) {
          skip(hostPath, 'too-large', `${info.size} bytes; the limit is ${options.maxFileBytes} (limits.maxFileBytes)`);
          continue;
        }
        const path = agentPath(rel, hostPath);
        if (path !== undefined) plan.files.push({ hostPath: real, path, size: info.size, mtimeMs: Math.trunc(info.mtimeMs) });
      }
    }
  };
  await walk(root, '');
  if (include !== undefined) {
    // Only the directories that lead to included files.
    const dirs = new Set<string>();
    for (const f of plan.files)
      for (let p = f.path.slice(0, f.path.lastIndexOf('/')); p.length > dest.length; p = p.slice(0, p.lastIndexOf('/'))) dirs.add(p);
    plan.dirs.push(...[...dirs].sort());
  }
  return plan;
}

/** A planned file's bytes, refusing a symbolic link swapped in since the walk. */
export async function readHostFile(file: HostFile): Promise<Buffer> {
  const handle = await open(file.hostPath, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

export interface ExportEntry {
  /** Path relative to the exported agent directory ('' for the directory itself). */
  rel: string;
  type: 'file' | 'directory';
  size: number;
  modifiedAt: string;
  /** Agent path, for reading the content. */
  path: string;
}

/**
 * Writes `entries` below `hostDir` (created if missing). Checks every target first: an
 * existing file is a CONFLICT unless `overwrite`, and anything but a real directory where a
 * directory goes (a link, a file) always is; nothing is written then. Files are created with
 * O_EXCL, so a link is replaced, never written through.
 */
export async function writeHostTree(
  entries: readonly ExportEntry[],
  hostDir: string,
  read: (path: string) => Promise<Buffer>,
  options: { overwrite: boolean; onProgress?: ((p: TreeProgress) => void) | undefined },
): Promise<{ files: number; directories: number; bytes: number }> {
  let root: string;
  try {
    await mkdir(resolve(hostDir), { recursive: true });
    root = await realpath(resolve(hostDir));
  } catch (err) {
    throw ioError(`cannot create export directory ${hostDir}`, err);
  }
  const targets = entries.map((e) => {
    const target = join(root, ...e.rel.split('/').filter((s) => s !== ''));
    if (!inside(root, target)) throw invalid(`export path ${e.path} would land outside ${root}`);
    return { ...e, target, exists: false };
  });
  const conflicts: string[] = [];
  for (const t of targets) {
    const found = await lstat(t.target).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw ioError(`cannot inspect ${t.target}`, err);
    });
    if (!found) continue;
    t.exists = true;
    if (t.type === 'directory' ? !found.isDirectory() : found.isDirectory() || !options.overwrite) conflicts.push(t.target);
  }
  if (conflicts.length > 0) {
    throw new EngramError(
      'CONFLICT',
      `export would overwrite ${conflicts.length} existing host path(s), e.g. ${conflicts.slice(0, 5).join(', ')}; ` +
        'pass { overwrite: true } to replace files (a directory, or a link or file where a directory goes, is never replaced)',
      { details: { conflicts: conflicts.slice(0, 100) } },
    );
  }
  const progress: TreeProgress = {
    filesDone: 0,
    filesTotal: targets.filter((t) => t.type === 'file').length,
    bytesDone: 0,
    bytesTotal: targets.reduce((n, t) => n + t.size, 0),
  };
  options.onProgress?.({ ...progress });
  let directories = 0;
  for (const t of targets) {
    try {
      if (t.type === 'directory') {
        if (!t.exists) await mkdir(t.target);
        directories++;
        continue;
      }
      const data = await read(t.path);
      if (t.exists) await unlink(t.target);
      const handle = await open(t.target, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
      try {
        await handle.writeFile(data);
      } finally {
        await handle.close();
      }
      const mtime = new Date(t.modifiedAt);
      await utimes(t.target, mtime, mtime);
      progress.filesDone++;
      progress.bytesDone += data.byteLength;
      options.onProgress?.({ ...progress });
    } catch (err) {
      if (isEngramError(err)) throw err;
      throw ioError(`cannot write ${t.target}`, err);
    }
  }
  return { files: progress.filesDone, directories, bytes: progress.bytesDone };
}

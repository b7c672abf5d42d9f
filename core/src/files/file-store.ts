/**
 * `agent.files`: a POSIX-like file system inside the agent database, with search over its text
 * files. Owns the operations and their rules (what may replace what, when parents are
 * created, limits); the SQL lives in tree.ts (entries), write.ts (contents), indexer.ts
 * (passages and vectors) and search.ts; host directories in host-tree.ts. Every operation is
 * validated before it writes and commits in one transaction, so a refused call changes nothing.
 * Embedding happens before the transaction, never inside it.
 */
import type { AgentRuntime, AgentState } from '../runtime/agent-state.js';
import type { Queryable } from '../drivers/types.js';
import { EngramError, invalid } from '../util/errors.js';
import { optionsOf } from '../util/validate.js';
import { embedChecked } from '../embedders/validate.js';
import type { ReembedProgress } from '../memories/types.js';
import { vectorToBlob } from '../search/vectors.js';
import { decodeUtf8, mimeOf, sha256 } from './content-type.js';
import { globMatcher } from './glob.js';
import { readHostFile, walkHost, writeHostTree, type ExportEntry, type HostFile, type HostPlan } from './host-tree.js';
import { copyChunks, reembedChunks, vectorsFor } from './indexer.js';
import { codePoints, isWithin, normalizePath, parentOf, relativeTo, ROOT, subtreeRange } from './paths.js';
import { checkSearch, searchFiles } from './search.js';
import {
  children,
  conflict,
  ensureParent,
  getEntry,
  hasChildren,
  insertDir,
  makeDir,
  newFileId,
  notFound,
  removeRows,
  rootRow,
  rowToInfo,
  subtree,
  totalBytes,
  touchDir,
  type FileRow,
} from './tree.js';
import type {
  AppendOptions,
  CopyOptions,
  ExportDirOptions,
  ExportDirResult,
  FileInfo,
  FileSearchOptions,
  FileSearchResult,
  FileUsage,
  ImportDirOptions,
  ImportDirResult,
  MkdirOptions,
  MoveOptions,
  ReaddirOptions,
  ReadTextOptions,
  RmOptions,
  TreeProgress,
  WriteOptions,
} from './types.js';
import { prepareFile, putFiles, toBytes, type PreparedFile, type PutOptions } from './write.js';
import { textIndex } from '../search/text-indexes.js';
import { FILE_TEXT } from './schema.js';

/** Import batches: at most this many files or bytes are embedded and committed together. */
const IMPORT_BATCH_FILES = 64;
const IMPORT_BATCH_BYTES = 8 * 1024 * 1024;
/** appendFile retries when another writer changed the file between its read and its commit. */
const APPEND_ATTEMPTS = 5;

function flag(value: unknown, name: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw invalid(`${name} must be true or false`);
  return value;
}

function noRoot(path: string, what: string): void {
  if (path === ROOT) throw invalid(`the root directory "/" cannot be ${what}`, { path });
}

export class FileStore {
  constructor(private readonly rt: AgentRuntime) {}

  private root(state: AgentState): FileRow {
    return rootRow(state.meta.created_at);
  }

  private putOptions(state: AgentState, o: Partial<PutOptions>): PutOptions {
    return {
      parents: false,
      overwrite: true,
      now: Date.now(),
      index: textIndex(state.conn.dialect, FILE_TEXT),
      limits: this.rt.limits,
      root: this.root(state),
      ...o,
    };
  }

  /** The entry at `path`, NOT_FOUND if missing. */
  private async entry(db: Queryable, state: AgentState, path: string): Promise<FileRow> {
    const row = await getEntry(db, path, this.root(state));
    if (!row) throw notFound(path);
    return row;
  }

  /**
   * Creates or replaces a file. Text (a string, or bytes that are valid UTF-8) is indexed for
   * search; only passages whose text changed are embedded again.
   * @example
   * await agent.files.writeFile('/notes/todo.md', '# Todo\n- call Bob\n', { parents: true });
   * await agent.files.writeFile('/img/logo.png', pngBytes, { parents: true });
   */
  async writeFile(path: string, data: string | Uint8Array, opts?: WriteOptions): Promise<FileInfo> {
    const p = normalizePath(path);
    const o = optionsOf(opts, ['parents', 'overwrite'], 'writeFile');
    const flags = { parents: flag(o.parents, 'parents', false), overwrite: flag(o.overwrite, 'overwrite', true) };
    noRoot(p, 'written');
    const file = prepareFile(p, toBytes(data, p, this.rt.limits), this.rt.limits);
    return this.rt.use(async (state) => {
      const vectors = await vectorsFor(state.conn, this.rt.embedder, file.chunks);
      const put = this.putOptions(state, flags);
      return rowToInfo((await state.conn.transaction((tx) => putFiles(tx, [file], vectors, put)))[0]!);
    });
  }

  /**
   * Appends to a file, creating it when missing. The whole file is rewritten (in one
   * transaction), so appending costs the file's size; its unchanged passages keep their vectors.
   * @example
   * await agent.files.appendFile('/log.txt', 'step 3 done\n');
   */
  async appendFile(path: string, data: string | Uint8Array, opts?: AppendOptions): Promise<FileInfo> {
    const p = normalizePath(path);
    const o = optionsOf(opts, ['parents'], 'appendFile');
    noRoot(p, 'written');
    const tail = toBytes(data, p, this.rt.limits);
    const parents = flag(o.parents, 'parents', false);
    return this.rt.use(async (state) => {
      for (let attempt = 0; attempt < APPEND_ATTEMPTS; attempt++) {
        const current = await this.content(state.conn, p, true);
        const file = prepareFile(p, current ? Buffer.concat([current.data, tail]) : tail, this.rt.limits);
        const vectors = await vectorsFor(state.conn, this.rt.embedder, file.chunks);
        const row = await state.conn.transaction(async (tx) => {
          // Another writer may have changed the file since it was read: then read it again.
          const now = await getEntry(tx, p, this.root(state));
          if ((now?.sha256 ?? null) !== (current?.sha256 ?? null)) return undefined;
          return (await putFiles(tx, [file], vectors, this.putOptions(state, { parents })))[0];
        });
        if (row) return rowToInfo(row);
      }
      throw new EngramError('LOCKED', `${p} kept changing under other writers; appendFile gave up after ${APPEND_ATTEMPTS} attempts`);
    });
  }

  /** A file's bytes and hash; undefined when missing and `optional`. */
  private async content(db: Queryable, path: string, optional = false) {
    const row = await db.get<{ kind: string; sha256: string | null; data: Uint8Array | null }>(
      'SELECT f.kind AS kind, f.sha256 AS sha256, c.data AS data FROM files f LEFT JOIN file_contents c ON c.file_id = f.id WHERE f.path = ?',
      [path],
    );
    if (!row && !optional && path !== ROOT) throw notFound(path, 'no such file');
    if (path === ROOT || row?.kind === 'dir') throw conflict(`${path} is a directory, not a file (list it with readdir)`, path);
    if (!row) return undefined;
    const data = row.data ?? new Uint8Array(0);
    return { sha256: row.sha256, data: Buffer.from(data.buffer, data.byteOffset, data.byteLength) };
  }

  /**
   * A file's content: bytes (a Buffer), or a string with 'utf8' (see readText).
   * @example
   * const png = await agent.files.readFile('/img/logo.png');
   * const md = await agent.files.readFile('/notes/todo.md', 'utf8');
   */
  readFile(path: string): Promise<Buffer>;
  readFile(path: string, encoding: 'utf8' | 'utf-8' | { encoding: 'utf8' | 'utf-8' }): Promise<string>;
  async readFile(path: string, encoding?: 'utf8' | 'utf-8' | { encoding: 'utf8' | 'utf-8' }): Promise<Buffer | string> {
    if (encoding === undefined) {
      const p = normalizePath(path);
      return this.rt.use(async (state) => (await this.content(state.conn, p))!.data);
    }
    const name = typeof encoding === 'object' && encoding !== null ? encoding.encoding : encoding;
    if (name !== 'utf8' && name !== 'utf-8') throw invalid(`readFile encoding must be 'utf8' (or none, for bytes); got ${String(name)}`);
    return this.readText(path);
  }

  /**
   * A text file's content as a string, optionally only lines startLine..endLine (1-based,
   * inclusive). A file that is not valid UTF-8 is refused with INVALID_ARGUMENT.
   * @example
   * const lines = await agent.files.readText('/src/app.ts', { startLine: 10, endLine: 20 });
   */
  async readText(path: string, opts?: ReadTextOptions): Promise<string> {
    const p = normalizePath(path);
    const o = optionsOf(opts, ['startLine', 'endLine'], 'readText');
    const start = o.startLine ?? 1;
    const end = o.endLine ?? Number.MAX_SAFE_INTEGER;
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 1 || end < start) {
      throw invalid('startLine and endLine must be integers with 1 <= startLine <= endLine');
    }
    const { data } = (await this.rt.use((state) => this.content(state.conn, p)))!;
    const text = decodeUtf8(data);
    if (text === undefined) {
      throw invalid(`${p} is binary (${data.byteLength} bytes that are not valid UTF-8 text); read its bytes with readFile(path)`, {
        path: p,
      });
    }
    if (o.startLine === undefined && o.endLine === undefined) return text;
    return text
      .split('\n')
      .slice(start - 1, end)
      .join('\n');
  }

  /**
   * Size, type, MIME type, sha256 and times of a file or directory; NOT_FOUND if missing.
   * @example
   * const { size, mime, sha256, modifiedAt } = await agent.files.stat('/notes/todo.md');
   */
  async stat(path: string): Promise<FileInfo> {
    const p = normalizePath(path);
    return this.rt.use(async (state) => rowToInfo(await this.entry(state.conn, state, p)));
  }

  /** True when a file or directory exists at `path`. */
  async exists(path: string): Promise<boolean> {
    const p = normalizePath(path);
    return this.rt.use(async (state) => (await getEntry(state.conn, p, this.root(state))) !== undefined);
  }

  /**
   * Entries of a directory in path order: direct ones, or the whole subtree with `recursive`,
   * filtered by `glob` (matched against paths relative to the directory).
   * @example
   * const md = await agent.files.readdir('/notes', { recursive: true, glob: '*.md' });
   */
  async readdir(path = ROOT, opts?: ReaddirOptions): Promise<FileInfo[]> {
    const p = normalizePath(path);
    const o = optionsOf(opts, ['recursive', 'glob'], 'readdir');
    const recursive = flag(o.recursive, 'recursive', false);
    const matches = o.glob === undefined ? undefined : globMatcher(o.glob);
    const rows = await this.rt.use(async (state) => {
      const dir = await this.entry(state.conn, state, p);
      if (dir.kind !== 'dir') throw conflict(`${p} is a file, not a directory`, p);
      return recursive ? subtree(state.conn, p) : children(state.conn, p);
    });
    return rows.filter((r) => !matches || matches(relativeTo(r.path, p))).map(rowToInfo);
  }

  /**
   * Creates a directory. Without `recursive` its parent must exist and the path must be free
   * (CONFLICT); with it, missing parents are created and an existing directory is fine.
   * @example
   * await agent.files.mkdir('/projects/alpha/docs', { recursive: true });
   */
  async mkdir(path: string, opts?: MkdirOptions): Promise<FileInfo> {
    const p = normalizePath(path);
    const recursive = flag(optionsOf(opts, ['recursive'], 'mkdir').recursive, 'recursive', false);
    return this.rt.use(async (state) => {
      const now = Date.now();
      const row = await state.conn.transaction(async (tx) => {
        const existing = await getEntry(tx, p, this.root(state));
        if (existing?.kind === 'dir' && recursive) return existing;
        if (existing) throw conflict(`${p} already exists${existing.kind === 'file' ? ' as a file' : ''}`, p);
        await ensureParent(tx, p, recursive, now);
        const dir = await insertDir(tx, p, now);
        await touchDir(tx, parentOf(p), now);
        return dir;
      });
      return rowToInfo(row);
    });
  }

  /**
   * Removes a file or a directory; returns how many entries went. A non-empty directory needs
   * `recursive` (else CONFLICT); a missing path is NOT_FOUND unless `force`.
   * @example
   * await agent.files.rm('/tmp', { recursive: true, force: true });
   */
  async rm(path: string, opts?: RmOptions): Promise<number> {
    const p = normalizePath(path);
    const o = optionsOf(opts, ['recursive', 'force'], 'rm');
    const recursive = flag(o.recursive, 'recursive', false);
    const force = flag(o.force, 'force', false);
    noRoot(p, 'removed (remove its entries instead)');
    return this.rt.use((state) =>
      state.conn.transaction(async (tx) => {
        const row = await getEntry(tx, p, this.root(state));
        if (!row) {
          if (force) return 0;
          throw notFound(p);
        }
        let rows = [row];
        if (row.kind === 'dir') {
          if (!recursive && (await hasChildren(tx, p))) {
            throw conflict(`directory ${p} is not empty; pass { recursive: true } to remove it with its contents`, p);
          }
          rows = [row, ...(await subtree(tx, p))];
        }
        await removeRows(tx, rows, textIndex(state.conn.dialect, FILE_TEXT));
        await touchDir(tx, parentOf(p), Date.now());
        return rows.length;
      }),
    );
  }

  /** Checks shared by rename and copy; returns the source entry. */
  private async checkMove(
    tx: Queryable,
    state: AgentState,
    from: string,
    to: string,
    o: { overwrite: boolean; parents: boolean },
    now: number,
  ) {
    const src = await this.entry(tx, state, from);
    const dst = await getEntry(tx, to, this.root(state));
    if (dst) {
      if (dst.kind === 'dir') throw conflict(`${to} is an existing directory; give the full destination path (it is never replaced)`, to);
      if (src.kind === 'dir') throw conflict(`${to} is an existing file; a directory cannot replace it`, to);
      if (!o.overwrite) throw conflict(`${to} already exists (pass { overwrite: true } to replace it)`, to);
      await removeRows(tx, [dst], textIndex(state.conn.dialect, FILE_TEXT));
    } else {
      await ensureParent(tx, to, o.parents, now);
    }
    return src;
  }

  private movePaths(from: string, to: string, what: string) {
    const f = normalizePath(from, `${what} source`);
    const t = normalizePath(to, `${what} destination`);
    noRoot(f, what === 'rename' ? 'renamed' : 'copied');
    noRoot(t, 'replaced');
    if (t !== f && isWithin(t, f)) throw invalid(`cannot ${what} ${f} into its own subtree (${t})`, { from: f, to: t });
    return { f, t };
  }

  /**
   * Moves a file or directory (with its subtree) to a new path: only paths change, nothing is
   * re-embedded. An existing file at the destination is replaced unless `overwrite: false`; an
   * existing directory never is (CONFLICT). Moving a directory into itself is INVALID_ARGUMENT.
   * @example
   * await agent.files.rename('/drafts/plan.md', '/plans/plan.md', { parents: true });
   */
  async rename(from: string, to: string, opts?: MoveOptions): Promise<FileInfo> {
    const { f, t } = this.movePaths(from, to, 'rename');
    const o = optionsOf(opts, ['overwrite', 'parents'], 'rename');
    const move = { overwrite: flag(o.overwrite, 'overwrite', true), parents: flag(o.parents, 'parents', false) };
    return this.rt.use(async (state) => {
      const now = Date.now();
      const row = await state.conn.transaction(async (tx) => {
        if (f === t) return this.entry(tx, state, f);
        const src = await this.checkMove(tx, state, f, t, move, now);
        if (src.kind === 'dir') {
          const [low, high] = subtreeRange(f);
          const cut = codePoints(f) + 1;
          await tx.run(`UPDATE files SET path = ? || substr(path, ?), parent = ? || substr(parent, ?) WHERE path >= ? AND path < ?`, [
            t,
            cut,
            t,
            cut,
            low,
            high,
          ]);
        }
        const mime = src.kind === 'file' ? mimeOf(t, Number(src.is_text) === 1) : null;
        await tx.run('UPDATE files SET path = ?, parent = ?, mime = ? WHERE id = ?', [t, parentOf(t), mime, src.id]);
        await touchDir(tx, parentOf(f), now);
        await touchDir(tx, parentOf(t), now);
        return { ...src, path: t, mime };
      });
      return rowToInfo(row);
    });
  }

  /** Same as rename. */
  move(from: string, to: string, opts?: MoveOptions): Promise<FileInfo> {
    return this.rename(from, to, opts);
  }

  /**
   * Copies a file, or a directory with `recursive`, inside the database: contents, passages and
   * vectors are copied, nothing is embedded. Destination rules as for rename.
   * @example
   * await agent.files.copy('/templates/report.md', '/reports/2025-06.md');
   */
  async copy(from: string, to: string, opts?: CopyOptions): Promise<FileInfo> {
    const { f, t } = this.movePaths(from, to, 'copy');
    const o = optionsOf(opts, ['overwrite', 'parents', 'recursive'], 'copy');
    const move = { overwrite: flag(o.overwrite, 'overwrite', true), parents: flag(o.parents, 'parents', false) };
    const recursive = flag(o.recursive, 'recursive', false);
    return this.rt.use(async (state) => {
      const now = Date.now();
      const row = await state.conn.transaction(async (tx) => {
        const src = await this.entry(tx, state, f);
        if (f === t) throw conflict(`cannot copy ${f} onto itself`, t);
        if (src.kind === 'dir' && !recursive)
          throw invalid(`${f} is a directory; pass { recursive: true } to copy it with its contents`, { path: f });
        const rows = src.kind === 'dir' ? [src, ...(await subtree(tx, f))] : [src];
        const max = this.rt.limits.maxTotalFileBytes;
        if (max !== undefined) {
          const total = (await totalBytes(tx)) + rows.reduce((n, r) => n + Number(r.size), 0);
          if (total > max)
            throw new EngramError('LIMIT_EXCEEDED', `copying ${f} would bring this agent's files to ${total} bytes; the limit is ${max}`);
        }
        await this.checkMove(tx, state, f, t, move, now);
        // The copy of the source itself gets the MIME type of its new name.
        const mime = src.kind === 'file' ? mimeOf(t, Number(src.is_text) === 1) : null;
        for (const r of rows) {
          const path = r.path === f ? t : `${t}/${relativeTo(r.path, f)}`;
          const id = await newFileId(tx, path);
          await tx.run(
            `INSERT INTO files (id, path, parent, kind, size, mime, is_text, sha256, created_at, modified_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
            [id, path, parentOf(path), r.kind, r.size, r === src ? mime : r.mime, r.is_text, r.sha256, now, now],
          );
          if (r.kind === 'file') {
            await tx.run('INSERT INTO file_contents (file_id, data) SELECT ?, data FROM file_contents WHERE file_id = ?', [id, r.id]);
            await copyChunks(tx, Number(r.id), id, textIndex(state.conn.dialect, FILE_TEXT));
          }
        }
        await touchDir(tx, parentOf(t), now);
        return { ...src, path: t, mime, created_at: now, modified_at: now };
      });
      return rowToInfo(row);
    });
  }

  /** Counts and bytes over the agent's files (like statfs). */
  async usage(): Promise<FileUsage> {
    const row = await this.rt.use((s) =>
      s.conn.get<{ files: number | null; dirs: number | null; bytes: number | null; text: number | null; chunks: number }>(
        `SELECT sum(kind = 'file') AS files, sum(kind = 'dir') AS dirs, sum(size) AS bytes, sum(is_text) AS text,
                (SELECT count(*) FROM file_chunks) AS chunks FROM files`,
      ),
    );
    return {
      files: Number(row?.files ?? 0),
      directories: Number(row?.dirs ?? 0),
      bytes: Number(row?.bytes ?? 0),
      textFiles: Number(row?.text ?? 0),
      chunks: Number(row?.chunks ?? 0),
    };
  }

  /**
   * Finds passages of the agent's text files by meaning and by words. Each result names the
   * file and the 1-based line range, with the passage text and its score parts.
   * @example
   * const [best] = await agent.files.search('how do we deploy?', { path: '/docs', limit: 5 });
   * // { path: '/docs/deploy.md', startLine: 12, endLine: 40, text: '…', score: 1, parts: { … } }
   */
  async search(query: string, opts: FileSearchOptions = {}): Promise<FileSearchResult[]> {
    const s = checkSearch(query, opts);
    let queryVector: Buffer | undefined;
    if (s.mode !== 'text') {
      queryVector = vectorToBlob((await embedChecked(this.rt.embedder, [s.query]))[0]!);
    }
    return this.rt.use((state) => searchFiles(state, s, queryVector));
  }

  /**
   * What an import would fail on halfway, checked before its first batch is written: type
   * clashes, existing files without `overwrite`, the total size limit. Returns the entries
   * already at the destination.
   */
  private async checkImport(state: AgentState, plan: HostPlan, dest: string, overwrite: boolean, hostDir: string) {
    const existing = new Map<string, FileRow>();
    const top = await getEntry(state.conn, dest, this.root(state));
    if (top) for (const r of [top, ...(await subtree(state.conn, dest))]) existing.set(r.path, r);
    for (const d of plan.dirs) {
      if (existing.get(d)?.kind === 'file') throw conflict(`${d} is a file in the agent; the import needs a directory there`, d);
    }
    for (const f of plan.files) {
      const r = existing.get(f.path);
      if (r?.kind === 'dir') throw conflict(`${f.path} is a directory in the agent; the import has a file for it`, f.path);
      if (r && !overwrite) throw conflict(`${f.path} already exists (pass { overwrite: true } to replace changed files)`, f.path);
    }
    const max = this.rt.limits.maxTotalFileBytes;
    if (max !== undefined) {
      const total = (await totalBytes(state.conn)) + plan.files.reduce((n, f) => n + f.size - Number(existing.get(f.path)?.size ?? 0), 0);
      if (total > max) {
        throw new EngramError(
          'LIMIT_EXCEEDED',
          `importing ${hostDir} would bring this agent's files to ${total} bytes; the limit is ${max}`,
        );
      }
    }
    return existing;
  }

  /**
   * Copies a host directory into the agent (at `agentPath`, default '/', created with its
   * parents). Symbolic links are skipped (or, with followSymlinks, followed only inside the
   * tree); files too large or with names that are not valid agent paths are skipped and listed.
   * Files are embedded and committed in batches; unchanged files are left alone, so
   * re-importing a tree only writes what changed.
   * @example
   * const r = await agent.files.importDir('./docs', '/docs', { exclude: ['node_modules', '.git'], onProgress: console.log });
   */
  async importDir(hostDir: string, agentPath: string = ROOT, opts?: ImportDirOptions): Promise<ImportDirResult> {
    if (typeof hostDir !== 'string' || hostDir.length === 0) throw invalid('importDir needs a host directory path');
    const dest = normalizePath(agentPath, 'import destination');
    const o = optionsOf(opts, ['include', 'exclude', 'followSymlinks', 'overwrite', 'onProgress'], 'importDir');
    const overwrite = flag(o.overwrite, 'overwrite', true);
    if (o.onProgress !== undefined && typeof o.onProgress !== 'function') throw invalid('onProgress must be a function');
    const plan = await walkHost(hostDir, dest, {
      include: o.include,
      exclude: o.exclude,
      followSymlinks: flag(o.followSymlinks, 'followSymlinks', false),
      maxFileBytes: this.rt.limits.maxFileBytes,
    });
    const result: ImportDirResult = { files: 0, unchanged: 0, directories: 0, bytes: 0, skipped: plan.skipped };
    await this.rt.use(async (state) => {
      const existing = await this.checkImport(state, plan, dest, overwrite, hostDir);
      const progress: TreeProgress = {
        filesDone: 0,
        filesTotal: plan.files.length,
        bytesDone: 0,
        bytesTotal: plan.files.reduce((n, f) => n + f.size, 0),
      };
      o.onProgress?.({ ...progress });
      const newDirs = plan.dirs.filter((d) => d !== ROOT && !existing.has(d));
      let batch: HostFile[] = [];
      let batchBytes = 0;
      const flush = async () => {
        const files: PreparedFile[] = [];
        for (const f of batch) {
          try {
            const bytes = await readHostFile(f);
            // Unchanged since the check above: no chunking, no vector lookups.
            if (existing.get(f.path)?.sha256 === sha256(bytes)) result.unchanged++;
            else files.push(prepareFile(f.path, bytes, this.rt.limits, f.mtimeMs));
          } catch (err) {
            const reason = (err as { code?: string }).code === 'LIMIT_EXCEEDED' ? 'too-large' : 'unreadable';
            result.skipped.push({ hostPath: f.hostPath, reason, message: (err as Error).message });
          }
        }
        const vectors = await vectorsFor(
          state.conn,
          this.rt.embedder,
          files.flatMap((f) => f.chunks),
        );
        const put = this.putOptions(state, { parents: true, overwrite, skipUnchanged: true });
        const written = await state.conn.transaction(async (tx) => {
          for (const d of newDirs) await makeDir(tx, d, put.now);
          return putFiles(tx, files, vectors, put);
        });
        newDirs.length = 0;
        written.forEach((row, i) => {
          if (row) {
            result.files++;
            result.bytes += files[i]!.bytes.byteLength;
          } else result.unchanged++;
        });
        progress.filesDone += batch.length;
        progress.bytesDone += batchBytes;
        o.onProgress?.({ ...progress });
        batch = [];
        batchBytes = 0;
      };
      for (const f of plan.files) {
        batch.push(f);
        batchBytes += f.size;
        if (batch.length >= IMPORT_BATCH_FILES || batchBytes >= IMPORT_BATCH_BYTES) await flush();
      }
      if (batch.length > 0 || newDirs.length > 0) await flush();
      result.directories = plan.dirs.filter((d) => d !== ROOT).length;
    });
    return result;
  }

  /**
   * Writes an agent directory (or one file) out to a host directory, created if missing.
   * Existing host files are a CONFLICT unless `overwrite: true`, checked before anything is
   * written; links on the host are never written through, and no path can land outside `hostDir`.
   * @example
   * await agent.files.exportDir('/reports', './out', { onProgress: (p) => console.log(p.filesDone, '/', p.filesTotal) });
   */
  async exportDir(agentPath: string, hostDir: string, opts?: ExportDirOptions): Promise<ExportDirResult> {
    const src = normalizePath(agentPath, 'export source');
    if (typeof hostDir !== 'string' || hostDir.length === 0) throw invalid('exportDir needs a host directory path');
    const o = optionsOf(opts, ['overwrite', 'onProgress'], 'exportDir');
    if (o.onProgress !== undefined && typeof o.onProgress !== 'function') throw invalid('onProgress must be a function');
    const rows = await this.rt.use(async (state) => {
      const top = await this.entry(state.conn, state, src);
      return top.kind === 'dir' ? [top, ...(await subtree(state.conn, src))] : [top];
    });
    const base = rows[0]!.kind === 'dir' ? src : parentOf(src);
    const entries: ExportEntry[] = rows.map((r) => ({
      rel: r.path === base ? '' : relativeTo(r.path, base),
      type: r.kind === 'dir' ? 'directory' : 'file',
      size: Number(r.size),
      modifiedAt: rowToInfo(r).modifiedAt,
      path: r.path,
    }));
    return writeHostTree(entries, hostDir, (path) => this.readFile(path), {
      overwrite: flag(o.overwrite, 'overwrite', false),
      onProgress: o.onProgress,
    });
  }

  /**
   * Re-embeds every passage with the runtime's embedder (after the agent's embedder changed;
   * engram.reembed calls it). Returns how many passages were embedded.
   */
  async reembedAll(opts: { onProgress?: (p: ReembedProgress) => void } = {}): Promise<number> {
    return this.rt.use((state) => reembedChunks(state.conn, this.rt.embedder, opts.onProgress));
  }
}

/** Public types of agent.files: entries, options and results. */
import type { ScoreParts } from '../memories/types.js';

export type FileType = 'file' | 'directory';

/** What stat() and readdir() return for one entry. */
export interface FileInfo {
  /** Canonical path: '/notes/todo.md'. */
  path: string;
  /** Last path segment ('' for the root). */
  name: string;
  type: FileType;
  /** Bytes of content (0 for directories). */
  size: number;
  /** From the extension, else text/plain or application/octet-stream by content; null for directories. */
  mime: string | null;
  /** Valid UTF-8 without NUL bytes: readable with readText() and indexed for search. */
  isText: boolean;
  /** Hex sha256 of the content; null for directories. */
  sha256: string | null;
  createdAt: string;
  modifiedAt: string;
}

export interface WriteOptions {
  /** Create missing parent directories (like mkdir -p); default false: a missing parent is NOT_FOUND. */
  parents?: boolean;
  /** Replace an existing file (default true); false makes an existing file a CONFLICT. */
  overwrite?: boolean;
}

export interface AppendOptions {
  /** Create missing parent directories; default false. */
  parents?: boolean;
}

export interface ReadTextOptions {
  /** First line to return (1-based, default 1). */
  startLine?: number;
  /** Last line to return (inclusive, default the last line). */
  endLine?: number;
}

export interface ReaddirOptions {
  /** List the whole subtree, not just the direct entries (default false). */
  recursive?: boolean;
  /** Keep entries whose path relative to the listed directory matches (a glob without '/' matches the name). */
  glob?: string;
}

export interface MkdirOptions {
  /** Create missing parents, and accept an existing directory (mkdir -p); default false. */
  recursive?: boolean;
}

export interface RmOptions {
  /** Remove a non-empty directory with everything below it (rm -r); default false. */
  recursive?: boolean;
  /** A missing path is not an error (rm -f); default false. */
  force?: boolean;
}

export interface MoveOptions {
  /** Replace an existing file at the destination (default true). A directory is never replaced. */
  overwrite?: boolean;
  /** Create missing parent directories of the destination; default false. */
  parents?: boolean;
}

export interface CopyOptions extends MoveOptions {
  /** Copy a directory with everything below it (cp -r); default false. */
  recursive?: boolean;
}

export interface FileUsage {
  files: number;
  directories: number;
  /** Bytes of content over all files. */
  bytes: number;
  textFiles: number;
  /** Indexed passages of text files. */
  chunks: number;
}

export interface FileSearchOptions {
  /** Most passages returned (1-100, default 10). */
  limit?: number;
  /** hybrid (default): vector and full-text lists fused by reciprocal rank; or one of them alone. */
  mode?: 'hybrid' | 'vector' | 'text';
  /** Only files at or below this path (a directory or a single file). */
  path?: string;
  /** Only files whose path (relative to `path`, default '/') matches this glob. */
  glob?: string;
  /** Drop results scoring below this. */
  minScore?: number;
}

export interface FileSearchResult {
  path: string;
  /** 1-based line range of the passage in the file (inclusive). */
  startLine: number;
  endLine: number;
  /** The passage itself (those lines). */
  text: string;
  score: number;
  parts: Pick<ScoreParts, 'vector' | 'text' | 'fused'>;
}

export interface TreeProgress {
  filesDone: number;
  filesTotal: number;
  bytesDone: number;
  bytesTotal: number;
}

export interface ImportDirOptions {
  /** Only files whose path relative to the host directory matches one of these globs. */
  include?: string | string[];
  /** Leave out files and directories matching any of these globs (a directory takes its subtree along). */
  exclude?: string | string[];
  /**
   * Follow symbolic links that stay inside the host directory (default false: every link is
   * skipped). Links leading out of it are always skipped.
   */
  followSymlinks?: boolean;
  /** Replace changed files already in the agent (default true; false makes them a CONFLICT). */
  overwrite?: boolean;
  /** Called at the start and after each committed batch. */
  onProgress?: (progress: TreeProgress) => void;
}

export interface SkippedEntry {
  /** The host path that was not imported. */
  hostPath: string;
  reason: 'symlink' | 'symlink-outside' | 'special' | 'too-large' | 'invalid-path' | 'unreadable';
  message: string;
}

export interface ImportDirResult {
  /** Files written (new or changed). */
  files: number;
  /** Files whose content was already stored, left as they were. */
  unchanged: number;
  directories: number;
  bytes: number;
  skipped: SkippedEntry[];
}

export interface ExportDirOptions {
  /** Replace files that already exist on the host (default false: CONFLICT before anything is written). */
  overwrite?: boolean;
  /** Called after each file written. */
  onProgress?: (progress: TreeProgress) => void;
}

export interface ExportDirResult {
  files: number;
  directories: number;
  bytes: number;
}

/**
 * The Engram export format: JSON Lines, one record per line. A `header` line first (format,
 * version, agent, engine, embedder), then the agent's memories (every version, with the
 * supersede links and the vector), directories, files (base64), kv entries, tasks (with their
 * dependencies) and actions, and an `end` line with the count of each kind, so a cut-off file is
 * told apart from a complete one. Branches and snapshots are not exported: they are whole
 * database copies, kept beside the agent's file.
 */
import type { Action } from '../actions/types.js';
import type { Memory } from '../memories/types.js';
import type { Task } from '../tasks/types.js';

export const EXPORT_FORMAT = 'engram-export';
export const EXPORT_VERSION = 1;

/** The kinds of records that carry an agent's data, in the order an export writes them. */
export const RECORD_KINDS = ['memory', 'directory', 'file', 'kv', 'task', 'action'] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];
export type RecordCounts = Record<RecordKind, number>;

export interface HeaderRecord {
  type: 'header';
  format: typeof EXPORT_FORMAT;
  version: number;
  agentId: string;
  exportedAt: string;
  engine: string;
  /** The embedder that made the memories' vectors: an import with another one re-embeds. */
  embedder: { id: string | null; dims: number | null };
}

/** A memory (current or superseded) with its vector as base64 of float32 little-endian bytes. */
export interface MemoryRecord extends Memory {
  type: 'memory';
  vector: string | null;
}

export interface DirectoryRecord {
  type: 'directory';
  path: string;
  createdAt: string;
  modifiedAt: string;
}

export interface FileRecord {
  type: 'file';
  path: string;
  size: number;
  mime: string | null;
  sha256: string | null;
  createdAt: string;
  modifiedAt: string;
  /** The content, base64 (binary safe). */
  data: string;
}

export interface KvRecord {
  type: 'kv';
  key: string;
  value: unknown;
  createdAt: string;
  updatedAt: string;
  expiresAt: string | null;
}

export interface TaskRecord extends Task {
  type: 'task';
  /** The lease length a running task was claimed with. */
  leaseMs: number | null;
}

export interface ActionRecord extends Action {
  type: 'action';
}

export interface EndRecord {
  type: 'end';
  counts: RecordCounts;
}

export type DataRecord = MemoryRecord | DirectoryRecord | FileRecord | KvRecord | TaskRecord | ActionRecord;
export type ExportRecord = HeaderRecord | DataRecord | EndRecord;

/** Progress of an export or import: records done of the total. */
export interface TransferProgress {
  done: number;
  total: number;
}

export function emptyCounts(): RecordCounts {
  return { memory: 0, directory: 0, file: 0, kv: 0, task: 0, action: 0 };
}

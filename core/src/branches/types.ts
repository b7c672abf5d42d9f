/** Public types of branches, snapshots and experiments. */
import type { Row } from '../drivers/types.js';
import type { CloneMethod } from './clone.js';

export type { CloneMethod };

export interface BranchInfo {
  name: string;
  /** ISO time the branch was made. */
  createdAt: string;
  /** `reflink`: the branch shares every block with the agent until either is written; `copy`: a full copy. */
  method: CloneMethod;
  /** Size of the branch's database file(s) now, in bytes. */
  bytes: number;
  /** The snapshot it was made from, or null when made from the agent's current state. */
  from: string | null;
}

export interface BranchCreateOptions {
  /** Make the branch from this snapshot instead of the agent's current state. */
  from?: string;
}

export interface PromoteOptions {
  /** Promote even if the agent changed since the branch forked: those changes are dropped. */
  force?: boolean;
}

export interface PromoteResult {
  branch: string;
  /** True when the agent had changed since the fork (only with `force`): those changes are gone. */
  droppedParentChanges: boolean;
}

export type MergePolicy = 'fail' | 'ours' | 'theirs';

export interface MergeOptions {
  /**
   * What to do with rows both sides changed, differently: `fail` (default) refuses the merge
   * with CONFLICT and changes nothing; `ours` keeps the agent's version; `theirs` takes the branch's.
   */
  policy?: MergePolicy;
}

export type ChangeKind = 'added' | 'changed' | 'removed';

/** One changed unit of data: a memory, a file (with its content and passages), a task, a kv key, ... */
export interface RowChange {
  /** Its table: memories, files, actions, tasks, kv, or an adapter's lc_* table. */
  table: string;
  /** Its key there: [uid] for memories and actions, [path] for files, [id] for tasks, [key] for kv. */
  key: unknown[];
  change: ChangeKind;
  /** With `{ values: true }`: the row on that side now (null when removed). */
  row?: Row | null;
}

export interface TableChanges {
  table: string;
  added: number;
  changed: number;
  removed: number;
}

export interface DiffOptions {
  /** Include each changed row's current values (the main row, without child rows). */
  values?: boolean;
}

export interface BranchDiff {
  branch: string;
  /** The agent changed since the branch forked (a promote would drop those changes; merge replays onto them). */
  parentMoved: boolean;
  /** The branch's changes since it forked. */
  changes: RowChange[];
  /** `changes` counted per table. */
  tables: TableChanges[];
  /** The agent's changes since the fork; null when its history no longer reaches back to it. */
  parentChanges: RowChange[] | null;
  /** The branch's changes to rows that the agent also changed, differently. */
  conflicts: RowChange[];
}

export interface MergeResult {
  branch: string;
  /** `fast-forward`: the agent had not moved, so the branch was promoted; `replay`: its changes were applied to the agent. */
  method: 'fast-forward' | 'replay';
  policy: MergePolicy;
  /** The branch's changes written to the agent. */
  applied: RowChange[];
  /** Rows both sides changed: kept as the agent had them (`ours`) or overwritten (`theirs`). */
  conflicts: RowChange[];
}

export interface TryOptions extends MergeOptions {
  /** Name of the branch the function runs on (default: a generated `try-...` name). */
  name?: string;
}

export interface SnapshotInfo {
  name: string;
  createdAt: string;
  method: CloneMethod;
  bytes: number;
}

export interface SnapshotRetention {
  /** Keep at most this many snapshots, newest first. */
  keepLast?: number;
  /** Delete snapshots older than this many days. */
  maxAgeDays?: number;
}

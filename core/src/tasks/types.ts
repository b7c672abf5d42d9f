/** Public shapes of the task store. */
import type { TimeInput } from '../util/time.js';

export const TASK_STATUSES = ['pending', 'running', 'done', 'failed', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export interface CreateTaskInput {
  /** Short, non-empty, at most 500 characters. */
  title: string;
  /** Longer text, up to `limits.maxTextBytes`. */
  description?: string;
  /** Integer; higher runs first (default 0). */
  priority?: number;
  /** Any JSON-serialisable value, at most 64 KiB as JSON. */
  payload?: unknown;
  /** Id of the parent task; cancelling the parent cancels this one too. */
  parentId?: string;
  /** Ids of tasks that must be done before this one is ready. */
  dependsOn?: string[];
  dueAt?: TimeInput;
  /** Who the task is meant for; `ready()` and `claim()` can filter on it. */
  assignee?: string;
  /** How many fail() calls it takes to fail for good (default 1: no retry). */
  maxAttempts?: number;
}

export interface Task {
  id: string;
  title: string;
  description: string | null;
  priority: number;
  payload: unknown;
  /** What complete() recorded. */
  result: unknown;
  /** The last fail() message. */
  error: string | null;
  status: TaskStatus;
  parentId: string | null;
  /** Ids of the tasks this one waits for, sorted. */
  dependsOn: string[];
  assignee: string | null;
  /** The worker holding the task while running; the last one to hold it afterwards. */
  worker: string | null;
  leaseExpiresAt: string | null;
  /** How many times fail() was called. */
  attempts: number;
  maxAttempts: number;
  dueAt: string | null;
  createdAt: string;
  updatedAt: string;
  /** When the task was last claimed. */
  startedAt: string | null;
  /** When it became done, failed or cancelled. */
  finishedAt: string | null;
}

export interface ListTasksOptions {
  /** One status or several (any of them). */
  status?: TaskStatus | TaskStatus[];
  assignee?: string;
  /** Subtasks of this task; `null` for top-level tasks only. */
  parentId?: string | null;
  /** Default 50, at most 1000. */
  limit?: number;
  offset?: number;
}

export interface ReadyOptions {
  /** Default 10, at most 1000. */
  limit?: number;
  assignee?: string;
}

export interface ClaimOptions {
  /** Who claims: any string of 1-128 characters, unique per worker. */
  worker: string;
  /** How long the lease lasts, in ms (default 300000; at most 86400000). */
  leaseMs?: number;
  /** Claim this task; without it, the best ready task. */
  id?: string;
  /** Only tasks assigned to this assignee (without `id`). */
  assignee?: string;
}

export interface HeartbeatOptions {
  worker: string;
  /** New lease length from now (default: the length given to claim). */
  leaseMs?: number;
}

export interface CompleteOptions {
  /** The holder. Omit only for a pending task nobody claimed. */
  worker?: string;
  /** Any JSON-serialisable value, at most 64 KiB as JSON. */
  result?: unknown;
}

export interface FailOptions {
  /** The holder. Omit only for a pending task nobody claimed. */
  worker?: string;
  /** What went wrong; kept to its first 4096 characters. */
  error: string;
}

export interface ReleaseOptions {
  worker: string;
}

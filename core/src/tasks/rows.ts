/** The tasks row as read (with its dependencies folded in), and its public shape. */
import { toIso, isoTime } from '../util/time.js';
import { isStringArray, parseStored } from '../util/stored-json.js';
import type { Task, TaskStatus } from './types.js';

export interface TaskRow {
  id: string;
  title: string;
  description: string | null;
  priority: number;
  payload: string | null;
  result: string | null;
  error: string | null;
  status: TaskStatus;
  parent_id: string | null;
  depends_on: string;
  assignee: string | null;
  worker: string | null;
  lease_expires_at: number | null;
  attempts: number;
  max_attempts: number;
  due_at: number | null;
  created_at: number;
  updated_at: number;
  started_at: number | null;
  finished_at: number | null;
}

/** Every column of `tasks t`, plus its dependency ids as a JSON array. */
export const TASK_COLUMNS = `t.id, t.title, t.description, t.priority, t.payload, t.result, t.error, t.status, t.parent_id,
  (SELECT json_group_array(d.depends_on) FROM task_deps d WHERE d.task_id = t.id) AS depends_on,
  t.assignee, t.worker, t.lease_expires_at, t.attempts, t.max_attempts, t.due_at,
  t.created_at, t.updated_at, t.started_at, t.finished_at`;

/** Queue order: higher priority first, then older first. */
export const TASK_ORDER = 't.priority DESC, t.created_at, t.seq';

const json = (text: string | null): unknown => parseStored<unknown>(text, null);

export function rowToTask(r: TaskRow): Task {
  return {
    id: r.id,
    title: r.title,
    description: r.description,
    priority: Number(r.priority),
    payload: json(r.payload),
    result: json(r.result),
    error: r.error,
    status: r.status,
    parentId: r.parent_id,
    dependsOn: parseStored<string[]>(r.depends_on, [], isStringArray).sort(),
    assignee: r.assignee,
    worker: r.worker,
    leaseExpiresAt: toIso(r.lease_expires_at),
    attempts: Number(r.attempts),
    maxAttempts: Number(r.max_attempts),
    dueAt: toIso(r.due_at),
    createdAt: isoTime(r.created_at),
    updatedAt: isoTime(r.updated_at),
    startedAt: toIso(r.started_at),
    finishedAt: toIso(r.finished_at),
  };
}

/** The actions row as stored, and its public shape. */
import { toIso, isoTime } from '../util/time.js';
import { isObject, parseStored } from '../util/stored-json.js';
import type { Action, ActionError, ActionStatus } from './types.js';

export interface ActionRow {
  id: number;
  uid: string;
  name: string;
  status: ActionStatus;
  input: string;
  output: string | null;
  error: string | null;
  parent_id: string | null;
  task_id: string | null;
  run_id: string | null;
  session_id: string | null;
  metadata: string;
  started_at: number;
  finished_at: number | null;
  duration_ms: number | null;
}

export const ACTION_COLUMNS =
  'a.id, a.uid, a.name, a.status, a.input, a.output, a.error, a.parent_id, a.task_id, a.run_id, a.session_id, a.metadata, a.started_at, a.finished_at, a.duration_ms';

export function rowToAction(r: ActionRow): Action {
  return {
    id: r.uid,
    name: r.name,
    status: r.status,
    input: parseStored<unknown>(r.input, null),
    output: parseStored<unknown>(r.output, null),
    error: parseStored<ActionError | null>(r.error, null, isObject),
    parentId: r.parent_id,
    taskId: r.task_id,
    runId: r.run_id,
    sessionId: r.session_id,
    metadata: parseStored<Record<string, unknown>>(r.metadata, {}, isObject),
    startedAt: isoTime(r.started_at),
    finishedAt: toIso(r.finished_at),
    durationMs: r.duration_ms === null ? null : Number(r.duration_ms),
  };
}

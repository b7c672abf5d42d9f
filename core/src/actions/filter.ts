/**
 * Action filters to SQL over alias `a`: every value bound, every column from this file. Shared
 * by list(), stats() and timeline(), which each decide which fields they accept.
 */
import type { SqlValue } from '../drivers/types.js';
import { invalid } from '../util/errors.js';
import { toEpochMs, type TimeInput } from '../util/time.js';
import { checkActionId, checkName } from './normalize.js';
import type { ActionStatus } from './types.js';

export interface ActionFilter {
  name?: string;
  status?: ActionStatus;
  since?: TimeInput;
  until?: TimeInput;
  runId?: string;
  sessionId?: string;
  taskId?: string;
  parentId?: string | null;
}

const STATUSES = ['running', 'ok', 'error'];
const COLUMNS = { name: 'a.name', runId: 'a.run_id', sessionId: 'a.session_id', taskId: 'a.task_id' } as const;

/** SQL conditions (joined by AND; '1' when none) and their parameters. */
export function actionFilterSql(filter: ActionFilter): { where: string; params: SqlValue[] } {
  const parts: string[] = [];
  const params: SqlValue[] = [];
  for (const field of ['name', 'runId', 'sessionId', 'taskId'] as const) {
    if (filter[field] === undefined) continue;
    parts.push(`${COLUMNS[field]} = ?`);
    params.push(checkName(filter[field], field));
  }
  if (filter.status !== undefined) {
    if (!STATUSES.includes(filter.status)) throw invalid(`status must be one of ${STATUSES.join(', ')}`, { field: 'status' });
    parts.push('a.status = ?');
    params.push(filter.status);
  }
  if (filter.parentId === null) parts.push('a.parent_id IS NULL');
  else if (filter.parentId !== undefined) {
    parts.push('a.parent_id = ?');
    params.push(checkActionId(filter.parentId, 'parentId'));
  }
  if (filter.since !== undefined) {
    parts.push('a.started_at >= ?');
    params.push(toEpochMs(filter.since, 'since'));
  }
  if (filter.until !== undefined) {
    parts.push('a.started_at < ?');
    params.push(toEpochMs(filter.until, 'until'));
  }
  return { where: parts.length > 0 ? parts.join(' AND ') : '1', params };
}

/** Checks an optional integer option against its range. */
export function checkInteger(value: unknown, field: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) {
    throw invalid(`${field} must be an integer from ${min}${max === Number.MAX_SAFE_INTEGER ? ' up' : ` to ${max}`}`, { field });
  }
  return value as number;
}

/**
 * Input checks of agent.tasks: ids, names, numbers and JSON values. Every check runs before
 * a transaction opens, so bad input never changes stored data.
 */
import { checkWellFormed } from '../util/text.js';
import { randomBytes } from 'node:crypto';
import { EngramError, invalid } from '../util/errors.js';
import { toJsonText } from '../kv/json-value.js';
import { TASK_STATUSES, type TaskStatus } from './types.js';

export const TASK_ID = /^task_[0-9a-f]{32}$/;
/** Largest payload or result, as JSON. */
export const MAX_JSON_BYTES = 64 * 1024;
export const MAX_TITLE_CHARS = 500;
export const MAX_ERROR_CHARS = 4096;
export const MAX_DEPENDENCIES = 100;
export const MAX_LEASE_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_LEASE_MS = 5 * 60 * 1000;
const MAX_PRIORITY = 1_000_000_000;

export function newTaskId(): string {
  return `task_${randomBytes(16).toString('hex')}`;
}

export function checkTaskId(id: unknown, field = 'task id'): string {
  if (typeof id !== 'string' || !TASK_ID.test(id)) {
    throw invalid(
      `${field} ${JSON.stringify(String(id).slice(0, 80))} is not valid: expected an id returned by tasks.create(), like task_0123…`,
      {
        field,
      },
    );
  }
  return id;
}

/** A worker or assignee name: 1-128 characters. */
export function checkName(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 128) {
    throw invalid(`${field} must be a non-empty string of at most 128 characters`, { field });
  }
  return checkWellFormed(value, field);
}

export function checkTitle(value: unknown): string {
  const title = typeof value === 'string' ? value.trim() : '';
  if (title.length === 0 || title.length > MAX_TITLE_CHARS) {
    throw invalid(`title must be a non-empty string of at most ${MAX_TITLE_CHARS} characters`, { field: 'title' });
  }
  return checkWellFormed(title, 'title');
}

export function checkDescription(value: unknown, maxBytes: number): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw invalid('description must be a string', { field: 'description' });
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > maxBytes) {
    throw new EngramError('LIMIT_EXCEEDED', `description is ${bytes} bytes; the limit is ${maxBytes} (put bulk data in a file)`, {
      details: { field: 'description', bytes, limit: maxBytes },
    });
  }
  return checkWellFormed(value, 'description');
}

/** An integer in [min, max], or `fallback` when undefined. */
export function checkInteger(value: unknown, field: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(`${field} must be an integer from ${min} to ${max}; got ${JSON.stringify(value)}`, { field });
  }
  return value;
}

export const checkPriority = (value: unknown) => checkInteger(value, 'priority', -MAX_PRIORITY, MAX_PRIORITY, 0);

/** A lease length in ms, or undefined when not given. */
export function checkLeaseMs(value: unknown): number | undefined {
  return value === undefined ? undefined : checkInteger(value, 'leaseMs', 1, MAX_LEASE_MS, 0);
}

/** A JSON value as text (null when undefined), at most MAX_JSON_BYTES. */
export function toJson(value: unknown, field: string): string | null {
  return value === undefined ? null : toJsonText(value, field, MAX_JSON_BYTES);
}

export function checkStatuses(value: unknown): TaskStatus[] {
  const list = Array.isArray(value) ? value : [value];
  const bad = list.filter((s) => !(TASK_STATUSES as readonly unknown[]).includes(s));
  if (list.length === 0 || bad.length > 0) {
    throw invalid(`status must be one of ${TASK_STATUSES.join(', ')} (or an array of them); got ${JSON.stringify(value)}`, {
      field: 'status',
    });
  }
  return list as TaskStatus[];
}

export function checkDependencies(value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length > MAX_DEPENDENCIES) {
    throw invalid(`dependsOn must be an array of at most ${MAX_DEPENDENCIES} task ids`, { field: 'dependsOn' });
  }
  return [...new Set(value.map((id) => checkTaskId(id, 'dependsOn entry')))];
}

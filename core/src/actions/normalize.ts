/**
 * Checks and normalises what callers give the action log (names, ids, JSON payloads, errors,
 * times) before anything is written, so bad input never reaches the database.
 */
import { randomBytes } from 'node:crypto';
import { invalid } from '../util/errors.js';
import { toJsonText } from '../kv/json-value.js';
import { rejectUnknownFields } from '../util/validate.js';
import { toEpochMs } from '../util/time.js';

import { checkWellFormed } from '../util/text.js';
import { checkDuration, checkTimeInRange } from '../util/time-range.js';
import type { ActionError, FinishActionInput, RecordActionInput, StartActionInput } from './types.js';

/** Size limits of agent.actions. */
export const ACTION_LIMITS = {
  /** Largest input, output or error of one action, as UTF-8 JSON bytes. */
  maxJsonBytes: 64 * 1024,
  /** Longest action name, runId, sessionId or taskId. */
  maxNameLength: 256,
  /** Longest error message kept from a thrown Error (longer ones are cut). */
  maxErrorMessageLength: 8192,
} as const;

export const ACTION_ID = /^act_[0-9a-f]{32}$/;
export const START_FIELDS = ['name', 'input', 'parentId', 'taskId', 'runId', 'sessionId', 'metadata'];
const FINISH_FIELDS = ['output', 'error'];
const RECORD_FIELDS = [...START_FIELDS, ...FINISH_FIELDS, 'startedAt', 'finishedAt', 'durationMs'];

/** A start (or record) request, checked and serialised. */
export interface NormalizedStart {
  name: string;
  input: string;
  parentId: string | null;
  taskId: string | null;
  runId: string | null;
  sessionId: string | null;
  metadata: string;
}

export interface Outcome {
  status: 'ok' | 'error';
  output: string | null;
  error: string | null;
}

export function newActionId(): string {
  return `act_${randomBytes(16).toString('hex')}`;
}

export function checkActionId(id: unknown, field = 'id'): string {
  if (typeof id !== 'string' || !ACTION_ID.test(id)) {
    throw invalid(
      `${field} ${JSON.stringify(String(id).slice(0, 80))} is not an action id: expected one returned by start() or record(), like act_0123…`,
      {
        field,
      },
    );
  }
  return id;
}

/** A name or label: a string of 1 to 256 characters. */
export function checkName(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > ACTION_LIMITS.maxNameLength) {
    throw invalid(`${field} must be a string of 1 to ${ACTION_LIMITS.maxNameLength} characters`, { field });
  }
  return checkWellFormed(value, field);
}

function optionalName(value: unknown, field: string): string | null {
  return value === undefined || value === null ? null : checkName(value, field);
}

export function checkMetadata(metadata: unknown, maxBytes: number): string {
  if (metadata === undefined) return '{}';
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) throw invalid('metadata must be a JSON object');
  return toJsonText(metadata, 'metadata', maxBytes);
}

/** `{ name, message, code? }` of anything thrown; never throws itself. */
export function describeError(err: unknown): ActionError {
  const cut = (s: string) => s.slice(0, ACTION_LIMITS.maxErrorMessageLength);
  if (typeof err === 'string') return { message: cut(err) };
  if (typeof err === 'object' && err !== null && typeof (err as { message?: unknown }).message === 'string') {
    const e = err as { name?: unknown; message: string; code?: unknown };
    return {
      ...(typeof e.name === 'string' ? { name: e.name.slice(0, ACTION_LIMITS.maxNameLength) } : {}),
      message: cut(e.message),
      ...(typeof e.code === 'string' || (typeof e.code === 'number' && Number.isFinite(e.code)) ? { code: e.code } : {}),
    };
  }
  try {
    return { message: cut(String(err)) };
  } catch {
    return { message: `a thrown ${typeof err}` };
  }
}

export function normalizeStart(input: StartActionInput, maxMetadataBytes: number, where: string, fields = START_FIELDS): NormalizedStart {
  if (typeof input !== 'object' || input === null)
    throw invalid(`${where}() takes an object like { name: 'web_search', input: { q: '...' } }`);
  rejectUnknownFields(input, fields, where);
  return {
    name: checkName(input.name, 'name'),
    input: input.input === undefined ? 'null' : toJsonText(input.input, 'input', ACTION_LIMITS.maxJsonBytes),
    parentId: input.parentId === undefined || input.parentId === null ? null : checkActionId(input.parentId, 'parentId'),
    taskId: optionalName(input.taskId, 'taskId'),
    runId: optionalName(input.runId, 'runId'),
    sessionId: optionalName(input.sessionId, 'sessionId'),
    metadata: checkMetadata(input.metadata, maxMetadataBytes),
  };
}

/** The outcome of finish() or record(): an output (ok) or an error. */
export function normalizeOutcome(result: FinishActionInput, where: string, check = true): Outcome {
  if (typeof result !== 'object' || result === null) throw invalid(`${where}() takes { output } or { error }`);
  if (check) rejectUnknownFields(result, FINISH_FIELDS, where);
  if (result.error !== undefined && result.output !== undefined) throw invalid(`${where}(): give output or error, not both`);
  if (result.error === undefined || result.error === null) {
    return {
      status: 'ok',
      output: result.output === undefined ? 'null' : toJsonText(result.output, 'output', ACTION_LIMITS.maxJsonBytes),
      error: null,
    };
  }
  const { error } = result;
  let described: unknown;
  if (typeof error === 'string' || error instanceof Error) described = describeError(error);
  else if (typeof error === 'object' && typeof (error as { message?: unknown }).message === 'string') described = error;
  else throw invalid(`${where}(): error must be an Error, a message string or an object with a string "message"`);
  return { status: 'error', output: null, error: toJsonText(described, 'error', ACTION_LIMITS.maxJsonBytes) };
}

export interface NormalizedRecord extends NormalizedStart, Outcome {
  startedAt: number;
  finishedAt: number;
  durationMs: number;
}

/** record() input: start fields, an outcome, and consistent times (see RecordActionInput). */
export function normalizeRecord(input: RecordActionInput, maxMetadataBytes: number, now: number): NormalizedRecord {
  const start = normalizeStart(input, maxMetadataBytes, 'record', RECORD_FIELDS);
  const outcome = normalizeOutcome(input, 'record', false);
  const { durationMs } = input;
  if (durationMs !== undefined) checkDuration(durationMs, 'durationMs');
  let startedAt = input.startedAt === undefined ? undefined : toEpochMs(input.startedAt, 'startedAt');
  let finishedAt = input.finishedAt === undefined ? undefined : toEpochMs(input.finishedAt, 'finishedAt');
  if (startedAt !== undefined && finishedAt !== undefined) {
    if (finishedAt < startedAt) throw invalid('finishedAt is before startedAt');
    // Times are whole milliseconds, so a given duration may differ from their gap by under 1 ms.
    if (durationMs !== undefined && Math.abs(finishedAt - startedAt - durationMs) >= 1) {
      throw invalid(`durationMs ${durationMs} does not match finishedAt - startedAt (${finishedAt - startedAt} ms); give two of the three`);
    }
  } else if (startedAt !== undefined) {
    finishedAt = durationMs === undefined ? now : startedAt + Math.round(durationMs);
    if (finishedAt < startedAt) throw invalid('startedAt is in the future; give finishedAt or durationMs too');
  } else {
    finishedAt ??= now;
    startedAt = finishedAt - Math.round(durationMs ?? 0);
  }
  // Each time given is in range; one computed from a time and a duration may not be.
  checkTimeInRange(startedAt, 'startedAt', 'finishedAt - durationMs is before the earliest time a Date can hold');
  checkTimeInRange(finishedAt, 'finishedAt', 'startedAt + durationMs is after the latest time a Date can hold');
  return { ...start, ...outcome, startedAt, finishedAt, durationMs: durationMs ?? finishedAt - startedAt };
}

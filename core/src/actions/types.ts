/** Public shapes of the action log. */
import type { TimeInput } from '../util/time.js';

export type ActionStatus = 'running' | 'ok' | 'error';

/** What went wrong, as stored: an Error becomes { name, message, code? } (its stack is not kept). */
export interface ActionError {
  message: string;
  name?: string;
  code?: string | number;
  [key: string]: unknown;
}

/** An Error, a message, or a JSON object with a `message`. */
export type ActionErrorInput = Error | string | ActionError;

export interface StartActionInput {
  /** The tool or action name, e.g. 'web_search' (1 to 256 characters). */
  name: string;
  /** The call's input, any JSON value (at most 64 KiB as JSON; default null). */
  input?: unknown;
  /** The action this one runs inside (same agent); its runId, sessionId and taskId are inherited unless given. */
  parentId?: string;
  /** A task this action works on (stored as given; the task need not exist). */
  taskId?: string;
  runId?: string;
  sessionId?: string;
  /** Any JSON object (at most limits.maxMetadataBytes as JSON). */
  metadata?: Record<string, unknown>;
}

export interface FinishActionInput {
  /** The result, any JSON value (at most 64 KiB as JSON). */
  output?: unknown;
  /** Give this instead of `output` when the action failed. */
  error?: ActionErrorInput;
}

/**
 * A completed action logged in one call. Times: give any two of startedAt, finishedAt and
 * durationMs (or one; finishedAt defaults to now, then durationMs to 0).
 */
export interface RecordActionInput extends StartActionInput, FinishActionInput {
  startedAt?: TimeInput;
  finishedAt?: TimeInput;
  durationMs?: number;
}

export interface Action {
  /** 'act_' and 32 hex digits. */
  id: string;
  name: string;
  status: ActionStatus;
  input: unknown;
  /** The result of an ok action; null while running and on errors. */
  output: unknown;
  error: ActionError | null;
  parentId: string | null;
  taskId: string | null;
  runId: string | null;
  sessionId: string | null;
  metadata: Record<string, unknown>;
  startedAt: string;
  finishedAt: string | null;
  /** Milliseconds (fractional when measured by wrap()); null while running. */
  durationMs: number | null;
}

export interface ActionListOptions {
  name?: string;
  status?: ActionStatus;
  /** Actions started at or after this time. */
  since?: TimeInput;
  /** Actions started before this time. */
  until?: TimeInput;
  runId?: string;
  sessionId?: string;
  taskId?: string;
  /** Children of this action; null for top-level actions only. */
  parentId?: string | null;
  /** Default 50, at most 1000. */
  limit?: number;
  offset?: number;
  /** By start time: 'newest' (default) or 'oldest' first. */
  order?: 'newest' | 'oldest';
}

export interface ActionStatsOptions {
  /** Actions started at or after this time. */
  since?: TimeInput;
  /** Actions started before this time. */
  until?: TimeInput;
  /** Only this action name. */
  name?: string;
}

/** Figures for one action name. Durations count finished actions only. */
export interface ActionStats {
  name: string;
  /** Every action, running ones included. */
  count: number;
  ok: number;
  errors: number;
  running: number;
  /** errors / (ok + errors); null when none has finished. */
  errorRate: number | null;
  /** Nearest-rank percentiles: the smallest duration with at least 50% (95%) of durations at or below it. */
  p50Ms: number | null;
  p95Ms: number | null;
  avgMs: number | null;
  maxMs: number | null;
}

/** Choose actions by run, session or task, and/or a start-time window (at least one). */
export interface TimelineOptions {
  runId?: string;
  sessionId?: string;
  taskId?: string;
  since?: TimeInput;
  until?: TimeInput;
  /** Default 1000, at most 10000; the earliest are kept. */
  limit?: number;
}

/** An action in a timeline, with its depth in the trace tree (0 = no parent, or its parent was pruned). */
export interface TimelineEntry extends Action {
  depth: number;
}

/** An action with the actions it started, in start order. */
export interface ActionNode extends Action {
  children: ActionNode[];
}

/** How much of the log to keep; both limits apply when both are set. */
export interface RetentionPolicy {
  /** Delete actions that started more than this many days ago. */
  maxAgeDays?: number;
  /** Keep at most this many actions, the most recently started. */
  maxRows?: number;
}

export interface PruneOptions {
  /** Delete actions that started more than this many days ago. */
  olderThanDays?: number;
  /** Keep only this many actions, the most recently started (0 deletes all). */
  keepLast?: number;
}

export interface WrapOptions<A extends unknown[] = unknown[], R = unknown> {
  runId?: string;
  sessionId?: string;
  taskId?: string;
  metadata?: Record<string, unknown>;
  /** What to log as input (default: the argument array), e.g. to leave out secrets. */
  input?: (...args: A) => unknown;
  /** What to log as output (default: the result). */
  output?: (result: Awaited<R>) => unknown;
}

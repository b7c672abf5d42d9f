/**
 * Defaults and checks for the options that bound what an Engram holds open. An open agent
 * handle costs memory that depends on the engine and the agent's size. Measured as RSS growth
 * per handle with every store in use (core/bench/handle-rss.ts, 2026-12-06, 384-dim vectors):
 * Turso 2.9 MiB for an agent of 30 memories, 5.2 MiB at 1,000, 11.8 MiB at 4,000; SQLite 0.33,
 * 2.3 and 8.5 MiB. So the default number of open agents is set per engine: a few hundred MB for
 * agents of about a thousand memories (64 x 5.2 MiB on Turso, 256 x 2.3 MiB on SQLite).
 */
import { invalid } from '../util/errors.js';
import type { DriverName } from '../drivers/types.js';
import { checkDuration } from '../util/time-range.js';

/** Default `maxOpenAgents` per engine: 64 Turso handles (~330 MiB at 1,000 memories each), 256 SQLite ones (~590 MiB). */
export const DEFAULT_MAX_OPEN_AGENTS: Readonly<Record<DriverName, number>> = { turso: 64, sqlite: 256 };

/** The longest delay Node timers accept (about 24.8 days); longer ones fire after 1 ms instead. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export interface OpenLimits {
  maxOpenAgents: number;
  idleTimeoutMs: number;
  lockTimeoutMs: number;
}

/**
 * The checked limits of `Engram.open()`: defaults filled in, INVALID_ARGUMENT for a value that
 * is not a sane count or duration (NaN would make lock waits endless, 1e20 a 1 ms timer).
 */
export function openLimits(
  driver: DriverName,
  options: { maxOpenAgents?: unknown; idleTimeoutMs?: unknown; lockTimeoutMs?: unknown },
): OpenLimits {
  const maxOpenAgents = options.maxOpenAgents ?? DEFAULT_MAX_OPEN_AGENTS[driver];
  if (typeof maxOpenAgents !== 'number' || !Number.isInteger(maxOpenAgents) || maxOpenAgents < 1) {
    throw invalid('maxOpenAgents must be a positive integer', { field: 'maxOpenAgents' });
  }
  const idleTimeoutMs = checkDuration(options.idleTimeoutMs ?? 60_000, 'idleTimeoutMs', { max: MAX_TIMER_MS });
  const lockTimeoutMs = checkDuration(options.lockTimeoutMs ?? 10_000, 'lockTimeoutMs', { max: MAX_TIMER_MS });
  return { maxOpenAgents, idleTimeoutMs, lockTimeoutMs };
}

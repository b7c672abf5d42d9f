/**
 * Defaults and checks for the options that bound what an Engram holds open, and the estimate of
 * what one open handle costs in memory. An open agent handle costs memory that depends on the
 * engine and the agent's size. Measured as RSS growth per handle with every store in use
 * (core/bench/handle-rss.ts, 2026-12-06, 384-dim vectors): Turso 2.9 MiB for an agent of 30
 * memories, 5.2 MiB at 1,000, 11.8 MiB at 4,000; SQLite 0.33, 2.3 and 8.5 MiB. What grows with
 * the agent (engine page cache, the vector index kept in memory) follows the size of its
 * database file, so a handle is estimated as a base per engine plus its files' bytes. The pool
 * keeps at most `maxOpenAgents` handles and at most `maxOpenBytes` of estimated memory open.
 */
import { statSync } from 'node:fs';
import { invalid } from '../util/errors.js';
import type { DriverName } from '../drivers/types.js';
import { checkDuration } from '../util/time-range.js';

/** Default `maxOpenAgents` per engine: 64 Turso handles (~330 MiB at 1,000 memories each), 256 SQLite ones (~590 MiB). */
export const DEFAULT_MAX_OPEN_AGENTS: Readonly<Record<DriverName, number>> = { turso: 64, sqlite: 256 };

const MiB = 2 ** 20;

/**
 * Default `maxOpenBytes`: 512 MiB of estimated handle memory. Small agents stay bounded by the
 * count (64 small Turso agents are about 190 MiB); large ones by this budget: about 40 Turso
 * handles of 4,000 memories, or two agents of 100k.
 */
export const DEFAULT_MAX_OPEN_BYTES = 512 * MiB;

/**
 * The memory model of one open handle: `base` bytes (engine state, page buffers, prepared
 * statements of a small agent) plus `perFileByte` times the bytes of its database file and WAL.
 * Fitted to core/bench/handle-rss.ts (2026-12-06, 60 agents open, 384 dims): Turso 2.7 MiB per
 * handle at 30 memories and 4.99 MiB at 1,000, SQLite 0.33 and 2.2 MiB; the model gives 2.8 / 5.0
 * and 0.35 / 2.2 MiB there. An estimate, not a measurement.
 */
export const HANDLE_MEMORY: Readonly<Record<DriverName, { base: number; perFileByte: number }>> = {
  turso: { base: 2.7 * MiB, perFileByte: 0.75 },
  sqlite: { base: 0.3 * MiB, perFileByte: 0.7 },
};

/** Estimated memory of an open handle on the database at `path` (its file and WAL as they are now). */
export function handleBytes(driver: DriverName, path: string): number {
  const model = HANDLE_MEMORY[driver] ?? HANDLE_MEMORY.turso;
  const size = (p: string) => {
    try {
      return statSync(p, { throwIfNoEntry: false })?.size ?? 0;
    } catch {
      return 0; // unreadable metadata: the base cost alone
    }
  };
  return Math.round(model.base + model.perFileByte * (size(path) + size(`${path}-wal`)));
}

/** The longest delay Node timers accept (about 24.8 days); longer ones fire after 1 ms instead. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export interface OpenLimits {
  maxOpenAgents: number;
  maxOpenBytes: number;
  idleTimeoutMs: number;
  lockTimeoutMs: number;
}

/**
 * The checked limits of `Engram.open()`: defaults filled in, INVALID_ARGUMENT for a value that
 * is not a sane count or duration (NaN would make lock waits endless, 1e20 a 1 ms timer).
 */
export function openLimits(
  driver: DriverName,
  options: { maxOpenAgents?: unknown; maxOpenBytes?: unknown; idleTimeoutMs?: unknown; lockTimeoutMs?: unknown },
): OpenLimits {
  const maxOpenAgents = options.maxOpenAgents ?? DEFAULT_MAX_OPEN_AGENTS[driver];
  if (typeof maxOpenAgents !== 'number' || !Number.isInteger(maxOpenAgents) || maxOpenAgents < 1) {
    throw invalid('maxOpenAgents must be a positive integer', { field: 'maxOpenAgents' });
  }
  const maxOpenBytes = options.maxOpenBytes ?? DEFAULT_MAX_OPEN_BYTES;
  if (typeof maxOpenBytes !== 'number' || !Number.isSafeInteger(maxOpenBytes) || maxOpenBytes < 1) {
    throw invalid('maxOpenBytes must be a positive integer number of bytes (for example 256 * 2 ** 20 for 256 MiB)', {
      field: 'maxOpenBytes',
    });
  }
  const idleTimeoutMs = checkDuration(options.idleTimeoutMs ?? 60_000, 'idleTimeoutMs', { max: MAX_TIMER_MS });
  const lockTimeoutMs = checkDuration(options.lockTimeoutMs ?? 10_000, 'lockTimeoutMs', { max: MAX_TIMER_MS });
  return { maxOpenAgents, maxOpenBytes, idleTimeoutMs, lockTimeoutMs };
}

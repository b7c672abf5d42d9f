/**
 * Range checks for times and durations, done before anything is written. JavaScript dates
 * reach ±8.64e15 ms (±100,000,000 days around 1970); a stored time beyond that cannot be shown
 * as an ISO string, so every time Engram stores must stay inside it, including those it
 * computes (now + ttlMs, startedAt + durationMs).
 */
import { invalid } from './errors.js';

/** The largest epoch-millisecond value a JavaScript Date can hold (and its negation, the smallest). */
export const MAX_TIME_MS = 8.64e15;
/** The same bound in days, for options such as `maxAgeDays`. */
export const MAX_DAYS = MAX_TIME_MS / 86_400_000;

export interface DurationRule {
  /** Smallest accepted value (default 0). */
  min?: number;
  /** True: `min` itself is refused (a strictly positive duration when min is 0). */
  exclusiveMin?: boolean;
  /** Largest accepted value (default MAX_TIME_MS). */
  max?: number;
  /** Unit named in the message (default 'milliseconds'). */
  unit?: string;
}

/**
 * A finite number of milliseconds (or `rule.unit`) within the rule's bounds; INVALID_ARGUMENT
 * naming `field` otherwise. Fractions are kept: callers round where they store whole ms.
 * @example
 * checkDuration(input.ttlMs, 'ttlMs', { exclusiveMin: true }); // > 0 and at most MAX_TIME_MS
 */
export function checkDuration(value: unknown, field: string, rule: DurationRule = {}): number {
  const { min = 0, exclusiveMin = false, max = MAX_TIME_MS, unit = 'milliseconds' } = rule;
  const ok = typeof value === 'number' && Number.isFinite(value) && (exclusiveMin ? value > min : value >= min) && value <= max;
  if (!ok) {
    const lower = exclusiveMin ? `above ${min}` : `from ${min}`;
    throw invalid(`${field} must be a number of ${unit} ${lower} to ${max}, got ${describe(value)}`, { field, min, max });
  }
  return value;
}

/**
 * Refuses a computed time (epoch ms) outside what a Date can hold, naming the inputs that
 * produced it. Returns the time.
 */
export function checkTimeInRange(ms: number, field: string, because: string): number {
  if (!Number.isFinite(ms) || Math.abs(ms) > MAX_TIME_MS) {
    throw invalid(`${field} would be ${describe(ms)}, outside the representable time range (±${MAX_TIME_MS} ms): ${because}`, {
      field,
    });
  }
  return ms;
}

/**
 * The expiry time `now + ttlMs` (whole ms), after checking that `ttlMs` is a positive number
 * of milliseconds and that the expiry is a time a Date can hold.
 * @example
 * const expiresAt = expiryFromTtl(options.ttlMs, Date.now()); // throws INVALID_ARGUMENT for 1e20
 */
export function expiryFromTtl(ttlMs: unknown, now: number, field = 'ttlMs'): number {
  const ttl = checkDuration(ttlMs, field, { exclusiveMin: true });
  return checkTimeInRange(now + Math.round(ttl), 'the expiry', `${field} ${ttl} is too large; give at most ${MAX_TIME_MS - now}`);
}

function describe(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 40));
  return value === null ? 'null' : typeof value;
}

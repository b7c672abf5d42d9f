/** Time inputs: a Date, epoch milliseconds or an ISO-8601 string, stored as epoch ms. */
import { invalid } from './errors.js';
import { MAX_TIME_MS } from './time-range.js';

export type TimeInput = Date | number | string;

export function toEpochMs(value: TimeInput, field: string): number {
  const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(value);
  if (typeof value !== 'number' && typeof value !== 'string' && !(value instanceof Date)) {
    throw invalid(`${field} must be a Date, epoch milliseconds or an ISO-8601 string`, { field });
  }
  if (!Number.isFinite(ms) || Math.abs(ms) > MAX_TIME_MS) {
    throw invalid(`${field} is not a valid time: ${JSON.stringify(value)}`, { field });
  }
  return Math.trunc(ms);
}

/**
 * A stored time as an ISO string; null for null. Reads never throw on what is on disk: a time
 * beyond what a Date can hold (written before inputs were range-checked, or by hand) is shown
 * clamped to the nearest representable one, and a value that is not a number at all as null.
 */
export function toIso(ms: unknown): string | null {
  if (ms === null || ms === undefined) return null;
  const n = typeof ms === 'bigint' ? Number(ms) : typeof ms === 'number' ? ms : typeof ms === 'string' ? Number(ms) : NaN;
  if (Number.isNaN(n)) return null;
  // Rows written together share their times: a batch of remember() formats one date, not 3 a row.
  if (n === last.ms) return last.iso;
  const iso = new Date(Math.max(-MAX_TIME_MS, Math.min(MAX_TIME_MS, Math.trunc(n)))).toISOString();
  last.ms = n;
  last.iso = iso;
  return iso;
}

/** The last time toIso() formatted. */
const last = { ms: Number.NaN, iso: '' };

/** toIso() for a column that always holds a time: an unreadable value shows as the epoch, never null. */
export function isoTime(ms: unknown): string {
  return toIso(ms) ?? EPOCH_ISO;
}

const EPOCH_ISO = new Date(0).toISOString();

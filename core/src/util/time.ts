/** Time inputs: a Date, epoch milliseconds or an ISO-8601 string, stored as epoch ms. */
import { invalid } from './errors.js';

export type TimeInput = Date | number | string;

export function toEpochMs(value: TimeInput, field: string): number {
  const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(value);
  if (typeof value !== 'number' && typeof value !== 'string' && !(value instanceof Date)) {
    throw invalid(`${field} must be a Date, epoch milliseconds or an ISO-8601 string`, { field });
  }
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) {
    throw invalid(`${field} is not a valid time: ${JSON.stringify(value)}`, { field });
  }
  return Math.trunc(ms);
}

export function toIso(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined ? null : new Date(Number(ms)).toISOString();
}

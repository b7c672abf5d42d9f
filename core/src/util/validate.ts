/**
 * Checks shared by every store's public methods: options objects and their fields. An unknown
 * field is an error, never silently ignored: a misspelt filter must not widen a query or a
 * delete.
 */
import { invalid } from './errors.js';

/** Throws INVALID_ARGUMENT naming every field of `options` not in `allowed` (undefined values are ignored). */
export function rejectUnknownFields(options: object, allowed: readonly string[], where: string): void {
  const unknown = Object.keys(options).filter((k) => !allowed.includes(k) && (options as Record<string, unknown>)[k] !== undefined);
  if (unknown.length > 0) {
    throw invalid(
      `${where}: unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')}; allowed: ${allowed.join(', ')}`,
      { unknown },
    );
  }
}

/**
 * `value` as the options object of `where` (undefined: `{}`): anything but an object, or an
 * object with a field outside `allowed`, is INVALID_ARGUMENT.
 */
export function optionsOf<T extends object>(value: T | undefined, allowed: readonly string[], where: string): T {
  if (value === undefined) return {} as T;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(`${where}() takes an options object`);
  rejectUnknownFields(value, allowed, where);
  return value;
}

/**
 * JSON columns read back defensively. Engram writes them with JSON.stringify, but a file may
 * have been edited by hand or by other tools: a value that does not parse (or has the wrong
 * shape) is shown as the fallback, so listing never fails over one row and the row can still
 * be seen and removed.
 */

/** `text` parsed as JSON, or `fallback` when it is not JSON (or fails `accept`). */
export function parseStored<T>(text: unknown, fallback: T, accept: (value: unknown) => boolean = () => true): T {
  if (typeof text !== 'string') return fallback;
  try {
    const value: unknown = JSON.parse(text);
    return accept(value) ? (value as T) : fallback;
  } catch {
    return fallback;
  }
}

export const isObject = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v);
export const isStringArray = (v: unknown): boolean => Array.isArray(v) && v.every((x) => typeof x === 'string');

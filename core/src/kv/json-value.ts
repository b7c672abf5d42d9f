/**
 * JSON values as agent.kv and agent.actions store them: checked strictly, serialised once,
 * limited in size. A value that JSON.stringify would silently change (a function, a Map, NaN)
 * is refused rather than stored as something else.
 */
import { EngramError, invalid } from '../util/errors.js';

/**
 * `value` as JSON text, or INVALID_ARGUMENT when it is not JSON (undefined, a function, a symbol,
 * a BigInt, a non-finite number, a Map or Set, an undefined array item, a cycle) and
 * LIMIT_EXCEEDED above `maxBytes` of UTF-8. Object properties that are undefined are left out,
 * as JSON.stringify does; objects with toJSON (Date, Buffer) are stored as what it returns.
 * @example
 * toJsonText({ q: 'tea' }, 'input', 65536); // '{"q":"tea"}'
 */
export function toJsonText(value: unknown, what: string, maxBytes: number): string {
  if (value === undefined) throw invalid(`${what} is undefined; give a JSON value (null, a number, a string, an array or an object)`);
  let text: string;
  try {
    text = JSON.stringify(value, function (this: unknown, key: string, v: unknown) {
      const at = key === '' ? '' : ` (at key "${key.slice(0, 80)}")`;
      const type = typeof v;
      if (type === 'function' || type === 'symbol' || type === 'bigint') throw invalid(`${what} holds a ${type}${at}, which is not JSON`);
      if (type === 'number' && !Number.isFinite(v)) throw invalid(`${what} holds ${String(v)}${at}, which is not JSON`);
      if (v instanceof Map || v instanceof Set)
        throw invalid(`${what} holds a ${v.constructor.name}${at}; convert it to an object or array first`);
      if (v === undefined && Array.isArray(this)) throw invalid(`${what} holds undefined in an array${at}; use null`);
      return v;
    });
  } catch (err) {
    if (err instanceof EngramError) throw err;
    throw new EngramError('INVALID_ARGUMENT', `${what} is not JSON-serialisable: ${(err as Error).message.split('\n')[0]}`, { cause: err });
  }
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > maxBytes) {
    throw new EngramError('LIMIT_EXCEEDED', `${what} is ${bytes} bytes as JSON; the limit is ${maxBytes}`, {
      details: { bytes, limit: maxBytes },
    });
  }
  return text;
}

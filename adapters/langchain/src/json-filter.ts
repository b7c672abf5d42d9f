/**
 * Filters on a JSON column, as LangGraph writes them: `{ key: value }` for equality and
 * `{ key: { $eq, $ne, $gt, $gte, $lt, $lte, $in, $nin } }`. Every value is a bound parameter;
 * keys become JSON paths (themselves bound). Equality is typed: 1 never matches true or "1".
 * Shared by the LangGraph store (filters on item values) and the checkpointer (on metadata).
 */
import type { SqlValue } from './agent-tables.js';
import { invalid } from './errors.js';

type Scalar = string | number | boolean | null;
const OPERATORS = ['$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin'] as const;
const RANGE = { $gt: '>', $gte: '>=', $lt: '<', $lte: '<=' } as const;
const MAX_IN = 100;
const BAD_KEY_CHAR = /["\\\p{Cc}]/u;

export interface JsonFilterOptions {
  /** Dotted keys reach nested objects (true) or name top-level keys as they are (false). */
  nested: boolean;
  /** Names the caller in error messages. */
  where: string;
}

function isScalar(value: unknown): value is Scalar {
  return value === null || typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
}

function jsonPath(key: string, options: JsonFilterOptions): string {
  const segments = options.nested ? key.split('.') : [key];
  if (key.length === 0 || key.length > 256 || segments.some((s) => s.length === 0 || BAD_KEY_CHAR.test(s))) {
    throw invalid(
      `${options.where}: filter key ${JSON.stringify(key.slice(0, 80))} is not valid (no quotes, backslashes, control characters or empty parts)`,
    );
  }
  return '$' + segments.map((s) => `."${s}"`).join('');
}

/** SQL true when the JSON at `path` is `value`, of the same JSON type; never NULL. */
function equals(column: string, path: string, value: Scalar, params: SqlValue[]): string {
  if (value === null) {
    params.push(path);
    return `coalesce(json_type(${column}, ?) = 'null', 0)`;
  }
  if (typeof value === 'boolean') {
    params.push(path, value ? 'true' : 'false');
    return `coalesce(json_type(${column}, ?) = ?, 0)`;
  }
  params.push(path, path, value);
  const types = typeof value === 'string' ? `= 'text'` : `IN ('integer', 'real')`;
  return `coalesce(json_type(${column}, ?) ${types} AND json_extract(${column}, ?) = ?, 0)`;
}

/**
 * SQL conditions (to be joined by AND) over `column`, a JSON object column named by the caller
 * from a fixed list, with their parameters in order.
 */
export function jsonFilterSql(column: string, filter: unknown, options: JsonFilterOptions): { conditions: string[]; params: SqlValue[] } {
  const conditions: string[] = [];
  const params: SqlValue[] = [];
  if (filter === undefined || filter === null) return { conditions, params };
  if (typeof filter !== 'object' || Array.isArray(filter)) throw invalid(`${options.where}: filter must be an object of key: condition`);
  for (const [key, condition] of Object.entries(filter)) {
    if (condition === undefined) continue;
    const path = jsonPath(key, options);
    if (isScalar(condition)) {
      conditions.push(equals(column, path, condition, params));
      continue;
    }
    const ops = typeof condition === 'object' && !Array.isArray(condition) ? Object.keys(condition) : [];
    if (ops.length === 0 || !ops.every((op) => (OPERATORS as readonly string[]).includes(op))) {
      throw invalid(
        `${options.where}: the condition on "${key}" must be a string, number, boolean or null, or an object of operators (${OPERATORS.join(', ')})` +
          (options.nested ? '; reach nested fields with dotted keys' : ''),
      );
    }
    for (const op of ops as (typeof OPERATORS)[number][]) {
      const operand: unknown = (condition as Record<string, unknown>)[op];
      if (op === '$eq' || op === '$ne') {
        if (!isScalar(operand)) throw invalid(`${options.where}: ${op} on "${key}" needs a string, number, boolean or null`);
        const eq = equals(column, path, operand, params);
        conditions.push(op === '$eq' ? eq : `NOT ${eq}`);
      } else if (op === '$in' || op === '$nin') {
        if (!Array.isArray(operand) || operand.length === 0 || operand.length > MAX_IN || !operand.every(isScalar)) {
          throw invalid(`${options.where}: ${op} on "${key}" needs an array of 1 to ${MAX_IN} strings, numbers, booleans or nulls`);
        }
        const any = `(${operand.map((v) => equals(column, path, v, params)).join(' OR ')})`;
        conditions.push(op === '$in' ? any : `NOT ${any}`);
      } else {
        if (typeof operand !== 'number' && typeof operand !== 'string')
          throw invalid(`${options.where}: ${op} on "${key}" needs a number or a string`);
        if (typeof operand === 'number' && !Number.isFinite(operand))
          throw invalid(`${options.where}: ${op} on "${key}" needs a finite number`);
        const types = typeof operand === 'string' ? `= 'text'` : `IN ('integer', 'real')`;
        conditions.push(`coalesce(json_type(${column}, ?) ${types} AND json_extract(${column}, ?) ${RANGE[op]} ?, 0)`);
        params.push(path, path, operand);
      }
    }
  }
  return { conditions, params };
}

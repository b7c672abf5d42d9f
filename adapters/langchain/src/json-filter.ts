/**
 * Filters on a JSON column, as LangGraph writes them: `{ key: value }` for equality and
 * `{ key: { $eq, $ne, $gt, $gte, $lt, $lte, $in, $nin } }`. Every value is a bound parameter;
 * keys become JSON paths (themselves bound). Equality is typed (1 never matches true or "1")
 * and deep for arrays and objects (objects in any key order). A key whose condition is
 * `undefined` matches items without that key, as in LangGraph's InMemoryStore.
 * Shared by the LangGraph store (filters on item values) and the checkpointer (on metadata).
 */
import type { SqlValue } from './agent-tables.js';
import { invalid } from './errors.js';

const OPERATORS = ['$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin'] as const;
const RANGE = { $gt: '>', $gte: '>=', $lt: '<', $lte: '<=' } as const;
const MAX_IN = 1000;
/** Most scalar comparisons one filter value may expand to (arrays and objects compare element by element). */
const MAX_LEAVES = 1000;
const BAD_KEY_CHAR = /["\\\p{Cc}]/u;

export interface JsonFilterOptions {
  /** Dotted keys reach nested objects (true) or name top-level keys as they are (false). */
  nested: boolean;
  /** Names the caller in error messages. */
  where: string;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkSegment(segment: string, key: string, options: JsonFilterOptions): string {
  if (segment.length === 0 || segment.length > 256 || BAD_KEY_CHAR.test(segment)) {
    throw invalid(
      `${options.where}: filter key ${JSON.stringify(key.slice(0, 80))} is not valid (no quotes, backslashes, control characters or empty parts)`,
    );
  }
  return `."${segment}"`;
}

function jsonPath(key: string, options: JsonFilterOptions): string {
  const segments = options.nested ? key.split('.') : [key];
  if (key.length === 0 || key.length > 256) checkSegment('', key, options);
  return '$' + segments.map((s) => checkSegment(s, key, options)).join('');
}

/** Builds SQL conditions with their parameters in order. */
class Builder {
  readonly params: SqlValue[] = [];
  private leaves = 0;

  constructor(
    private readonly column: string,
    private readonly options: JsonFilterOptions,
    private readonly key: string,
  ) {}

  /** SQL true when the JSON at `path` equals `value` (typed, deep); never NULL. */
  equals(path: string, value: unknown): string {
    const { column } = this;
    if (++this.leaves > MAX_LEAVES)
      throw invalid(`${this.options.where}: the filter on "${this.key}" is too large (at most ${MAX_LEAVES} values)`);
    if (value === null) {
      this.params.push(path);
      return `coalesce(json_type(${column}, ?) = 'null', 0)`;
    }
    if (typeof value === 'boolean') {
      this.params.push(path, value ? 'true' : 'false');
      return `coalesce(json_type(${column}, ?) = ?, 0)`;
    }
    if (typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))) {
      this.params.push(path, path, value);
      const types = typeof value === 'string' ? `= 'text'` : `IN ('integer', 'real')`;
      return `coalesce(json_type(${column}, ?) ${types} AND json_extract(${column}, ?) = ?, 0)`;
    }
    if (Array.isArray(value)) {
      this.params.push(path, path, value.length);
      const head = `json_type(${column}, ?) = 'array' AND json_array_length(${column}, ?) = ?`;
      return `coalesce(${[head, ...value.map((v, i) => this.equals(`${path}[${i}]`, v))].join(' AND ')}, 0)`;
    }
    if (isPlainObject(value)) {
      const entries = Object.entries(value).filter(([, v]) => v !== undefined);
      this.params.push(path, path, entries.length);
      const head = `json_type(${column}, ?) = 'object' AND (SELECT count(*) FROM json_each(${column}, ?)) = ?`;
      const parts = entries.map(([k, v]) => this.equals(path + checkSegment(k, this.key, this.options), v));
      return `coalesce(${[head, ...parts].join(' AND ')}, 0)`;
    }
    throw invalid(`${this.options.where}: the filter on "${this.key}" holds a value JSON cannot store (${typeof value})`);
  }

  /** SQL true when there is no value at `path`. */
  absent(path: string): string {
    this.params.push(path);
    return `json_type(${this.column}, ?) IS NULL`;
  }

  range(path: string, op: keyof typeof RANGE, operand: unknown): string {
    const { where } = this.options;
    if (typeof operand !== 'number' && typeof operand !== 'string')
      throw invalid(`${where}: ${op} on "${this.key}" needs a number or a string`);
    if (typeof operand === 'number' && !Number.isFinite(operand)) throw invalid(`${where}: ${op} on "${this.key}" needs a finite number`);
    const types = typeof operand === 'string' ? `= 'text'` : `IN ('integer', 'real')`;
    this.params.push(path, path, operand);
    return `coalesce(json_type(${this.column}, ?) ${types} AND json_extract(${this.column}, ?) ${RANGE[op]} ?, 0)`;
  }
}

/**
 * SQL conditions (to be joined by AND) over `column`, a JSON object column named by the caller
 * from a fixed list, with their parameters in order.
 */
export function jsonFilterSql(column: string, filter: unknown, options: JsonFilterOptions): { conditions: string[]; params: SqlValue[] } {
  const conditions: string[] = [];
  const params: SqlValue[] = [];
  if (filter === undefined || filter === null) return { conditions, params };
  if (!isPlainObject(filter)) throw invalid(`${options.where}: filter must be an object of key: condition`);
  for (const [key, condition] of Object.entries(filter)) {
    const path = jsonPath(key, options);
    const sql = new Builder(column, options, key);
    const ops = isPlainObject(condition) ? Object.keys(condition) : [];
    const operators = ops.length > 0 && ops.every((op) => (OPERATORS as readonly string[]).includes(op));
    if (condition === undefined) {
      conditions.push(sql.absent(path));
    } else if (!operators) {
      // An empty object is no condition at all, as in InMemoryStore.
      if (isPlainObject(condition) && ops.length === 0) continue;
      if (ops.some((op) => op.startsWith('$'))) {
        throw invalid(
          `${options.where}: the condition on "${key}" mixes unknown operators or operators and fields; operators are ${OPERATORS.join(', ')}` +
            (options.nested ? '; reach nested fields with dotted keys' : ''),
        );
      }
      conditions.push(sql.equals(path, condition));
    } else {
      for (const op of ops as (typeof OPERATORS)[number][]) {
        const operand: unknown = (condition as Record<string, unknown>)[op];
        if (op === '$eq' || op === '$ne') {
          const eq = sql.equals(path, operand);
          conditions.push(op === '$eq' ? eq : `NOT ${eq}`);
        } else if (op === '$in' || op === '$nin') {
          if (!Array.isArray(operand) || operand.length > MAX_IN)
            throw invalid(`${options.where}: ${op} on "${key}" needs an array of at most ${MAX_IN} values`);
          const any = operand.length === 0 ? '0' : `(${operand.map((v) => sql.equals(path, v)).join(' OR ')})`;
          conditions.push(op === '$in' ? any : `NOT ${any}`);
        } else {
          conditions.push(sql.range(path, op, operand));
        }
      }
    }
    params.push(...sql.params);
  }
  return { conditions, params };
}

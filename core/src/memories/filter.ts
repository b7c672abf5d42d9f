/**
 * Memory filters to SQL: every value is a bound parameter, every field name comes from a
 * fixed list, metadata keys are validated before they become a JSON path (itself bound).
 * Filters run inside the same query as the ranking, so they apply before the top-k cut.
 */
import type { SqlValue } from '../drivers/types.js';
import { invalid } from '../util/errors.js';
import { toEpochMs, type TimeInput } from '../util/time.js';
import { rejectUnknownFields } from '../util/validate.js';

export type MetadataValue = string | number | boolean | null;
export type MetadataCondition =
  | MetadataValue
  | {
      $eq?: MetadataValue;
      $ne?: MetadataValue;
      $gt?: number | string;
      $gte?: number | string;
      $lt?: number | string;
      $lte?: number | string;
      $in?: MetadataValue[];
      $nin?: MetadataValue[];
      $exists?: boolean;
    };

export interface MemoryFilter {
  /** Only these kinds (any of them). */
  kinds?: string[];
  /** Memories carrying every one of these tags. */
  tags?: string[];
  /** Conditions on metadata keys (dotted keys reach nested objects); all must hold. */
  metadata?: Record<string, MetadataCondition>;
  /** Only memories from this source. */
  source?: string;
  /** Memories whose valid-from time is at or after this. */
  since?: TimeInput;
  /** Memories whose valid-from time is before this. */
  until?: TimeInput;
  /** The memories that were current at this time (superseded later ones included). */
  asOf?: TimeInput;
  /** Also return memories that a newer one superseded (default false: current facts only). */
  includeSuperseded?: boolean;
}

export const FILTER_FIELDS = ['kinds', 'tags', 'metadata', 'source', 'since', 'until', 'asOf', 'includeSuperseded'] as const;

const KEY_SEGMENT = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;
const OPERATORS = new Set(['$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin', '$exists']);

function jsonPath(key: string): string {
  const segments = key.split('.');
  if (segments.length > 8 || !segments.every((s) => KEY_SEGMENT.test(s))) {
    throw invalid(`metadata filter key "${key.slice(0, 80)}" is not valid: use letters, digits, "_" and "-", with "." between nested keys`);
  }
  return '$' + segments.map((s) => `."${s}"`).join('');
}

function scalar(value: unknown, key: string): SqlValue {
  if (value === null) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string') return value;
  throw invalid(`metadata filter on "${key}": values must be strings, finite numbers, booleans or null`);
}

function stringList(value: unknown, field: string): string[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > 100 || !value.every((v) => typeof v === 'string')) {
    throw invalid(`filter "${field}" must be a non-empty array of at most 100 strings`);
  }
  return value as string[];
}

/**
 * SQL conditions over alias `m` (a memories row) for `filter` at time `now`, joined by AND.
 * Expired memories are always excluded.
 */
export function filterSql(filter: MemoryFilter, now: number, alias = 'm'): { where: string; params: SqlValue[] } {
  rejectUnknownFields(filter, FILTER_FIELDS, 'memory filter');
  const parts: string[] = [];
  const params: SqlValue[] = [];
  const m = alias;
  parts.push(`(${m}.expires_at IS NULL OR ${m}.expires_at > ?)`);
  params.push(now);
  if (filter.asOf !== undefined) {
    const t = toEpochMs(filter.asOf, 'asOf');
    parts.push(`${m}.valid_from <= ? AND (${m}.valid_to IS NULL OR ${m}.valid_to > ?)`);
    params.push(t, t);
  } else if (!filter.includeSuperseded) {
    parts.push(`${m}.valid_to IS NULL`);
  }
  if (filter.kinds !== undefined) {
    const kinds = stringList(filter.kinds, 'kinds');
    parts.push(`${m}.kind IN (${kinds.map(() => '?').join(', ')})`);
    params.push(...kinds);
  }
  if (filter.tags !== undefined) {
    for (const tag of stringList(filter.tags, 'tags')) {
      // Turso's json_each gives a string element still JSON-escaped (a\"b for a"b), so a tag that
      // JSON escapes (", \, control characters) is read back with json_extract instead: right
      // on both engines, but about 4x slower, hence only for those tags.
      const plain = JSON.stringify(tag) === `"${tag}"`;
      parts.push(
        plain
          ? `EXISTS (SELECT 1 FROM json_each(${m}.tags) WHERE json_each.value = ?)`
          : `EXISTS (SELECT 1 FROM json_each(${m}.tags) j WHERE json_extract(${m}.tags, '$[' || j.key || ']') = ?)`,
      );
      params.push(tag);
    }
  }
  if (filter.source !== undefined) {
    if (typeof filter.source !== 'string') throw invalid('filter "source" must be a string');
    parts.push(`${m}.source = ?`);
    params.push(filter.source);
  }
  if (filter.since !== undefined) {
    parts.push(`${m}.valid_from >= ?`);
    params.push(toEpochMs(filter.since, 'since'));
  }
  if (filter.until !== undefined) {
    parts.push(`${m}.valid_from < ?`);
    params.push(toEpochMs(filter.until, 'until'));
  }
  if (filter.metadata !== undefined) {
    if (typeof filter.metadata !== 'object' || filter.metadata === null || Array.isArray(filter.metadata)) {
      throw invalid('filter "metadata" must be an object of key: condition');
    }
    for (const [key, condition] of Object.entries(filter.metadata)) {
      const path = jsonPath(key);
      const ex = `json_extract(${m}.metadata, ?)`;
      if (condition === null || typeof condition !== 'object') {
        if (condition === null) {
          parts.push(`json_type(${m}.metadata, ?) = 'null'`);
          params.push(path);
        } else {
          parts.push(`${ex} = ?`);
          params.push(path, scalar(condition, key));
        }
        continue;
      }
      if (Array.isArray(condition)) throw invalid(`metadata filter on "${key}": use { $in: [...] } to match one of several values`);
      const ops = Object.keys(condition);
      if (ops.length === 0) throw invalid(`metadata filter on "${key}" has no condition`);
      for (const op of ops) {
        if (!OPERATORS.has(op)) throw invalid(`metadata filter on "${key}": unknown operator "${op}"; use ${[...OPERATORS].join(', ')}`);
        const value = (condition as Record<string, unknown>)[op];
        switch (op) {
          case '$eq':
          case '$ne':
            if (value === null) {
              parts.push(`json_type(${m}.metadata, ?) ${op === '$eq' ? '=' : 'IS NOT'} 'null'`);
              params.push(path);
            } else {
              parts.push(op === '$eq' ? `${ex} = ?` : `(${ex} IS NULL OR ${ex} != ?)`);
              params.push(...(op === '$eq' ? [path] : [path, path]), scalar(value, key));
            }
            break;
          case '$gt':
          case '$gte':
          case '$lt':
          case '$lte': {
            if (typeof value !== 'number' && typeof value !== 'string') {
              throw invalid(`metadata filter on "${key}": ${op} needs a number or a string`);
            }
            const sign = { $gt: '>', $gte: '>=', $lt: '<', $lte: '<=' }[op];
            parts.push(`${ex} ${sign} ?`);
            params.push(path, scalar(value, key));
            break;
          }
          case '$in':
          case '$nin': {
            if (!Array.isArray(value) || value.length === 0 || value.length > 100) {
              throw invalid(`metadata filter on "${key}": ${op} needs a non-empty array of at most 100 values`);
            }
            const list = value.map((v) => scalar(v, key));
            const placeholders = list.map(() => '?').join(', ');
            parts.push(op === '$in' ? `${ex} IN (${placeholders})` : `(${ex} IS NULL OR ${ex} NOT IN (${placeholders}))`);
            params.push(...(op === '$in' ? [path] : [path, path]), ...list);
            break;
          }
          case '$exists':
            if (typeof value !== 'boolean') throw invalid(`metadata filter on "${key}": $exists needs true or false`);
            parts.push(`json_type(${m}.metadata, ?) IS ${value ? 'NOT NULL' : 'NULL'}`);
            params.push(path);
            break;
        }
      }
    }
  }
  return { where: parts.join(' AND '), params };
}

/**
 * True when the filter narrows more than "current and not expired": judged by the SQL it
 * produces, so fields that add no condition (`metadata: {}`, `includeSuperseded: false`) do
 * not count.
 */
export function isNarrowing(filter: MemoryFilter): boolean {
  return filterSql(filter, 0).where !== filterSql({}, 0).where;
}

/**
 * True when the filter selects every memory, superseded ones included, as a delete by filter
 * does: no field adds a condition (`{}`, `{ metadata: {} }`, `{ includeSuperseded: true }`).
 */
export function selectsEverything(filter: MemoryFilter): boolean {
  return filterSql({ ...filter, includeSuperseded: true }, 0).where === filterSql({ includeSuperseded: true }, 0).where;
}

/**
 * `agent.kv`: small JSON state by key (AgentFS's KvStore names: get, set, delete, list), with
 * has(), optional expiry and ordered prefix listing. Owns the `kv` table and its SQL. Every
 * operation is one statement, so it is atomic on its own.
 */
import type { AgentRuntime } from '../runtime/agent-state.js';
import type { SqlValue } from '../drivers/types.js';
import { invalid } from '../util/errors.js';
import { rejectUnknownFields } from '../util/validate.js';
import { toIso, isoTime } from '../util/time.js';

import { expiryFromTtl } from '../util/time-range.js';
import { toJsonText } from './json-value.js';
import { prefixEnd } from './key-range.js';

/** Size limits of agent.kv. */
export const KV_LIMITS = {
  /** Longest key, in UTF-16 code units (JavaScript string length). */
  maxKeyLength: 512,
  /** Largest value, as UTF-8 JSON bytes. */
  maxValueBytes: 256 * 1024,
  /** Most entries one list() call returns. */
  maxListLimit: 1000,
} as const;

export interface KvSetOptions {
  /** Forget the key after this many milliseconds (default: never). */
  ttlMs?: number;
}

export interface KvListOptions {
  /** Only keys starting with this string; every character is literal ('%' and '_' included). */
  prefix?: string;
  /** Only keys after this one (exclusive): pass the last key of a page to get the next. */
  after?: string;
  /** Most entries to return (default 100, at most 1000). */
  limit?: number;
  /** Also return each value (default false: keys and times only). */
  values?: boolean;
}

export interface KvEntry<T = unknown> {
  key: string;
  /** Present when listed with `values: true`. */
  value?: T;
  createdAt: string;
  updatedAt: string;
  expiresAt: string | null;
}

interface KvRow {
  key: string;
  value?: string;
  created_at: number;
  updated_at: number;
  expires_at: number | null;
}

const LIST_FIELDS = ['prefix', 'after', 'limit', 'values'];
const SET_FIELDS = ['ttlMs'];
const LIVE = '(expires_at IS NULL OR expires_at > ?)';

function checkKey(key: unknown, what = 'key'): string {
  if (typeof key !== 'string' || key.length === 0 || key.length > KV_LIMITS.maxKeyLength) {
    throw invalid(`${what} must be a string of 1 to ${KV_LIMITS.maxKeyLength} characters`, { field: what });
  }
  // NUL ends strings in some clients; a lone surrogate cannot be stored as UTF-8 faithfully.
  if (/\0|\p{Cs}/u.test(key)) throw invalid(`${what} must not contain NUL or unpaired surrogate characters`, { field: what });
  return key;
}

export class KvStore {
  constructor(protected readonly rt: AgentRuntime) {}

  /**
   * The value stored under `key`, or undefined when there is none (or it expired). A stored
   * `null` comes back as null, so the two stay apart.
   * @example
   * const prefs = await agent.kv.get<{ theme: string }>('user:prefs');
   */
  async get<T = unknown>(key: string): Promise<T | undefined> {
    checkKey(key);
    const row = await this.rt.use((s) =>
      s.conn.get<{ value: string }>(`SELECT value FROM kv WHERE key = ? AND ${LIVE}`, [key, Date.now()]),
    );
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  /**
   * Stores a JSON value under `key`, replacing any value there (and its expiry).
   * @example
   * await agent.kv.set('user:prefs', { theme: 'dark' });
   * await agent.kv.set('session:token', 'abc', { ttlMs: 3_600_000 });
   */
  async set(key: string, value: unknown, options: KvSetOptions = {}): Promise<void> {
    checkKey(key);
    if (typeof options !== 'object' || options === null) throw invalid('set() options must be an object like { ttlMs: 60000 }');
    rejectUnknownFields(options, SET_FIELDS, 'kv.set');
    const { ttlMs } = options;
    const now = Date.now();
    const expiresAt = ttlMs === undefined ? null : expiryFromTtl(ttlMs, now);
    const text = toJsonText(value, `value of kv key "${key.slice(0, 80)}"`, KV_LIMITS.maxValueBytes);
    await this.rt.use((s) =>
      s.conn.run(
        // Setting a key that had expired starts it afresh: a new createdAt.
        `INSERT INTO kv (key, value, created_at, updated_at, expires_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, expires_at = excluded.expires_at,
           created_at = CASE WHEN kv.expires_at IS NOT NULL AND kv.expires_at <= excluded.updated_at THEN excluded.created_at ELSE kv.created_at END`,
        [key, text, now, now, expiresAt],
      ),
    );
  }

  /**
   * Removes `key`; true when it held a (live) value, false when there was nothing to remove.
   * @example
   * await agent.kv.delete('session:token');
   */
  async delete(key: string): Promise<boolean> {
    checkKey(key);
    const now = Date.now();
    const row = await this.rt.use((s) =>
      s.conn.get<{ expires_at: number | null }>('DELETE FROM kv WHERE key = ? RETURNING expires_at', [key]),
    );
    return row !== undefined && (row.expires_at === null || Number(row.expires_at) > now);
  }

  /**
   * True when `key` holds a value that has not expired.
   * @example
   * if (!(await agent.kv.has('onboarded'))) await agent.kv.set('onboarded', true);
   */
  async has(key: string): Promise<boolean> {
    checkKey(key);
    const row = await this.rt.use((s) => s.conn.get(`SELECT 1 AS found FROM kv WHERE key = ? AND ${LIVE}`, [key, Date.now()]));
    return row !== undefined;
  }

  /**
   * Live entries in key order (byte order of UTF-8), optionally under a prefix, a page at a time.
   * @example
   * const page = await agent.kv.list({ prefix: 'user:', values: true, limit: 50 });
   * const next = await agent.kv.list({ prefix: 'user:', after: page.at(-1)?.key });
   */
  async list<T = unknown>(options: KvListOptions = {}): Promise<KvEntry<T>[]> {
    if (typeof options !== 'object' || options === null) {
      throw invalid('list() takes an options object, e.g. list({ prefix: "user:", values: true })');
    }
    rejectUnknownFields(options, LIST_FIELDS, 'kv.list');
    const { prefix = '', after, limit = 100, values = false } = options;
    if (prefix !== '') checkKey(prefix, 'prefix');
    if (after !== undefined) checkKey(after, 'after');
    if (!Number.isInteger(limit) || limit < 1 || limit > KV_LIMITS.maxListLimit) {
      throw invalid(`limit must be an integer from 1 to ${KV_LIMITS.maxListLimit}`, { field: 'limit' });
    }
    if (typeof values !== 'boolean') throw invalid('values must be true or false', { field: 'values' });
    const where = [LIVE, 'key >= ?'];
    const params: SqlValue[] = [Date.now(), prefix];
    const end = prefixEnd(prefix);
    if (end !== null) {
      where.push('key < ?');
      params.push(end);
    }
    if (after !== undefined) {
      where.push('key > ?');
      params.push(after);
    }
    const rows = await this.rt.use((s) =>
      s.conn.all<KvRow>(
        `SELECT key, ${values ? 'value, ' : ''}created_at, updated_at, expires_at FROM kv WHERE ${where.join(' AND ')} ORDER BY key LIMIT ${limit}`,
        params,
      ),
    );
    return rows.map((r) => ({
      key: r.key,
      ...(r.value === undefined ? {} : { value: JSON.parse(r.value) as T }),
      createdAt: isoTime(r.created_at),
      updatedAt: isoTime(r.updated_at),
      expiresAt: toIso(r.expires_at),
    }));
  }

  /**
   * Deletes expired keys for good (they are already invisible); returns how many.
   * @example
   * await agent.kv.purgeExpired();
   */
  async purgeExpired(): Promise<number> {
    const result = await this.rt.use((s) => s.conn.run('DELETE FROM kv WHERE expires_at IS NOT NULL AND expires_at <= ?', [Date.now()]));
    return result.changes;
  }
}

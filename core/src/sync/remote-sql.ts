/**
 * One SQL statement run on the remote database itself, over the server's HTTP SQL endpoint
 * (`POST /v2/pipeline`, the Hrana protocol that Turso Cloud and `tursodb --sync-server` both
 * answer). Used for compare-and-set writes that must be decided by the remote, not by a replica:
 * a task claim is granted only when the remote's row said so.
 */
import type { Row, SqlValue } from '../drivers/types.js';
import { EngramError } from '../util/errors.js';

type HranaValue =
  | { type: 'null' }
  | { type: 'integer'; value: string }
  | { type: 'float'; value: number }
  | { type: 'text'; value: string }
  | { type: 'blob'; base64: string };

interface HranaResult {
  type: 'ok' | 'error';
  response?: { type: string; result?: { cols: { name: string | null }[]; rows: HranaValue[][] } };
  error?: { message: string; code?: string };
}

function encode(v: SqlValue): HranaValue {
  if (v === null) return { type: 'null' };
  if (typeof v === 'bigint') return { type: 'integer', value: v.toString() };
  if (typeof v === 'number') return Number.isInteger(v) ? { type: 'integer', value: String(v) } : { type: 'float', value: v };
  if (typeof v === 'string') return { type: 'text', value: v };
  return { type: 'blob', base64: Buffer.from(v).toString('base64') };
}

function decode(v: HranaValue): unknown {
  switch (v.type) {
    case 'null':
      return null;
    case 'integer':
      return Number(v.value);
    case 'float':
    case 'text':
      return v.value;
    case 'blob':
      return Buffer.from(v.base64, 'base64');
  }
}

/** The HTTP base of a sync URL: libsql:// is https://. */
export function httpBase(url: string): string {
  return url.replace(/^libsql:\/\//i, 'https://').replace(/\/+$/, '');
}

/** Runs `sql` with `params` on the remote and returns its rows. */
export async function executeRemote(
  url: string,
  authToken: string | undefined,
  sql: string,
  params: readonly SqlValue[] = [],
  timeoutMs = 10_000,
): Promise<Row[]> {
  let response: Response;
  try {
    response = await fetch(`${httpBase(url)}/v2/pipeline`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(authToken ? { authorization: `Bearer ${authToken}` } : {}) },
      body: JSON.stringify({ requests: [{ type: 'execute', stmt: { sql, args: params.map(encode) } }] }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    throw new EngramError('SYNC_UNAVAILABLE', `the sync server cannot be reached (${(err as Error).message})`, { cause: err });
  }
  const body = await response.text();
  if (response.status === 401 || response.status === 403) {
    throw new EngramError('SYNC_AUTH', `the sync server refused the credentials: check the auth token (HTTP ${response.status})`);
  }
  if (response.status >= 500)
    throw new EngramError('SYNC_UNAVAILABLE', `the sync server failed (HTTP ${response.status}: ${body.slice(0, 200)})`);
  if (!response.ok) throw new EngramError('IO', `the sync server rejected a statement (HTTP ${response.status}: ${body.slice(0, 200)})`);
  const result = (JSON.parse(body) as { results: HranaResult[] }).results[0];
  if (!result || result.type !== 'ok' || !result.response?.result) {
    const message = result?.error?.message ?? 'no result';
    const code = /constraint|unique/i.test(message) ? 'CONFLICT' : 'IO';
    throw new EngramError(code, `the remote database refused a statement: ${message}`);
  }
  const { cols, rows } = result.response.result;
  return rows.map((row) => Object.fromEntries(row.map((v, i) => [cols[i]?.name ?? String(i), decode(v)])));
}

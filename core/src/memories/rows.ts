/** The memories row as stored, its public shape, and the one INSERT that writes it. */
import type { Queryable, SqlValue } from '../drivers/types.js';
import { mintId } from '../util/ids.js';
import { insertRows } from '../util/insert-rows.js';
import { toIso, isoTime } from '../util/time.js';
import { isObject, isStringArray, parseStored } from '../util/stored-json.js';
import type { Memory } from './types.js';

export interface MemoryRow {
  id: number;
  uid: string;
  text: string;
  context: string | null;
  search_text: string;
  text_len?: number;
  kind: string;
  tags: string;
  metadata: string;
  importance: number;
  source: string | null;
  created_at: number;
  updated_at: number;
  valid_from: number;
  valid_to: number | null;
  expires_at: number | null;
  supersedes: string | null;
  superseded_by: string | null;
}

/** Every stored column, in one list: the INSERT and its parameters cannot drift apart. */
const INSERT_COLUMNS = [
  'id',
  'uid',
  'text',
  'context',
  'search_text',
  'text_len',
  'kind',
  'tags',
  'metadata',
  'importance',
  'source',
  'created_at',
  'updated_at',
  'valid_from',
  'valid_to',
  'expires_at',
  'supersedes',
  'superseded_by',
] as const satisfies readonly (keyof MemoryRow)[];
const INSERT_HEAD = `INSERT INTO memories (${INSERT_COLUMNS.join(', ')})`;

/**
 * Inserts memory rows (remember, import), many per statement (see util/insert-rows.ts). An `id`
 * of 0 gets a minted one (util/ids.ts: never the same on two replicas), set on the row. Their
 * vectors and text index entries are the caller's.
 */
export async function insertMemories(tx: Queryable, rows: readonly MemoryRow[]): Promise<void> {
  for (const row of rows) if (!row.id) row.id = mintId();
  await insertRows(
    tx,
    INSERT_HEAD,
    INSERT_COLUMNS.length,
    rows.map((row) => INSERT_COLUMNS.map((c): SqlValue => row[c] ?? null)),
  );
}

export const MEMORY_COLUMNS =
  'm.id, m.uid, m.text, m.context, m.kind, m.tags, m.metadata, m.importance, m.source, m.created_at, m.updated_at, m.valid_from, m.valid_to, m.expires_at, m.supersedes, m.superseded_by';

export function rowToMemory(r: MemoryRow): Memory {
  return {
    id: r.uid,
    text: r.text,
    context: r.context,
    kind: r.kind,
    tags: parseStored<string[]>(r.tags, [], isStringArray),
    metadata: parseStored<Record<string, unknown>>(r.metadata, {}, isObject),
    importance: Number(r.importance) || 0,
    source: r.source,
    createdAt: isoTime(r.created_at),
    updatedAt: isoTime(r.updated_at),
    validFrom: isoTime(r.valid_from),
    validTo: toIso(r.valid_to),
    expiresAt: toIso(r.expires_at),
    supersedes: r.supersedes,
    supersededBy: r.superseded_by,
  };
}

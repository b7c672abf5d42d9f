/**
 * Engram's own full-text index, for engines whose built-in one does not suit a memory store:
 * a term table (term, memory, term frequency) kept in the same transaction as the memory, and
 * BM25 ranking in SQL. Used on Turso, whose `USING fts` index (0.7) rewrites itself on every
 * statement: row-at-a-time inserts cost about 10 ms each and grow with the index (measured
 * here; upstream tursodatabase/turso#8170), while a memory store inserts one row at a time.
 * SQLite keeps its own FTS5 index (see the sqlite driver).
 */
import type { Queryable, SqlValue } from '../drivers/types.js';
import { tokens } from './search-terms.js';

const K1 = 1.2;
const B = 0.75;

export const TERM_INDEX_DDL = [
  `CREATE TABLE IF NOT EXISTS memory_terms (term TEXT NOT NULL, memory_id INTEGER NOT NULL, tf INTEGER NOT NULL)`,
  // covering: a term's postings with their frequencies come straight from the index
  `CREATE INDEX IF NOT EXISTS memory_terms_term ON memory_terms (term, memory_id, tf)`,
  `CREATE INDEX IF NOT EXISTS memory_terms_memory ON memory_terms (memory_id)`,
  // document frequency per term, so ranking never counts postings
  `CREATE TABLE IF NOT EXISTS memory_term_df (term TEXT PRIMARY KEY, df INTEGER NOT NULL)`,
];

/** Above this share of all memories a term ranks nothing apart and is skipped (if others remain). */
const COMMON_TERM_SHARE = 0.5;

/** Adds `delta` to the document frequency of each term, in one statement. */
async function addDf(tx: Queryable, terms: Map<string, number>, sign: 1 | -1): Promise<void> {
  if (terms.size === 0) return;
  await tx.run(
    `INSERT INTO memory_term_df (term, df) SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?) WHERE true
       ON CONFLICT (term) DO UPDATE SET df = df + excluded.df`,
    [JSON.stringify([...terms].map(([t, n]) => [t, sign * n]))],
  );
  if (sign < 0) await tx.run('DELETE FROM memory_term_df WHERE df <= 0');
}

export interface Ranked {
  id: number;
  value: number;
}

/** Term frequencies of a text, and its length in indexed terms. */
export function analyze(text: string): { tf: Map<string, number>; length: number } {
  const tf = new Map<string, number>();
  let length = 0;
  for (const t of tokens(text)) {
    tf.set(t, (tf.get(t) ?? 0) + 1);
    length++;
  }
  return { tf, length };
}

async function addStats(tx: Queryable, docs: number, length: number): Promise<void> {
  if (docs === 0 && length === 0) return;
  const upsert = `INSERT INTO engram_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(value AS INTEGER) + ? AS TEXT)`;
  await tx.run(upsert, ['text_docs', String(docs), docs]);
  await tx.run(upsert, ['text_terms', String(length), length]);
}

/** Indexes memories (their `text_len` is already stored); one statement for the whole batch. */
export async function indexTexts(tx: Queryable, docs: readonly { id: number; text: string }[]): Promise<void> {
  const rows: [string, number, number][] = [];
  const df = new Map<string, number>();
  let total = 0;
  for (const doc of docs) {
    const { tf, length } = analyze(doc.text);
    total += length;
    for (const [term, n] of tf) {
      rows.push([term, doc.id, n]);
      df.set(term, (df.get(term) ?? 0) + 1);
    }
  }
  if (rows.length > 0) {
    await tx.run(
      `INSERT INTO memory_terms (term, memory_id, tf) SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]') FROM json_each(?)`,
      [JSON.stringify(rows)],
    );
  }
  await addDf(tx, df, 1);
  await addStats(tx, docs.length, total);
}

/** Removes memories from the index; call before their rows are deleted or their text changes. */
export async function unindexTexts(tx: Queryable, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  const list = JSON.stringify(ids);
  const stats = await tx.get<{ n: number; len: number | null }>(
    'SELECT count(*) AS n, sum(text_len) AS len FROM memories WHERE id IN (SELECT value FROM json_each(?))',
    [list],
  );
  const gone = await tx.all<{ term: string; n: number }>(
    'SELECT t.term AS term, count(*) AS n FROM json_each(?) j CROSS JOIN memory_terms t ON t.memory_id = j.value GROUP BY t.term',
    [list],
  );
  await addDf(tx, new Map(gone.map((r) => [r.term, Number(r.n)])), -1);
  await tx.run('DELETE FROM memory_terms WHERE memory_id IN (SELECT value FROM json_each(?))', [list]);
  await addStats(tx, -Number(stats?.n ?? 0), -Number(stats?.len ?? 0));
}

/** BM25 over the term table, with the filter `where` (over alias m) applied before the cut. */
export async function searchTermIndex(
  db: Queryable,
  terms: readonly string[],
  where: string,
  params: readonly SqlValue[],
  limit: number,
): Promise<Ranked[]> {
  if (terms.length === 0) return [];
  const termList = JSON.stringify(terms);
  const dfRows = await db.all<{ term: string; df: number; docs: string | null; terms: string | null }>(
    `SELECT d.term AS term, d.df AS df,
            (SELECT value FROM engram_meta WHERE key = 'text_docs') AS docs,
            (SELECT value FROM engram_meta WHERE key = 'text_terms') AS terms
       FROM json_each(?) q CROSS JOIN memory_term_df d ON d.term = q.value`,
    [termList],
  );
  if (dfRows.length === 0) return [];
  const docs = Math.max(1, Number(dfRows[0]!.docs ?? 1));
  const avgLength = Math.max(1, Number(dfRows[0]!.terms ?? docs) / docs);
  // Terms in most memories cost the most postings and separate nothing: skip them if others remain.
  const rare = dfRows.filter((r) => Number(r.df) <= docs * COMMON_TERM_SHARE);
  const weighted = (rare.length > 0 ? rare : dfRows).map((r) => [r.term, Math.log(1 + (docs - Number(r.df) + 0.5) / (Number(r.df) + 0.5))]);
  const rows = await db.all<{ id: number; score: number }>(
    `SELECT t.memory_id AS id, sum(q.w * t.tf * ${K1 + 1} / (t.tf + ${K1} * (${1 - B} + ${B} * m.text_len / ?2))) AS score
       FROM (SELECT json_extract(value, '$[0]') AS term, json_extract(value, '$[1]') AS w FROM json_each(?1)) q
       CROSS JOIN memory_terms t ON t.term = q.term
       JOIN memories m ON m.id = t.memory_id
      WHERE ${where}
      GROUP BY t.memory_id ORDER BY score DESC LIMIT ${limit}`,
    [JSON.stringify(weighted), avgLength, ...params],
  );
  return rows.map((r) => ({ id: Number(r.id), value: Number(r.score) }));
}

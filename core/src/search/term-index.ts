/**
 * Engram's own full-text index, for engines whose built-in one does not suit a store written
 * one row at a time: a postings table (term, document, term frequency) and a document-frequency
 * table, written in the same transaction as the documents, with BM25 ranking in SQL. A document
 * can have several weighted fields: a term's frequency is the weighted sum over them and the
 * length is their plain total, as SQLite FTS5's bm25() does with column weights. Used on
 * Turso, whose `USING fts` index (0.7.2) rewrites itself on every statement: a single-row
 * insert costs about 10 ms and grows with the index (measured here; upstream
 * tursodatabase/turso#8170). SQLite keeps its own FTS5 index (see the sqlite driver).
 *
 * One `TermIndex` per indexed table: memories, file chunks, ... The table must have integer
 * `id` and `text_len` (indexed terms, all fields) columns; its rows are aliased `m` in filter SQL.
 */
import type { Queryable, SqlValue, TextFields } from '../drivers/types.js';
import { stem, tokens } from './search-terms.js';
import type { Analysis, Ranked, TextDoc, TextIndex } from './text-index.js';
import { tableNames } from '../schema/meta.js';
import { insertRows } from '../util/insert-rows.js';

const K1 = 1.2;
const B = 0.75;
/**
 * Above this share of all documents a term ranks little apart and costs the most postings, so
 * it is skipped when rarer terms remain; only on indexes big enough for that cost to matter.
 */
const COMMON_TERM_SHARE = 0.5;
const COMMON_TERM_MIN_DOCS = 1000;

function analyze(doc: object, fields: TextFields): Analysis {
  const tf = new Map<string, number>();
  let length = 0;
  for (const [field, weight] of Object.entries(fields)) {
    const text = (doc as Record<string, unknown>)[field];
    if (typeof text !== 'string') continue;
    for (const t of tokens(text)) {
      tf.set(t, (tf.get(t) ?? 0) + weight);
      length++;
    }
  }
  return { tf, length };
}

export class TermIndex implements TextIndex {
  private readonly postings: string;
  private readonly df: string;
  private readonly docsKey: string;
  private readonly termsKey: string;

  /**
   * `table` is the indexed table, `fields` its indexed columns with their weights; the index
   * tables are `<table>_terms` and `<table>_term_df`.
   */
  constructor(
    readonly table: string,
    readonly fields: TextFields = { text: 1 },
  ) {
    this.postings = `${table}_terms`;
    this.df = `${table}_term_df`;
    this.docsKey = `${table}_text_docs`;
    this.termsKey = `${table}_text_terms`;
  }

  ddl(): string[] {
    return [
      // tf is the weighted frequency: REAL where a field's weight is fractional
      `CREATE TABLE IF NOT EXISTS ${this.postings} (term TEXT NOT NULL, doc_id INTEGER NOT NULL, tf INTEGER NOT NULL)`,
      // covering: a term's postings with their frequencies come straight from the index
      `CREATE INDEX IF NOT EXISTS ${this.postings}_term ON ${this.postings} (term, doc_id, tf)`,
      `CREATE INDEX IF NOT EXISTS ${this.postings}_doc ON ${this.postings} (doc_id)`,
      // document frequency per term, so ranking never counts postings
      `CREATE TABLE IF NOT EXISTS ${this.df} (term TEXT PRIMARY KEY, df INTEGER NOT NULL)`,
    ];
  }

  private async addDf(tx: Queryable, terms: Map<string, number>, sign: 1 | -1): Promise<void> {
    if (terms.size === 0) return;
    await insertRows(
      tx,
      `INSERT INTO ${this.df} (term, df)`,
      2,
      [...terms].map(([t, n]) => [t, sign * n]),
      { tail: 'ON CONFLICT (term) DO UPDATE SET df = df + excluded.df' },
    );
    // Only the terms just counted down can have reached 0 (a whole-table scan per removal otherwise).
    if (sign < 0) {
      await tx.run(`DELETE FROM ${this.df} WHERE term IN (SELECT CAST(value AS TEXT) FROM json_each(?)) AND df <= 0`, [
        JSON.stringify([...terms.keys()]),
      ]);
    }
  }

  private async addStats(tx: Queryable, docs: number, length: number): Promise<void> {
    if (docs === 0 && length === 0) return;
    // One statement for both counts: a new key takes the delta, an existing one adds it.
    await tx.run(
      `INSERT INTO engram_meta (key, value) VALUES (?, ?), (?, ?)
         ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(value AS INTEGER) + CAST(excluded.value AS INTEGER) AS TEXT)`,
      [this.docsKey, String(docs), this.termsKey, String(length)],
    );
  }

  /** A document's terms and its length (its `text_len` column), to hand to add() with it. */
  analyze(doc: object): Analysis {
    return analyze(doc, this.fields);
  }

  /** Indexes documents (their `text_len` already stored), many postings per statement. */
  async add(tx: Queryable, docs: readonly TextDoc[]): Promise<void> {
    const rows: [string, number, number][] = [];
    const df = new Map<string, number>();
    let total = 0;
    for (const doc of docs) {
      const { tf, length } = doc.analysis ?? analyze(doc, this.fields);
      total += length;
      for (const [term, n] of tf) {
        rows.push([term, doc.id, n]);
        df.set(term, (df.get(term) ?? 0) + 1);
      }
    }
    // Many rows per statement: on Turso a posting costs about 9 us so, 12 us through json_each.
    await insertRows(tx, `INSERT INTO ${this.postings} (term, doc_id, tf)`, 3, rows);
    await this.addDf(tx, df, 1);
    await this.addStats(tx, docs.length, total);
  }

  /** Removes documents from the index; call before their rows are deleted or their text changes. */
  async remove(tx: Queryable, ids: readonly number[]): Promise<void> {
    if (ids.length === 0) return;
    const list = JSON.stringify(ids);
    const stats = await tx.get<{ n: number; len: number | null }>(
      `SELECT count(*) AS n, sum(text_len) AS len FROM ${this.table} WHERE id IN (SELECT value FROM json_each(?))`,
      [list],
    );
    const gone = await tx.all<{ term: string; n: number }>(
      `SELECT t.term AS term, count(*) AS n FROM json_each(?) j CROSS JOIN ${this.postings} t ON t.doc_id = j.value GROUP BY t.term`,
      [list],
    );
    await this.addDf(tx, new Map(gone.map((r) => [r.term, Number(r.n)])), -1);
    await tx.run(`DELETE FROM ${this.postings} WHERE doc_id IN (SELECT value FROM json_each(?))`, [list]);
    await this.addStats(tx, -Number(stats?.n ?? 0), -Number(stats?.len ?? 0));
  }

  /**
   * Re-indexes every row of the table from scratch (after a change of fields or weights);
   * nothing to do when no row has any of the `changed` fields.
   */
  async rebuild(tx: Queryable, changed?: readonly string[], batchSize = 500): Promise<void> {
    if (
      changed &&
      !(await tx.get(`SELECT 1 AS yes FROM ${this.table} WHERE ${changed.map((f) => `${f} IS NOT NULL`).join(' OR ')} LIMIT 1`))
    )
      return;
    await tx.run(`DELETE FROM ${this.postings}`);
    await tx.run(`DELETE FROM ${this.df}`);
    await tx.run('DELETE FROM engram_meta WHERE key IN (?, ?)', [this.docsKey, this.termsKey]);
    const columns = Object.keys(this.fields).join(', ');
    for (let after = -1; ;) {
      const rows = await tx.all<TextDoc>(`SELECT id, ${columns} FROM ${this.table} WHERE id > ? ORDER BY id LIMIT ${batchSize}`, [after]);
      if (rows.length === 0) return;
      const docs = rows.map((r) => ({ ...r, id: Number(r.id) }));
      await this.add(tx, docs);
      after = docs.at(-1)!.id;
    }
  }

  /**
  /**
   * Puts the index right after rows changed under it (a sync pull): drops postings of
   * documents another replica deleted, re-indexes documents that two replicas indexed at once (their postings repeat a term: both changed the
   * same row's text), recounts the document frequencies from the postings, and sets the totals
   * from the rows. The full pass (a scan of every posting) runs only when the cheap check,
   * postings against the sum of the counts, says they disagree. Returns the terms corrected.
   */
  async reconcile(tx: Queryable, tables?: Set<string>): Promise<number> {
    const docs = this.table;
    const postings = this.postings;
    const df = this.df;
    const known = tables ?? (await tableNames(tx));
    if (!known.has(postings) || !known.has(df)) return 0;
    const totals = await tx.get<{ n: number; len: number | null }>(`SELECT count(*) AS n, sum(text_len) AS len FROM ${docs}`);
    const set = `INSERT INTO engram_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value WHERE value <> excluded.value`;
    await tx.run(set, [this.docsKey, String(Number(totals?.n ?? 0))]);
    await tx.run(set, [this.termsKey, String(Number(totals?.len ?? 0))]);
    const check = await tx.get<{ postings: number; counted: number | null }>(
      `SELECT (SELECT count(*) FROM ${postings}) AS postings, (SELECT sum(df) FROM ${df}) AS counted`,
    );
    if (Number(check?.postings ?? 0) === Number(check?.counted ?? 0)) return 0;
    await tx.run(`DELETE FROM ${postings} WHERE NOT EXISTS (SELECT 1 FROM ${docs} p WHERE p.id = ${postings}.doc_id)`);
    const twice = await tx.all<{ id: number }>(
      `SELECT DISTINCT doc_id AS id FROM (SELECT doc_id FROM ${postings} GROUP BY term, doc_id HAVING count(*) > 1)`,
    );
    if (twice.length > 0) {
      const ids = JSON.stringify(twice.map((r) => Number(r.id)));
      await tx.run(`DELETE FROM ${postings} WHERE doc_id IN (SELECT value FROM json_each(?))`, [ids]);
      const columns = Object.keys(this.fields).join(', ');
      const rows = await tx.all<{ id: number }>(`SELECT id, ${columns} FROM ${docs} WHERE id IN (SELECT value FROM json_each(?))`, [ids]);
      // The counts are rebuilt below from the postings; the totals above come from the rows.
      await tx.run(
        `INSERT INTO ${postings} (term, doc_id, tf) SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]') FROM json_each(?)`,
        [JSON.stringify(rows.flatMap((r) => [...this.analyze(r).tf].map(([term, tf]) => [term, Number(r.id), tf])))],
      );
    }
    const fixed = await tx.run(
      `INSERT INTO ${df} (term, df)
         SELECT c.term, c.n FROM (SELECT term, count(*) AS n FROM ${postings} GROUP BY term) c
          WHERE NOT EXISTS (SELECT 1 FROM ${df} d WHERE d.term = c.term AND d.df = c.n)
         ON CONFLICT (term) DO UPDATE SET df = excluded.df`,
    );
    const dropped = await tx.run(`DELETE FROM ${df} WHERE NOT EXISTS (SELECT 1 FROM ${postings} t WHERE t.term = ${df}.term)`);
    return fixed.changes + dropped.changes;
  }

  /** BM25 over the index, with `where` (SQL over alias m, the docs table) applied before the cut. */
  async search(db: Queryable, words: readonly string[], where: string, params: readonly SqlValue[], limit: number): Promise<Ranked[]> {
    const terms = [...new Set(words.map(stem))];
    if (terms.length === 0) return [];
    const dfRows = await db.all<{ term: string; df: number; docs: string | null; terms: string | null }>(
      `SELECT d.term AS term, d.df AS df,
              (SELECT value FROM engram_meta WHERE key = ?2) AS docs,
              (SELECT value FROM engram_meta WHERE key = ?3) AS terms
         FROM json_each(?1) q CROSS JOIN ${this.df} d ON d.term = CAST(q.value AS TEXT)`,
      [JSON.stringify(terms), this.docsKey, this.termsKey],
    );
    if (dfRows.length === 0) return [];
    const docs = Math.max(1, Number(dfRows[0]!.docs ?? 1));
    const avgLength = Math.max(1, Number(dfRows[0]!.terms ?? docs) / docs);
    // Terms in most documents cost the most postings and separate nothing: skip them if others remain.
    const rare = docs < COMMON_TERM_MIN_DOCS ? dfRows : dfRows.filter((r) => Number(r.df) <= docs * COMMON_TERM_SHARE);
    const weighted = (rare.length > 0 ? rare : dfRows).map((r) => [
      r.term,
      Math.log(1 + (docs - Number(r.df) + 0.5) / (Number(r.df) + 0.5)),
    ]);
    const rows = await db.all<{ id: number; score: number }>(
      `SELECT t.doc_id AS id, sum(q.w * t.tf * ${K1 + 1} / (t.tf + ${K1} * (${1 - B} + ${B} * m.text_len / ?2))) AS score
         FROM (SELECT CAST(json_extract(value, '$[0]') AS TEXT) AS term, json_extract(value, '$[1]') AS w FROM json_each(?1)) q
         CROSS JOIN ${this.postings} t ON t.term = q.term
         JOIN ${this.table} m ON m.id = t.doc_id
        WHERE ${where || '1'}
        GROUP BY t.doc_id ORDER BY score DESC LIMIT ${limit}`,
      [JSON.stringify(weighted), avgLength, ...params],
    );
    return rows.map((r) => ({ id: Number(r.id), value: Number(r.score) }));
  }
}

/**
 * Search over the agent's text files: passages ranked by the engine's exact cosine distance and
 * by BM25 (the text index the engine uses: search/text-indexes.ts), both restricted to the requested files
 * inside the ranking SQL, and fused by reciprocal rank in hybrid mode.
 */
import type { AgentState } from '../runtime/agent-state.js';
import type { SqlValue } from '../drivers/types.js';
import { EngramError, invalid } from '../util/errors.js';
import { rejectUnknownFields } from '../util/validate.js';
import { MAX_QUERY_CHARS, searchTerms } from '../search/search-terms.js';
import type { Ranked } from '../search/text-index.js';
import { textIndex } from '../search/text-indexes.js';
import { globMatcher } from './glob.js';
import { baseName, normalizePath, relativeTo, ROOT, subtreeRange } from './paths.js';
import { FILE_TEXT } from './schema.js';
import type { FileSearchOptions, FileSearchResult } from './types.js';

const OPTION_FIELDS = ['limit', 'mode', 'path', 'glob', 'minScore'];
/** Reciprocal-rank constant: a list's item at rank r counts 1 / (RRF_K + r). */
const RRF_K = 60;

export interface CheckedSearch {
  query: string;
  limit: number;
  mode: 'hybrid' | 'vector' | 'text';
  path: string;
  glob: string | undefined;
  minScore: number | undefined;
}

export function checkSearch(query: unknown, options: FileSearchOptions): CheckedSearch {
  if (typeof query !== 'string' || query.trim().length === 0) throw invalid('search needs a non-empty query string');
  if (query.length > MAX_QUERY_CHARS) throw new EngramError('LIMIT_EXCEEDED', `search query is longer than ${MAX_QUERY_CHARS} characters`);
  if (typeof options !== 'object' || options === null) throw invalid('search options must be an object');
  rejectUnknownFields(options, OPTION_FIELDS, 'files.search');
  const { limit = 10, mode = 'hybrid', minScore } = options;
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw invalid('limit must be an integer from 1 to 100');
  if (mode !== 'hybrid' && mode !== 'vector' && mode !== 'text') throw invalid('mode must be "hybrid", "vector" or "text"');
  if (minScore !== undefined && (typeof minScore !== 'number' || !Number.isFinite(minScore)))
    throw invalid('minScore must be a finite number');
  const path = options.path === undefined ? ROOT : normalizePath(options.path, 'search path');
  if (options.glob !== undefined) globMatcher(options.glob);
  return { query, limit, mode, path, glob: options.glob, minScore };
}

/**
 * The text files in scope as a JSON list of ids (undefined: every file), or null when none
 * match. Ids, not a subquery: the vector scan is then driven by them through file_chunks' index.
 */
async function scope(state: AgentState, path: string, glob: string | undefined): Promise<string | undefined | null> {
  if (glob === undefined && path === ROOT) return undefined;
  const matches = glob === undefined ? () => true : globMatcher(glob);
  const [low, high] = subtreeRange(path);
  const rows = await state.conn.all<{ id: number; path: string }>(
    `SELECT id, path FROM files WHERE is_text = 1 AND (path = ? OR (path >= ? AND path < ?))`,
    [path, low, high],
  );
  const ids = rows.filter((r) => matches(r.path === path ? baseName(r.path) : relativeTo(r.path, path))).map((r) => Number(r.id));
  return ids.length === 0 ? null : JSON.stringify(ids);
}

/** Exact cosine ranking by the engine: over every vector, or over the scoped files' chunks only. */
async function vectorRanked(state: AgentState, query: Buffer, k: number, fileIds: string | undefined): Promise<Ranked[]> {
  const distance = state.conn.dialect.cosineDistance('v.embedding', '?1');
  const from =
    fileIds === undefined
      ? 'file_chunk_vectors v'
      : 'json_each(?2) j CROSS JOIN file_chunks m ON m.file_id = j.value JOIN file_chunk_vectors v ON v.chunk_id = m.id';
  const rows = await state.conn.all<{ id: number; d: number }>(
    `SELECT v.chunk_id AS id, ${distance} AS d FROM ${from} ORDER BY d LIMIT ${k}`,
    fileIds === undefined ? [query] : [query, fileIds],
  );
  return rows.map((r) => ({ id: Number(r.id), value: 1 - Number(r.d) }));
}

async function textRanked(state: AgentState, terms: string[], k: number, fileIds: string | undefined): Promise<Ranked[]> {
  const where = fileIds === undefined ? '' : 'm.file_id IN (SELECT value FROM json_each(?))';
  const params: SqlValue[] = fileIds === undefined ? [] : [fileIds];
  return textIndex(state.conn.dialect, FILE_TEXT).search(state.conn, terms, where, params, k);
}

/** 1-based ranks of a best-first list, equal values sharing the better rank. */
function tiedRanks(list: readonly Ranked[]): number[] {
  const out: number[] = [];
  list.forEach((r, i) => out.push(i > 0 && r.value === list[i - 1]!.value ? out[i - 1]! : i + 1));
  return out;
}

/** Runs a checked search; `queryVector` is the embedded query (undefined in text mode). */
export async function searchFiles(state: AgentState, s: CheckedSearch, queryVector: Buffer | undefined): Promise<FileSearchResult[]> {
  const fileIds = await scope(state, s.path, s.glob);
  if (fileIds === null) return [];
  // Hybrid fusion needs more than `limit` from each list to reorder them.
  const pool = s.mode === 'hybrid' ? Math.max(s.limit * 3, 30) : s.limit;
  const vector = queryVector ? await vectorRanked(state, queryVector, pool, fileIds) : [];
  const text = s.mode === 'vector' ? [] : await textRanked(state, searchTerms(s.query), pool, fileIds);

  const parts = new Map<number, FileSearchResult['parts']>();
  const partsOf = (id: number) => parts.get(id) ?? parts.set(id, {}).get(id)!;
  // Equal values share a rank (the engine's order among them is arbitrary), so ties stay ties.
  const vectorRanks = tiedRanks(vector);
  const textRanks = tiedRanks(text);
  vector.forEach((r, i) => (partsOf(r.id).vector = { similarity: r.value, rank: vectorRanks[i]! }));
  text.forEach((r, i) => (partsOf(r.id).text = { bm25: r.value, rank: textRanks[i]! }));
  const scoreOf = (p: FileSearchResult['parts']): number => {
    if (s.mode === 'vector') return p.vector!.similarity;
    if (s.mode === 'text') return p.text!.bm25;
    const rrf = (rank: number | undefined) => (rank === undefined ? 0 : 1 / (RRF_K + rank));
    // Scaled so that first in both lists scores 1.
    p.fused = ((rrf(p.vector?.rank) + rrf(p.text?.rank)) * (RRF_K + 1)) / 2;
    return p.fused;
  };
  const scored = [...parts]
    .map(([id, p]) => ({ id, p, score: scoreOf(p) }))
    .filter((r) => s.minScore === undefined || r.score >= s.minScore);
  if (scored.length === 0) return [];
  // Passages are read for every scored id, so ties can go by path and line: chunk ids are
  // minted (util/ids.ts) and say nothing about order.
  const rows = await state.conn.all<{ id: number; path: string; start_line: number; end_line: number; text: string }>(
    `SELECT m.id AS id, f.path AS path, m.start_line AS start_line, m.end_line AS end_line, m.text AS text
       FROM json_each(?) j CROSS JOIN file_chunks m ON m.id = j.value JOIN files f ON f.id = m.file_id`,
    [JSON.stringify(scored.map((r) => r.id))],
  );
  const byId = new Map(rows.map((r) => [Number(r.id), r]));
  const place = (id: number) => byId.get(id);
  const byPath = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  scored.sort((a, b) => {
    const [x, y] = [place(a.id), place(b.id)];
    return (
      b.score - a.score || byPath(x?.path ?? '', y?.path ?? '') || Number(x?.start_line ?? 0) - Number(y?.start_line ?? 0) || a.id - b.id
    );
  });
  const top = scored.slice(0, s.limit);
  return top.flatMap(({ id, p, score }) => {
    const row = byId.get(id);
    return row
      ? [{ path: row.path, startLine: Number(row.start_line), endLine: Number(row.end_line), text: row.text, score, parts: p }]
      : [];
  });
}

/**
 * Recall: the engine's cosine distance and the engine's full-text index, each filtered in SQL
 * before its top-k cut, fused by reciprocal rank, optionally blended with recency and
 * importance. Large agents get a first pass over compact codes (vector-index.ts) whose few hundred
 * candidates the engine then ranks exactly.
 */
import { statSync } from 'node:fs';
import type { AgentRuntime, AgentState } from '../runtime/agent-state.js';
import type { Queryable, SqlValue } from '../drivers/types.js';
import { EngramError, invalid } from '../util/errors.js';
import { normalizeVector, validateVectors } from '../embedders/validate.js';
import { vectorToBlob } from '../search/vectors.js';
import { rejectUnknownFields } from '../util/validate.js';
import { FILTER_FIELDS, filterSql, isNarrowing } from './filter.js';
import {
  INDEX_MIN_VECTORS,
  buildInMemory,
  countCurrent,
  loadStored,
  parseHeader,
  readHeader,
  rebuildStored,
  StoredIndexDamaged,
  type StoredVectorIndex,
} from '../search/vector-index-store.js';
import { MEMORY_COLUMNS, rowToMemory, type MemoryRow } from './rows.js';
import { MAX_QUERY_CHARS, searchTerms } from '../search/search-terms.js';
import type { Ranked } from '../search/text-index.js';
import { textIndex } from '../search/text-indexes.js';
import { MEMORY_TEXT } from './text-index.js';
import { toEpochMs } from '../util/time.js';
import { inHint, timeHints } from './time-hints.js';
import type { RecallOptions, RecallResult, ScoreParts } from './types.js';
import { vectorCache } from '../search/vector-cache.js';
import { smallVectors } from '../search/small-vectors.js';

const RECALL_FIELDS = [
  ...FILTER_FIELDS,
  'limit',
  'mode',
  'minScore',
  'weights',
  'recencyHalfLifeDays',
  'fusion',
  'queryVector',
  'prefer',
  'timeHints',
];
export { INDEX_MIN_VECTORS };
/** Filtered recalls with at most this many eligible memories are ranked exactly, all of them. */
const EXACT_MAX_ELIGIBLE = 2048;
/**
 * Reciprocal-rank fusion defaults: k 10 (not the classic 60) so agreement near the top counts,
 * and the vector list at half the weight of the text list, since the default embedder (averaged
 * word vectors) is the weaker retriever. On the LoCoMo dev half (evals/) this moved hybrid
 * recall@10 from 0.616 (k 60, equal weights) to 0.716. With a strong embedder, pass
 * `fusion: { vector: 1 }`.
 */
export const DEFAULT_FUSION = { k: 10, text: 1, vector: 0.5 } as const;
/**
 * What a candidate valid at a time the query names gains (scaled like `prefer`). On the LoCoMo
 * dev half it lifted hybrid recall@10 by about one point (questions naming a month or a date).
 */
const TIME_HINT_WEIGHT = 0.3;
const DAY_MS = 86_400_000;

/**
 * How many first-pass candidates the exact rerank sees. Measured (core/bench): 200 give
 * recall@10 >= 0.99 at 10k vectors; the count needed grows with the agent, about 0.8% of it.
 */
export function firstPassSize(k: number, vectors: number): number {
  return Math.max(k * 20, 200, Math.ceil(vectors * 0.008));
}

/**
 * How many of those the engine re-ranks exactly, after the codes are scored against the query
 * itself (BinaryVectorIndex.nearest). Measured on the bench's 384-dim mixture: at 100k, 800 code
 * candidates cut to 300 kept recall@10 at 0.991-0.994 (0.999 with all 800) and took the engine's
 * rerank from 2.3-2.7 ms to 0.4-1.0 ms; at 1M, 8000 cut to 300 gave 0.893, to 1000 0.990, to
 * 2000 0.997 (first pass alone, 30 queries): about 0.2% of the agent.
 */
export function rerankSize(k: number, vectors = 0): number {
  return Math.max(k * 10, 300, Math.ceil(vectors * 0.002));
}

/** The version says whether a cached index is current, the header whether one is stored. */
const VERSION_SQL = `SELECT (SELECT value FROM engram_meta WHERE key = 'vectors_version') AS version, (SELECT value FROM engram_meta WHERE key = 'vector_index') AS header, NULL AS current`;
/**
 * The same for a handle that knows nothing yet, plus, only without a header, the current
 * memories counted (at most INDEX_MIN_VECTORS index entries): a small agent's first recall
 * needs no second statement. (Turso evaluates the count even with a header: 260 us against 8 us for the plain form, so warm handles use that.)
 */
const FIRST_VERSION_SQL = `SELECT (SELECT value FROM engram_meta WHERE key = 'vectors_version') AS version, h.value AS header,
  CASE WHEN h.value IS NULL THEN (SELECT count(*) FROM (SELECT 1 FROM memories WHERE valid_to IS NULL LIMIT ${INDEX_MIN_VECTORS})) END AS current
  FROM (SELECT (SELECT value FROM engram_meta WHERE key = 'vector_index') AS value) h`;
type VersionRow = { version: string | null; header: string | null; current: number | null };

/**
 * Whether the agent's files, as they are now, are too small to hold INDEX_MIN_VECTORS stored
 * vectors (each a float32 BLOB of `dims` values): then it is small and recall scans it exactly,
 * with no statement needed to find that out on a handle that knows nothing yet (on a fresh
 * Turso handle that statement costs about 0.3 ms, most of it preparing). The files include
 * every committed write, this process's and others'; the version recorded with it is the
 * handle's last known one (at open or its own last write), never newer than what was measured,
 * so the next recall's version check sees any change since. An exact scan is right at any size.
 */
function smallByFileSize(state: AgentState, dims: number): boolean {
  if (state.sync || state.meta.vectors_version === undefined) return false;
  let bytes = 0;
  try {
    for (const path of [state.conn.path, `${state.conn.path}-wal`]) bytes += statSync(path, { throwIfNoEntry: false })?.size ?? 0;
  } catch {
    return false; // cannot tell: ask the database
  }
  return bytes > 0 && bytes < INDEX_MIN_VECTORS * dims * 4;
}

/**
 * The first-pass index of a large agent: the cached one if current, else loaded from the
 * agent's tables (only what changed since the cached copy), else rebuilt from the vectors and
 * stored (in memory only where the database cannot be written).
 */
async function loadIndex(state: AgentState, dims: number): Promise<StoredVectorIndex | undefined> {
  const conn = state.conn;
  const cache = vectorCache(state);
  const known = cache.index !== undefined || cache.smallAtVersion !== undefined;
  if (!known && smallByFileSize(state, dims)) {
    cache.smallAtVersion = String(state.meta.vectors_version);
    return undefined;
  }
  const row = await conn.get<VersionRow>(known ? VERSION_SQL : FIRST_VERSION_SQL);
  const version = String(row?.version ?? '0');
  if (cache.index && cache.index.version === version) return cache.index;
  if (cache.smallAtVersion === version) return undefined;
  const fromTables = async (headerText: string | null | undefined, at: string) => {
    const header = parseHeader(headerText);
    if (!header || header.v !== at || header.dims !== dims) return undefined;
    let index: StoredVectorIndex | undefined;
    try {
      index = await loadStored(conn, header, cache.index);
    } catch (err) {
      if (!(err instanceof StoredIndexDamaged)) throw err;
      cache.index = undefined;
      // Damaged: rebuilt below, as a stale index is. The header goes so the rebuild is not skipped.
      await conn.transaction((tx) => tx.run(`DELETE FROM engram_meta WHERE key = 'vector_index'`)).catch(() => undefined);
      return undefined;
    }
    if (!index) return undefined;
    // Blocks and tail are read by two statements: if a writer came between, reload next time.
    const again = await conn.get<VersionRow>(VERSION_SQL);
    if (String(again?.version ?? '0') !== at) index.version = '';
    return index;
  };
  // A synced agent's index is never stored (see memories' writeVectors): built in memory.
  let index = state.sync ? undefined : await fromTables(row?.header, version);
  if (!index) {
    const current = row?.current ?? (await countCurrent(conn, INDEX_MIN_VECTORS));
    if (Number(current) < INDEX_MIN_VECTORS) {
      cache.index = undefined;
      cache.smallAtVersion = version;
      return undefined;
    }
    // Missing or stale (an older Engram or a merge changed the vectors): store it anew.
    if (!state.sync) {
      try {
        await conn.transaction(async (tx) => {
          const at = String((await tx.get<{ value: string }>(`SELECT value FROM engram_meta WHERE key = 'vectors_version'`))?.value ?? '0');
          const header = await readHeader(tx);
          if (!header || header.v !== at || header.dims !== dims) await rebuildStored(tx, conn.dialect.blob, dims, at, header);
        });
        const now = await conn.get<VersionRow>(VERSION_SQL);
        index = await fromTables(now?.header, String(now?.version ?? '0'));
      } catch {
        index = undefined; // read-only or busy: an index in memory serves this handle
      }
    }
    index ??= await buildInMemory(conn, dims, version);
  }
  cache.index = index;
  return index;
}

/**
 * Ranked vector candidates. `fetched` receives the memory rows the query read anyway: a small
 * agent's exact scan joins them, so recall need not read them again (one statement less on a
 * freshly opened handle, where each statement is prepared anew).
 */
async function vectorCandidates(
  state: AgentState,
  rt: AgentRuntime,
  query: Float32Array,
  k: number,
  where: string,
  params: SqlValue[],
  narrowing: boolean,
  now: number,
  fetched: Map<number, MemoryRow>,
): Promise<Ranked[]> {
  const { conn } = state;
  const blob = vectorToBlob(query);
  const distance = conn.dialect.cosineDistance('v.embedding', '?1');
  const rerank = async (ids: number[]) =>
    conn.all<{ id: number; d: number }>(
      `SELECT v.memory_id AS id, ${distance} AS d FROM json_each(?2) j CROSS JOIN memory_vectors v ON v.memory_id = j.value ORDER BY d LIMIT ${k}`,
      [blob, JSON.stringify(ids)],
    );
  const index = await loadIndex(state, rt.embedder.dims);
  let rows: { id: number; d: number }[];
  if (!index) {
    // A small agent: its vectors in memory pick the few rows the engine ranks (small-vectors.ts).
    const version = vectorCache(state).smallAtVersion;
    const small =
      narrowing || version === undefined || !conn.dialect.vectorsInMemory
        ? undefined
        : await smallVectors(state, rt.embedder.dims, version);
    const picked = small?.candidates(query, k, now);
    // The rows come with their ranks (only the few picked are sorted): recall need not read them again.
    const ranked =
      picked === undefined || picked.length === 0
        ? []
        : await conn.all<MemoryRow & { d: number }>(
            `SELECT ${MEMORY_COLUMNS}, ${distance} AS d FROM json_each(?2) j CROSS JOIN memory_vectors v ON v.memory_id = j.value JOIN memories m ON m.id = v.memory_id WHERE ${where} ORDER BY d LIMIT ${k}`,
            [blob, JSON.stringify(picked), ...params],
          );
    for (const r of ranked) fetched.set(Number(r.id), r);
    rows = ranked.map((r) => ({ id: Number(r.id), d: r.d }));
    // No vectors in memory yet (a handle's first recall), or fewer rows than the candidates
    // promised (a row the handle did not know of): the engine's full scan decides, and returns
    // the memory rows it joins anyway so that recall need not read them again.
    if (picked === undefined || rows.length < Math.min(k, picked.length)) {
      const full = await conn.all<MemoryRow & { d: number }>(
        // The nearest k by id and distance first, then their rows: a sort carrying every
        // column of every row costs Turso about 1 ms more at 1k memories.
        `SELECT ${MEMORY_COLUMNS}, t.d AS d FROM (SELECT v.memory_id AS id, ${distance} AS d FROM memory_vectors v JOIN memories m ON m.id = v.memory_id WHERE ${where} ORDER BY d LIMIT ${k}) t JOIN memories m ON m.id = t.id ORDER BY t.d, t.id`,
        [blob, ...params],
      );
      for (const r of full) fetched.set(Number(r.id), r);
      rows = full.map((r) => ({ id: Number(r.id), d: r.d }));
    }
  } else if (!narrowing) {
    rows = await rerank(index.nearest(query, firstPassSize(k, index.size), rerankSize(k, index.size), now));
  } else {
    const eligible = (await conn.all<{ id: number }>(`SELECT m.id AS id FROM memories m WHERE ${where}`, params)).map((r) => Number(r.id));
    if (eligible.length <= EXACT_MAX_ELIGIBLE) rows = eligible.length === 0 ? [] : await rerank(eligible);
    else rows = await rerank(index.nearest(query, firstPassSize(k, index.size), rerankSize(k, index.size), now, new Set(eligible)));
  }
  return rows.map((r) => ({ id: Number(r.id), value: 1 - Number(r.d) }));
}

async function textCandidates(state: AgentState, terms: string[], k: number, where: string, params: SqlValue[]): Promise<Ranked[]> {
  return textIndex(state.conn.dialect, MEMORY_TEXT).search(state.conn, terms, where, params, k);
}

/** SQL for recall's `prefer` soft filter, and its weight (default 0.2, in 0..1). */
function preferSql(prefer: RecallOptions['prefer'], now: number) {
  if (prefer === undefined) return undefined;
  if (typeof prefer !== 'object' || prefer === null) throw invalid('prefer must be a memory filter, optionally with a weight');
  const { weight = 0.2, ...filter } = prefer;
  if (typeof weight !== 'number' || !(weight > 0 && weight <= 1)) throw invalid('prefer.weight must be a number above 0 and at most 1');
  const built = filterSql({ includeSuperseded: true, ...filter }, now);
  // Judged by the SQL, so { metadata: {} } (no condition: every candidate "preferred") is refused too.
  if (built.where === filterSql({ includeSuperseded: true }, now).where) throw invalid('prefer needs at least one filter condition');
  return { ...built, weight };
}

function checkOptions(options: RecallOptions) {
  rejectUnknownFields(options, RECALL_FIELDS, 'recall');
  const { limit = 10, mode = 'hybrid', minScore, weights = {}, recencyHalfLifeDays = 30 } = options;
  if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw invalid('limit must be an integer from 1 to 200');
  if (mode !== 'hybrid' && mode !== 'vector' && mode !== 'text') throw invalid('mode must be "hybrid", "vector" or "text"');
  if (minScore !== undefined && (typeof minScore !== 'number' || !Number.isFinite(minScore)))
    throw invalid('minScore must be a finite number');
  if (typeof weights !== 'object' || weights === null) throw invalid('weights must be { recency?, importance? }');
  rejectUnknownFields(weights, ['recency', 'importance'], 'recall weights');
  const wr = weights.recency ?? 0;
  const wi = weights.importance ?? 0;
  if (![wr, wi].every((w) => typeof w === 'number' && w >= 0 && w <= 1) || wr + wi >= 1) {
    throw invalid('weights.recency and weights.importance must be numbers from 0 to 1 whose sum is below 1');
  }
  if (typeof recencyHalfLifeDays !== 'number' || !(recencyHalfLifeDays > 0)) throw invalid('recencyHalfLifeDays must be a positive number');
  if (options.timeHints !== undefined && typeof options.timeHints !== 'boolean') throw invalid('timeHints must be true or false');
  const fusionInput = options.fusion ?? {};
  if (typeof fusionInput !== 'object' || fusionInput === null) throw invalid('fusion must be { k?, text?, vector? }');
  rejectUnknownFields(fusionInput, ['k', 'text', 'vector'], 'recall fusion');
  const fusion = { ...DEFAULT_FUSION, ...fusionInput };
  if (!(fusion.k >= 0) || !(fusion.text >= 0) || !(fusion.vector >= 0) || fusion.text + fusion.vector === 0) {
    throw invalid('fusion.k, fusion.text and fusion.vector must be non-negative numbers, text + vector above 0');
  }
  return { limit, mode, minScore, wr, wi, halfLifeMs: recencyHalfLifeDays * DAY_MS, fusion };
}

export async function recall(
  rt: AgentRuntime,
  query: string,
  options: RecallOptions,
  embed: (texts: string[]) => Promise<Float32Array[]>,
): Promise<RecallResult[]> {
  if (typeof options !== 'object' || options === null) throw invalid('recall options must be an object');
  const { limit, mode, minScore, wr, wi, halfLifeMs, fusion } = checkOptions(options);
  const {
    limit: _l,
    mode: _m,
    minScore: _s,
    weights: _w,
    recencyHalfLifeDays: _h,
    fusion: _f,
    queryVector: given,
    prefer,
    timeHints: useTimeHints = true,
    ...filter
  } = options;
  if (given !== undefined && mode === 'text') throw invalid('queryVector needs mode "vector" or "hybrid"');
  // With a query vector the text may be empty: the vector alone is the query.
  if (typeof query !== 'string' || (given === undefined && query.trim().length === 0))
    throw invalid('recall needs a non-empty query string');
  if (query.length > MAX_QUERY_CHARS) throw new EngramError('LIMIT_EXCEEDED', `recall query is longer than ${MAX_QUERY_CHARS} characters`);
  let ownVector: Float32Array | undefined;
  if (given !== undefined) {
    if (typeof given !== 'object' || given === null || typeof given.length !== 'number')
      throw invalid('queryVector must be an array of numbers');
    validateVectors([Array.from(given)], rt.embedder.dims, 'recall queryVector', 1);
    ownVector = normalizeVector(given, 'recall queryVector');
  }
  const now = Date.now();
  const { where, params } = filterSql(filter, now);
  const preference = preferSql(prefer, now);
  // Relative times ("last week") count back from the time travelled to, if any.
  const hints = useTimeHints ? timeHints(query, filter.asOf === undefined ? now : toEpochMs(filter.asOf, 'asOf')) : [];
  const narrowing = isNarrowing(filter);
  const weighted = wr > 0 || wi > 0;
  // Each retriever brings more than `limit` so fusion and weighting have room to reorder.
  const pool = mode === 'hybrid' || weighted ? Math.min(Math.max(limit * 3, 30), 300) : limit;
  const queryVector = mode === 'text' ? undefined : (ownVector ?? (await embed([query]))[0]!);
  const terms = mode === 'vector' ? [] : searchTerms(query);

  return rt.use(async (state) => {
    const fetched = new Map<number, MemoryRow>();
    const vector = queryVector ? await vectorCandidates(state, rt, queryVector, pool, where, params, narrowing, now, fetched) : [];
    const text = mode === 'vector' ? [] : await textCandidates(state, terms, pool, where, params);

    const parts = new Map<number, ScoreParts>();
    const partsOf = (id: number) => parts.get(id) ?? (parts.set(id, {}), parts.get(id)!);
    vector.forEach((r, i) => (partsOf(r.id).vector = { similarity: r.value, rank: i + 1 }));
    text.forEach((r, i) => (partsOf(r.id).text = { bm25: r.value, rank: i + 1 }));
    const maxBm25 = text.length > 0 ? Math.max(...text.map((r) => r.value)) : 1;
    const bestFused = (fusion.text + fusion.vector) / (fusion.k + 1);

    const scored = [...parts.entries()].map(([id, p]) => {
      let relevance: number;
      if (mode === 'vector') relevance = p.vector!.similarity;
      else if (mode === 'text') relevance = p.text!.bm25;
      else {
        p.fused =
          ((p.vector ? fusion.vector / (fusion.k + p.vector.rank) : 0) + (p.text ? fusion.text / (fusion.k + p.text.rank) : 0)) / bestFused;
        relevance = p.fused;
      }
      return { id, p, relevance };
    });
    if (scored.length === 0) return [];
    // Soft filters (prefer, time hints) add to relevance in its own scale: BM25's in text mode.
    const scale = mode === 'text' ? Math.max(...scored.map((x) => x.relevance)) : 1;
    if (preference) {
      // A soft filter: candidates matching it rank higher, the others stay.
      const preferred = await state.conn.all<{ id: number }>(
        `SELECT m.id AS id FROM json_each(?) j CROSS JOIN memories m ON m.id = j.value WHERE ${preference.where}`,
        [JSON.stringify(scored.map((x) => x.id)), ...preference.params],
      );
      const hit = new Set(preferred.map((r) => Number(r.id)));
      for (const x of scored) {
        if (!hit.has(x.id)) continue;
        x.p.preferred = true;
        x.relevance += preference.weight * scale;
      }
    }

    // Ranking needs a row's times and importance only for time hints and weights: then those few
    // columns are read for every candidate. Whole rows are read only for the candidates that can
    // make the cut (topResults), not for the 30-60 the retrievers bring.
    const keys =
      hints.length > 0 || weighted
        ? await rankKeys(
            state.conn,
            scored.map((s) => s.id),
            fetched,
          )
        : undefined;
    const ranked: Scored[] = [];
    for (const { id, p, relevance: base } of scored) {
      const row = keys?.get(id);
      if (keys && !row) continue;
      let relevance = base;
      const hint = row && hints.find((h) => inHint(h, Number(row.valid_from)));
      if (hint) {
        p.timeHint = hint.text;
        relevance += TIME_HINT_WEIGHT * scale;
      }
      let score = relevance;
      if (weighted && row) {
        const scaled = mode === 'vector' ? (relevance + 1) / 2 : mode === 'text' ? relevance / (maxBm25 || 1) : relevance;
        // Values on disk that are not numbers (hand edits) count as new and unimportant, never NaN.
        const age = now - Number(row.valid_from);
        const recency = Math.exp((-Math.LN2 * Math.max(0, Number.isNaN(age) ? 0 : age)) / halfLifeMs);
        const importance = Number(row.importance) || 0;
        if (wr > 0) p.recency = recency;
        if (wi > 0) p.importance = importance;
        score = (1 - wr - wi) * scaled + wr * recency + wi * importance;
      }
      if (minScore !== undefined && score < minScore) continue;
      ranked.push({ id, p, score });
    }
    return topResults(state.conn, ranked, limit, fetched);
  });
}

/** A candidate scored, before its row is read. */
interface Scored {
  id: number;
  p: ScoreParts;
  score: number;
}

type KeyRow = Pick<MemoryRow, 'id' | 'valid_from' | 'importance'>;

/** The columns ranking reads of each candidate (time hints, weights), by id; rows already `fetched` are not read again. */
async function rankKeys(conn: Queryable, ids: number[], fetched: Map<number, MemoryRow>): Promise<Map<number, KeyRow>> {
  const keys = new Map<number, KeyRow>();
  const missing: number[] = [];
  for (const id of ids) {
    const row = fetched.get(id);
    if (row) keys.set(id, row);
    else missing.push(id);
  }
  if (missing.length === 0) return keys;
  const rows = await conn.all<KeyRow>(
    `SELECT m.id, m.valid_from, m.importance FROM json_each(?) j CROSS JOIN memories m ON m.id = j.value`,
    [JSON.stringify(missing)],
  );
  for (const r of rows) keys.set(Number(r.id), r);
  return keys;
}

/**
 * The best `limit` of `ranked` as results, best first; ties go to the older memory (by its
 * time, then when it was stored, then the smaller id: ids are random, see ids.ts), so the same
 * data ranks the same in every run and on every replica. Only candidates scoring at least the
 * limit-th best score can be among them (ties included), so only their rows are read (or taken
 * from `known`, rows the vector scan already returned); a row gone meanwhile (deleted by another writer) makes room for the next candidate.
 */
async function topResults(conn: Queryable, ranked: Scored[], limit: number, known: Map<number, MemoryRow>): Promise<RecallResult[]> {
  const byScore = [...ranked].sort((a, b) => b.score - a.score);
  const rows = new Map(known);
  const gone = new Set<number>();
  for (;;) {
    const left = byScore.filter((c) => !gone.has(c.id));
    const cut = left.length > limit ? left[limit - 1]!.score : -Infinity;
    // A score that is not a number orders unpredictably: then every candidate is read.
    const contenders = Number.isNaN(cut) || left.some((c) => Number.isNaN(c.score)) ? left : left.filter((c) => c.score >= cut);
    const missing = contenders.filter((c) => !rows.has(c.id)).map((c) => c.id);
    if (missing.length > 0) {
      const read = await conn.all<MemoryRow>(`SELECT ${MEMORY_COLUMNS} FROM json_each(?) j CROSS JOIN memories m ON m.id = j.value`, [
        JSON.stringify(missing),
      ]);
      for (const r of read) rows.set(Number(r.id), r);
      const lost = missing.filter((id) => !rows.has(id));
      if (lost.length > 0) {
        for (const id of lost) gone.add(id);
        continue;
      }
    }
    const found = contenders.map((c) => ({ c, row: rows.get(c.id)! }));
    found.sort(
      (a, b) =>
        b.c.score - a.c.score ||
        Number(a.row.valid_from) - Number(b.row.valid_from) ||
        Number(a.row.created_at) - Number(b.row.created_at) ||
        a.c.id - b.c.id,
    );
    return found.slice(0, limit).map(({ c, row }) => ({ memory: rowToMemory(row), score: c.score, parts: c.p }));
  }
}

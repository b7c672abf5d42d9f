/**
 * `agent.memories`: remember, get, update, forget, list, history and recall. Owns the
 * `memories` and `memory_vectors` tables and all their SQL. Vectors are written in the same
 * transaction as their memory, together with the stored first-pass index
 * (vector-index-store.ts), and bump `vectors_version`, which keeps cached copies honest across
 * processes.
 */
import { randomUUID } from 'node:crypto';
import type { AgentRuntime, AgentState } from '../runtime/agent-state.js';
import type { Queryable, SqlValue } from '../drivers/types.js';
import { EngramError, invalid } from '../util/errors.js';
import { embedChecked, normalizeVector, validateVectors } from '../embedders/validate.js';
import { blobToVector, vectorBytes, vectorToBlob } from '../search/vectors.js';
import { rejectUnknownFields } from '../util/validate.js';
import { FILTER_FIELDS, filterSql, type MemoryFilter, selectsEverything } from './filter.js';
import { maintainStored, readHeader, rebuildStored, type VectorChanges } from '../search/vector-index-store.js';
import { recall } from './recall.js';
import { insertMemories, MEMORY_COLUMNS, rowToMemory, type MemoryRow } from './rows.js';
import { insertRows } from '../util/insert-rows.js';
import { mintId } from '../util/ids.js';
import {
  checkMemoryId,
  normalizeContext,
  normalizeRemember,
  normalizeText,
  patchColumns,
  searchText,
  type Normalized,
} from './normalize.js';
import { textIndex } from '../search/text-indexes.js';
import { dropVectorCache, vectorCache } from '../search/vector-cache.js';
import { followWrite } from '../search/small-vectors.js';
import { MEMORY_TEXT } from './text-index.js';
import type {
  HistogramOptions,
  ListOptions,
  Memory,
  MemoryHistogram,
  MemoryPatch,
  RecallOptions,
  RecallResult,
  ReembedProgress,
  RememberInput,
  RememberOptions,
} from './types.js';

const BAD_METADATA_KEY = /["\\\p{Cc}]/u;

/**
 * Bumps and returns vectors_version; call inside the transaction that changed vectors. A read
 * then a write: UPDATE ... RETURNING took 2-3 ms on Turso 0.7.2 where these two take 15-40 us.
 */
export async function bumpVectorsVersion(tx: Queryable): Promise<string> {
  const row = await tx.get<{ value: string }>(`SELECT value FROM engram_meta WHERE key = 'vectors_version'`);
  const next = String(Number(row?.value ?? 0) + 1);
  await tx.run(
    `INSERT INTO engram_meta (key, value) VALUES ('vectors_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
    [next],
  );
  return next;
}

/** Ends a memory's current version: superseded by `by` from `validTo` on. */
async function closeVersion(tx: Queryable, id: number, by: string, validTo: number, now: number): Promise<void> {
  await tx.run('UPDATE memories SET valid_to = ?, superseded_by = ?, updated_at = ? WHERE id = ?', [validTo, by, now, id]);
}

/** What a vector write needs to keep the stored index in step, and what it learns. */
interface IndexWrite {
  version: string;
  count?: number | undefined;
  /** A synced agent's changes, applied to its in-memory index after commit (see writeVectors). */
  changes?: VectorChanges | undefined;
  /** Every agent's changes, for a small agent's vectors held in memory (search/small-vectors.ts). */
  small?: VectorChanges | undefined;
}

/**
 * Bumps vectors_version and applies `changes` to the stored first-pass index, in the caller's
 * transaction. Reads `state` only (the transaction may be retried); see `afterIndexWrite`.
 */
async function writeVectors(tx: Queryable, state: AgentState, dims: number, changes: VectorChanges): Promise<IndexWrite> {
  const cache = vectorCache(state);
  const version = await bumpVectorsVersion(tx);
  // A synced agent keeps its first pass in memory only: replicas writing stored codes at once
  // would overwrite each other's blocks (and every rebuild would be pushed).
  if (state.sync) {
    // Its in-memory index needs every changed vector: one changed only in expiry is read back.
    const changed = [];
    for (const c of changes.changed ?? []) {
      const row = c.vector
        ? undefined
        : await tx.get<{ e: Uint8Array }>('SELECT embedding AS e FROM memory_vectors WHERE memory_id = ?', [c.id]);
      changed.push(row ? { ...c, vector: blobToVector(row.e) } : c);
    }
    return { version, changes: { ...changes, changed }, small: { ...changes, changed } };
  }
  const small =
    cache.smallAtVersion === String(Number(version) - 1) && cache.smallCount !== undefined ? { count: cache.smallCount } : undefined;
  const { count } = await maintainStored(tx, state.conn.dialect.blob, dims, version, changes, small);
  return { version, count, small: changes };
}

/** After commit: the handle's view of the meta and of a small agent's size. */
function afterIndexWrite(state: AgentState, write: IndexWrite): void {
  state.meta.vectors_version = write.version;
  followWrite(state, write.version, write.small);
  const cache = vectorCache(state);
  cache.smallAtVersion = write.count === undefined ? undefined : write.version;
  cache.smallCount = write.count;
  const index = cache.index;
  if (!write.changes || !index) return;
  // In memory only (a synced agent): follow the change if the index was current before it.
  const { added = [], changed = [], removed = [] } = write.changes;
  if (index.version !== String(Number(write.version) - 1) || changed.some((c) => !c.vector)) {
    cache.index = undefined;
    return;
  }
  for (const id of removed) index.remove(id);
  for (const a of [...added, ...changed]) index.upsert(a.id, a.vector!, a.expiresAt);
  index.version = write.version;
}

/** Deletes memories with their vectors (and term postings). */
async function deleteMemories(tx: Queryable, state: AgentState, dims: number, ids: number[]): Promise<IndexWrite> {
  const list = JSON.stringify(ids);
  await textIndex(state.conn.dialect, MEMORY_TEXT).remove(tx, ids);
  // Superseded memories are not in the first-pass index: only current ones are removed from it.
  const current = await tx.all<{ id: number }>(
    'SELECT id FROM memories WHERE id IN (SELECT value FROM json_each(?)) AND valid_to IS NULL',
    [list],
  );
  await tx.run('DELETE FROM memory_vectors WHERE memory_id IN (SELECT value FROM json_each(?))', [list]);
  await tx.run('DELETE FROM memories WHERE id IN (SELECT value FROM json_each(?))', [list]);
  return writeVectors(tx, state, dims, { removed: current.map((r) => Number(r.id)) });
}

/** The string a memory's metadata holds at `key`, with its kind: what replaceByMetadataKey matches on. */
function metadataKeyOf(row: Normalized, key: string): string | undefined {
  const value = (JSON.parse(row.metadata) as Record<string, unknown>)[key];
  return typeof value === 'string' ? JSON.stringify([row.kind, value]) : undefined;
}

/** Current memories (not superseded) sharing a kind and a metadata value with the rows, by metadataKeyOf. */
async function currentByMetadata(tx: Queryable, rows: Normalized[], key: string): Promise<Map<string, { id: number; uid: string }[]>> {
  const found = new Map<string, { id: number; uid: string }[]>();
  const wanted = new Set(rows.map((r) => metadataKeyOf(r, key)).filter((k): k is string => k !== undefined));
  if (wanted.size === 0) return found;
  const path = `$."${key}"`;
  const matches = await tx.all<{ id: number; uid: string; kind: string; value: string }>(
    `SELECT id, uid, kind, json_extract(metadata, ?) AS value FROM memories
     WHERE valid_to IS NULL AND kind IN (SELECT value FROM json_each(?)) AND json_type(metadata, ?) = 'text'
     AND json_extract(metadata, ?) IN (SELECT value FROM json_each(?))`,
    [
      path,
      JSON.stringify([...new Set(rows.map((r) => r.kind))]),
      path,
      path,
      JSON.stringify([...new Set([...wanted].map((k) => (JSON.parse(k) as string[])[1]))]),
    ],
  );
  for (const m of matches) {
    const k = JSON.stringify([m.kind, m.value]);
    if (!wanted.has(k)) continue;
    found.set(k, [...(found.get(k) ?? []), { id: Number(m.id), uid: m.uid }]);
  }
  return found;
}

export class MemoryStore {
  constructor(private readonly rt: AgentRuntime) {}

  private checkId(id: unknown): string {
    return checkMemoryId(id);
  }

  /** Embeds texts with the agent's embedder and checks what comes back. */
  private embed(texts: string[]): Promise<Float32Array[]> {
    return embedChecked(this.rt.embedder, texts);
  }

  /** Given vectors where the caller supplied them (checked), the embedder's for the rest, in one call. */
  private async vectorsFor(inputs: RememberInput[], rows: Normalized[]): Promise<Float32Array[]> {
    const { embedder } = this.rt;
    const out: (Float32Array | undefined)[] = inputs.map((input, i) => {
      if (input.vector === undefined) return undefined;
      const v = input.vector;
      if (typeof v !== 'object' || v === null || typeof v.length !== 'number')
        throw invalid(`memory ${i}: vector must be an array of numbers`);
      validateVectors([Array.from(v)], embedder.dims, `memory ${i} vector`, 1);
      return normalizeVector(v, `memory ${i} vector`);
    });
    const missing = out.flatMap((v, i) => (v === undefined ? [i] : []));
    if (missing.length > 0) {
      const embedded = await this.embed(missing.map((i) => searchText(rows[i]!.text, rows[i]!.context)));
      missing.forEach((i, j) => (out[i] = embedded[j]));
    }
    return out as Float32Array[];
  }

  /**
   * Stores one memory (or a batch, in one transaction) with its embedding.
   * @example
   * const m = await agent.memories.remember({ text: 'Alice prefers green tea', kind: 'preference', tags: ['alice'] });
   */
  remember(input: RememberInput, options?: RememberOptions): Promise<Memory>;
  remember(inputs: RememberInput[], options?: RememberOptions): Promise<Memory[]>;
  async remember(input: RememberInput | RememberInput[], options: RememberOptions = {}): Promise<Memory | Memory[]> {
    const batch = Array.isArray(input) ? input : [input];
    const { replaceByMetadataKey: replaceKey, exactText = false } = options ?? {};
    if (
      replaceKey !== undefined &&
      (typeof replaceKey !== 'string' || replaceKey.length === 0 || replaceKey.length > 256 || BAD_METADATA_KEY.test(replaceKey))
    ) {
      throw invalid(
        'replaceByMetadataKey must be a metadata key of 1 to 256 characters, without quotes, backslashes or control characters',
      );
    }
    if (batch.length === 0) return [];
    if (batch.length > this.rt.limits.maxBatch) {
      throw new EngramError('LIMIT_EXCEEDED', `a batch holds at most ${this.rt.limits.maxBatch} memories; got ${batch.length}`);
    }
    const now = Date.now();
    const rows = batch.map((m, i) => {
      try {
        return normalizeRemember(m, this.rt.limits, now, exactText === true);
      } catch (err) {
        if (Array.isArray(input) && err instanceof EngramError) {
          throw new EngramError(err.code, `memory ${i}: ${err.message}`, { cause: err, details: { index: i, ...err.details } });
        }
        throw err;
      }
    });
    const vectors = await this.vectorsFor(batch, rows);
    // Views, not copies: the vectors are this call's own and never change.
    const blobs = vectors.map(vectorBytes);
    const saved = await this.rt.use(async (state) => {
      const index = textIndex(state.conn.dialect, MEMORY_TEXT);
      const { blob } = state.conn.dialect;
      const analyses = rows.map((r) => index.analyze(r));
      const result = await state.conn.transaction(async (tx) => {
        const out: { row: MemoryRow; replaced: number[] }[] = [];
        const current = replaceKey === undefined ? undefined : await currentByMetadata(tx, rows, replaceKey);
        // Rows are written many per statement; any statement that may read or change rows of
        // this batch (superseding, replacing by metadata key) waits for the ones pending.
        let pending: MemoryRow[] = [];
        const flush = async () => {
          await insertMemories(tx, pending);
          pending = [];
        };
        for (const [i, r] of rows.entries()) {
          const uid = `mem_${randomUUID().replaceAll('-', '')}`;
          const replaced: number[] = [];
          const upsertKey = current && metadataKeyOf(r, replaceKey!);
          if (r.supersedes || upsertKey !== undefined) await flush();
          if (r.supersedes) {
            const old = await tx.get<{ id: number; valid_to: number | null }>('SELECT id, valid_to FROM memories WHERE uid = ?', [
              r.supersedes,
            ]);
            if (!old) throw new EngramError('NOT_FOUND', `memory ${r.supersedes} (to supersede) does not exist`);
            if (old.valid_to !== null)
              throw new EngramError('CONFLICT', `memory ${r.supersedes} was already superseded; supersede its newest version instead`);
            await closeVersion(tx, Number(old.id), uid, Math.max(r.validFrom, now), now);
            replaced.push(Number(old.id));
          }
          if (upsertKey !== undefined) {
            for (const old of current!.get(upsertKey) ?? []) {
              if (old.uid === r.supersedes) continue;
              await closeVersion(tx, old.id, uid, Math.max(r.validFrom, now), now);
              replaced.push(old.id);
              r.supersedes ??= old.uid;
            }
          }
          const search = searchText(r.text, r.context);
          // The row is built here rather than read back: RETURNING costs ~20x a plain insert on Turso 0.7.
          const row: MemoryRow = {
            id: mintId(),
            uid,
            text: r.text,
            context: r.context,
            search_text: search,
            // 0 where the engine's index keeps its own lengths.
            text_len: analyses[i]?.length ?? 0,
            kind: r.kind,
            tags: r.tags,
            metadata: r.metadata,
            importance: r.importance,
            source: r.source,
            created_at: now,
            updated_at: now,
            valid_from: r.validFrom,
            valid_to: null,
            expires_at: r.expiresAt,
            supersedes: r.supersedes,
            superseded_by: null,
          };
          pending.push(row);
          if (upsertKey !== undefined) current!.set(upsertKey, [{ id: row.id, uid }]);
          out.push({ row, replaced });
        }
        await flush();
        await insertRows(
          tx,
          'INSERT INTO memory_vectors (memory_id, embedding)',
          2,
          out.map(({ row }, i) => [row.id, blob.value(blobs[i]!)]),
          { placeholders: ['?', blob.sql('?')] },
        );
        await index.add(
          tx,
          out.map(({ row }, i) => ({ id: Number(row.id), analysis: analyses[i] })),
        );
        // A row that a later row of the same batch replaced (same replaceByMetadataKey) never
        // was current: it is neither added to the vector indexes nor removed from them.
        const replaced = new Set(out.flatMap((o) => o.replaced));
        const batch = new Set(out.map((o) => Number(o.row.id)));
        const write = await writeVectors(tx, state, this.rt.embedder.dims, {
          added: out.flatMap(({ row }, i) =>
            replaced.has(Number(row.id))
              ? []
              : [{ id: Number(row.id), vector: vectors[i]!, expiresAt: row.expires_at === null ? null : Number(row.expires_at) }],
          ),
          removed: [...replaced].filter((id) => !batch.has(id)),
        });
        return { out, write };
      });
      afterIndexWrite(state, result.write);
      return result.out.map(({ row }) => rowToMemory(row));
    });
    return Array.isArray(input) ? saved : saved[0]!;
  }

  /**
   * The stored (unit-length) vectors of the given memories, by id; ids that do not exist are
   * left out. For re-ranking (e.g. maximal marginal relevance) without embedding texts again.
   * @example
   * const vectors = await agent.memories.vectors(results.map((r) => r.memory.id));
   */
  async vectors(ids: readonly string[]): Promise<Map<string, Float32Array>> {
    if (!Array.isArray(ids)) throw invalid('vectors() takes an array of memory ids');
    ids.forEach((id) => this.checkId(id));
    const out = new Map<string, Float32Array>();
    if (ids.length === 0) return out;
    const rows = await this.rt.use((s) =>
      s.conn.all<{ uid: string; embedding: Uint8Array }>(
        `SELECT m.uid, v.embedding FROM memories m JOIN memory_vectors v ON v.memory_id = m.id
         WHERE m.uid IN (SELECT value FROM json_each(?))`,
        [JSON.stringify([...new Set(ids)])],
      ),
    );
    for (const row of rows) out.set(row.uid, blobToVector(row.embedding));
    return out;
  }

  /** The memory with this id, or null. Expired memories are gone: null. */
  async get(id: string): Promise<Memory | null> {
    this.checkId(id);
    const row = await this.rt.use((s) =>
      s.conn.get<MemoryRow>(`SELECT ${MEMORY_COLUMNS} FROM memories m WHERE m.uid = ? AND (m.expires_at IS NULL OR m.expires_at > ?)`, [
        id,
        Date.now(),
      ]),
    );
    return row ? rowToMemory(row) : null;
  }

  /** Changes a memory in place; a new text is re-embedded. Throws NOT_FOUND for unknown ids. */
  async update(id: string, patch: MemoryPatch): Promise<Memory> {
    this.checkId(id);
    const now = Date.now();
    const columns = patchColumns(patch, this.rt.limits, now);
    const sets: string[] = [];
    const params: SqlValue[] = [];
    const set = (column: string, value: SqlValue) => {
      sets.push(`${column} = ?`);
      params.push(value);
    };
    const text = patch.text === undefined ? undefined : normalizeText(patch.text, this.rt.limits);
    const context = patch.context === undefined ? undefined : normalizeContext(patch.context, this.rt.limits);
    let search: string | undefined;
    let fields: { text: string; context: string | null } | undefined;
    if (text !== undefined || context !== undefined) {
      const current = await this.get(id);
      if (!current) throw new EngramError('NOT_FOUND', `memory ${id} does not exist (or has expired)`);
      fields = { text: text ?? current.text, context: context === undefined ? current.context : context };
      search = searchText(fields.text, fields.context);
      if (text !== undefined) set('text', text);
      if (context !== undefined) set('context', context);
      set('search_text', search);
    }
    for (const [column, value] of columns) set(column, value);
    set('updated_at', now);
    const vector = search === undefined ? undefined : (await this.embed([search]))[0]!;
    return this.rt.use(async (state) => {
      const index = textIndex(state.conn.dialect, MEMORY_TEXT);
      const analysis = fields && index.analyze(fields);
      if (analysis) set('text_len', analysis.length);
      const result = await state.conn.transaction(async (tx) => {
        if (fields) {
          const old = await tx.get<{ id: number }>('SELECT id FROM memories WHERE uid = ? AND (expires_at IS NULL OR expires_at > ?)', [
            id,
            now,
          ]);
          if (old) await index.remove(tx, [Number(old.id)]);
        }
        // UPDATE, then SELECT: RETURNING costs milliseconds on Turso 0.7.2.
        const changed = await tx.run(`UPDATE memories SET ${sets.join(', ')} WHERE uid = ? AND (expires_at IS NULL OR expires_at > ?)`, [
          ...params,
          id,
          now,
        ]);
        const row = changed.changes > 0 ? await tx.get<MemoryRow>('SELECT * FROM memories WHERE uid = ?', [id]) : undefined;
        if (!row) throw new EngramError('NOT_FOUND', `memory ${id} does not exist (or has expired)`);
        if (fields) await index.add(tx, [{ id: Number(row.id), analysis }]);
        const { blob } = state.conn.dialect;
        if (vector)
          await tx.run(`UPDATE memory_vectors SET embedding = ${blob.sql('?')} WHERE memory_id = ?`, [
            blob.value(vectorToBlob(vector)),
            row.id,
          ]);
        const touchesIndex = vector !== undefined || patch.ttlMs !== undefined || patch.expiresAt !== undefined;
        const current =
          row.valid_to === null ? [{ id: Number(row.id), vector, expiresAt: row.expires_at === null ? null : Number(row.expires_at) }] : [];
        return { row, write: touchesIndex ? await writeVectors(tx, state, this.rt.embedder.dims, { changed: current }) : undefined };
      });
      const { row, write } = result;
      if (write) afterIndexWrite(state, write);
      return rowToMemory(row);
    });
  }

  /**
   * Deletes memories for good: one by id (returns 1, or 0 if unknown), or every memory
   * matching a filter. An empty filter is refused; pass `{ all: true }` to wipe them all.
   */
  async forget(target: string | (MemoryFilter & { all?: boolean })): Promise<number> {
    let where: string;
    let params: SqlValue[];
    if (typeof target === 'string') {
      where = 'm.uid = ?';
      params = [this.checkId(target)];
    } else {
      if (typeof target !== 'object' || target === null) throw invalid('forget() takes a memory id or a filter');
      const { all, ...filter } = target;
      if (all !== undefined && typeof all !== 'boolean') throw invalid('forget(): all must be true or false', { field: 'all' });
      // Judged by the conditions the filter makes, so { metadata: {} } or { includeSuperseded: true } is empty too.
      if (all !== true && selectsEverything(filter))
        throw invalid(
          'forget() with an empty filter would delete every memory; give a condition (kinds, tags, source, since, until, asOf, metadata) or pass { all: true } if you mean it',
        );
      // Forgetting by filter reaches superseded versions too, and ignores expiry.
      const built = filterSql({ includeSuperseded: true, ...filter }, Number.MIN_SAFE_INTEGER);
      where = built.where;
      params = built.params;
    }
    return this.rt.use(async (state) => {
      const result = await state.conn.transaction(async (tx) => {
        const ids = (await tx.all<{ id: number }>(`SELECT m.id FROM memories m WHERE ${where}`, params)).map((r) => Number(r.id));
        if (ids.length === 0) return { ids, write: undefined };
        return { ids, write: await deleteMemories(tx, state, this.rt.embedder.dims, ids) };
      });
      if (result.write) afterIndexWrite(state, result.write);
      return result.ids.length;
    });
  }

  /** Memories matching a filter, newest first by default. Current, unexpired ones only unless asked. */
  async list(options: ListOptions = {}): Promise<Memory[]> {
    const { limit = 50, offset = 0, order = 'newest', ...filter } = options;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw invalid('limit must be an integer from 1 to 1000');
    // Bounded: 1e20 is an integer to JavaScript but reaches SQL as 1e+20, a "datatype mismatch".
    if (!Number.isSafeInteger(offset) || offset < 0) throw invalid(`offset must be an integer from 0 to ${Number.MAX_SAFE_INTEGER}`);
    if (order !== 'newest' && order !== 'oldest') throw invalid('order must be "newest" or "oldest"');
    rejectUnknownFields(filter, FILTER_FIELDS, 'list');
    const { where, params } = filterSql(filter, Date.now());
    const rows = await this.rt.use((s) =>
      s.conn.all<MemoryRow>(
        `SELECT ${MEMORY_COLUMNS} FROM memories m WHERE ${where} ORDER BY m.valid_from ${order === 'newest' ? 'DESC' : 'ASC'}, m.id LIMIT ${limit} OFFSET ${offset}`,
        params,
      ),
    );
    return rows.map(rowToMemory);
  }

  /** How many memories match a filter (current, unexpired ones by default). */
  async count(filter: MemoryFilter = {}): Promise<number> {
    const { where, params } = filterSql(filter, Date.now());
    const row = await this.rt.use((s) => s.conn.get<{ n: number }>(`SELECT count(*) AS n FROM memories m WHERE ${where}`, params));
    return Number(row?.n ?? 0);
  }

  /**
   * Memories matching a filter counted per period of valid-from time, in one query whatever
   * their number: for a chart of memories over time.
   * @example
   * const h = await agent.memories.histogram({ buckets: 30 }); // { start, bucketMs, counts: [3, 0, 12, ...] }
   */
  async histogram(options: HistogramOptions = {}): Promise<MemoryHistogram> {
    const { buckets = 30, ...filter } = options;
    if (!Number.isInteger(buckets) || buckets < 1 || buckets > 366) throw invalid('buckets must be an integer from 1 to 366');
    rejectUnknownFields(filter, FILTER_FIELDS, 'histogram');
    const { where, params } = filterSql(filter, Date.now());
    const day = 86_400_000;
    // One pass: memories per UTC day (at most one row per day that has any), then days into buckets.
    const perDay = await this.rt.use((s) =>
      s.conn.all<{ d: number; n: number }>(
        `SELECT CAST(m.valid_from / ${day} AS INTEGER) AS d, count(*) AS n FROM memories m WHERE ${where} GROUP BY d ORDER BY d`,
        params,
      ),
    );
    if (perDay.length === 0) return { start: null, bucketMs: day, counts: [] };
    const first = Number(perDay[0]!.d);
    const days = Number(perDay.at(-1)!.d) - first + 1;
    const size = Math.ceil(days / buckets);
    const counts = new Array<number>(Math.ceil(days / size)).fill(0);
    for (const r of perDay) counts[Math.floor((Number(r.d) - first) / size)]! += Number(r.n);
    return { start: new Date(first * day).toISOString(), bucketMs: size * day, counts };
  }

  /** Every version of a memory, oldest first: what it superseded and what superseded it. */
  async history(id: string): Promise<Memory[]> {
    this.checkId(id);
    return this.rt.use(async (s) => {
      const byUid = (uid: string) => s.conn.get<MemoryRow>(`SELECT ${MEMORY_COLUMNS} FROM memories m WHERE m.uid = ?`, [uid]);
      const start = await byUid(id);
      if (!start) throw new EngramError('NOT_FOUND', `memory ${id} does not exist`);
      const chain = [start];
      const seen = new Set([start.uid]);
      // The engine has no recursive CTEs: walk the chain both ways, one hop per query.
      for (let r = start; r.supersedes && !seen.has(r.supersedes);) {
        const prev = await byUid(r.supersedes);
        if (!prev) break;
        seen.add(prev.uid);
        chain.unshift((r = prev));
      }
      for (let r = start; r.superseded_by && !seen.has(r.superseded_by);) {
        const next = await byUid(r.superseded_by);
        if (!next) break;
        seen.add(next.uid);
        chain.push((r = next));
      }
      return chain.map(rowToMemory);
    });
  }

  /** Finds memories by meaning and by words; see RecallOptions. */
  async recall(query: string, options: RecallOptions = {}): Promise<RecallResult[]> {
    return recall(this.rt, query, options, (texts) => this.embed(texts));
  }

  /** Deletes expired memories for good (they are already invisible); returns how many. */
  async purgeExpired(): Promise<number> {
    return this.rt.use(async (state) => {
      const ids = await state.conn.all<{ id: number }>('SELECT id FROM memories WHERE expires_at IS NOT NULL AND expires_at <= ?', [
        Date.now(),
      ]);
      if (ids.length === 0) return 0;
      const write = await state.conn.transaction((tx) =>
        deleteMemories(
          tx,
          state,
          this.rt.embedder.dims,
          ids.map((r) => Number(r.id)),
        ),
      );
      afterIndexWrite(state, write);
      return ids.length;
    });
  }

  /**
   * Re-computes every stored vector with the runtime's embedder (all memories, superseded ones
   * included) and records it as the agent's embedder, in one transaction: the agent never holds
   * a mix. Used by `engram.reembed()` after an EMBEDDER_MISMATCH.
   */
  async reembedAll(options: { batchSize?: number; onProgress?: (p: ReembedProgress) => void } = {}): Promise<number> {
    const batchSize = options.batchSize ?? 256;
    return this.rt.use(async (state) => {
      const rows = await state.conn.all<{ id: number; text: string }>('SELECT id, search_text AS text FROM memories ORDER BY id');
      const blobs: Buffer[] = [];
      for (let i = 0; i < rows.length; i += batchSize) {
        const vectors = await this.embed(rows.slice(i, i + batchSize).map((r) => r.text));
        blobs.push(...vectors.map(vectorToBlob));
        options.onProgress?.({ done: Math.min(i + batchSize, rows.length), total: rows.length });
      }
      const version = await state.conn.transaction(async (tx) => {
        await tx.run('DELETE FROM memory_vectors');
        const { blob } = state.conn.dialect;
        for (const [i, r] of rows.entries())
          await tx.run(`INSERT INTO memory_vectors (memory_id, embedding) VALUES (?, ${blob.sql('?')})`, [r.id, blob.value(blobs[i]!)]);
        await tx.run(
          `INSERT INTO engram_meta (key, value) VALUES ('embedder_id', ?), ('embedder_dims', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
          [this.rt.embedder.id, String(this.rt.embedder.dims)],
        );
        const version = await bumpVectorsVersion(tx);
        if (!state.sync) await rebuildStored(tx, state.conn.dialect.blob, this.rt.embedder.dims, version, await readHeader(tx));
        return version;
      });
      state.meta.embedder_id = this.rt.embedder.id;
      state.meta.embedder_dims = String(this.rt.embedder.dims);
      state.meta.vectors_version = version;
      dropVectorCache(state);
      return rows.length;
    });
  }
}

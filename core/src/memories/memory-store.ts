/**
 * `agent.memories`: remember, get, update, forget, list, history and recall. Owns the
 * `memories` and `memory_vectors` tables and all their SQL. Vectors are written in the same
 * transaction as their memory, together with the stored first-pass index
 * (vector-index-store.ts), and bump `vectors_version`, which keeps cached copies honest across
 * processes.
 */
import { randomUUID } from 'node:crypto';
import type { AgentRuntime, AgentState } from '../agent-state.js';
import type { Queryable, SqlValue } from '../drivers/types.js';
import { EngramError, invalid } from '../errors.js';
import { toEpochMs } from '../time.js';
import { embedChecked, normalizeVector, validateVectors } from '../embedders/validate.js';
import { vectorToBlob } from '../vectors.js';
import { maintainStored, readHeader, rebuildStored, type VectorChanges } from '../vector-index-store.js';
import { FILTER_FIELDS, filterSql, rejectUnknownFields, type MemoryFilter } from './filter.js';
import { recall } from './recall.js';
import { MEMORY_COLUMNS, rowToMemory, type MemoryRow } from './rows.js';
import type { Analysis } from '../search/term-index.js';
import { MEMORY_TEXT_INDEX } from './text-index.js';
import type { ListOptions, Memory, MemoryPatch, RecallOptions, RecallResult, ReembedProgress, RememberInput } from './types.js';

const REMEMBER_FIELDS = [
  'text',
  'context',
  'kind',
  'tags',
  'metadata',
  'importance',
  'source',
  'validFrom',
  'ttlMs',
  'expiresAt',
  'supersedes',
  'vector',
];
const PATCH_FIELDS = ['text', 'context', 'kind', 'tags', 'metadata', 'importance', 'source', 'validFrom', 'ttlMs', 'expiresAt'];
const KIND = /^[a-z][a-z0-9_-]{0,31}$/;
const MEMORY_ID = /^mem_[0-9a-f]{32}$/;

/** What full-text search and the embedder see of a memory: its context, then its text. */
function searchText(text: string, context: string | null): string {
  return context ? `${context}\n${text}` : text;
}

interface Normalized {
  text: string;
  context: string | null;
  kind: string;
  tags: string;
  metadata: string;
  importance: number;
  source: string | null;
  validFrom: number;
  expiresAt: number | null;
  supersedes: string | null;
}

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

/** What a vector write needs to keep the stored index in step, and what it learns. */
interface IndexWrite {
  version: string;
  count?: number | undefined;
}

/**
 * Bumps vectors_version and applies `changes` to the stored first-pass index, in the caller's
 * transaction. Reads `state` only (the transaction may be retried); see `afterIndexWrite`.
 */
async function writeVectors(tx: Queryable, state: AgentState, dims: number, changes: VectorChanges): Promise<IndexWrite> {
  const version = await bumpVectorsVersion(tx);
  const small =
    state.smallAtVersion === String(Number(version) - 1) && state.smallCount !== undefined ? { count: state.smallCount } : undefined;
  const { count } = await maintainStored(tx, state.conn.dialect.blob, dims, version, changes, small);
  return { version, count };
}

/** After commit: the handle's view of the meta and of a small agent's size. */
function afterIndexWrite(state: AgentState, write: IndexWrite): void {
  state.meta.vectors_version = write.version;
  state.smallAtVersion = write.count === undefined ? undefined : write.version;
  state.smallCount = write.count;
}

/** Deletes memories with their vectors (and term postings). */
async function deleteMemories(tx: Queryable, state: AgentState, dims: number, ids: number[]): Promise<IndexWrite> {
  const list = JSON.stringify(ids);
  if (!state.conn.dialect.fullText) await MEMORY_TEXT_INDEX.remove(tx, ids);
  // Superseded memories are not in the first-pass index: only current ones are removed from it.
  const current = await tx.all<{ id: number }>(
    'SELECT id FROM memories WHERE id IN (SELECT value FROM json_each(?)) AND valid_to IS NULL',
    [list],
  );
  await tx.run('DELETE FROM memory_vectors WHERE memory_id IN (SELECT value FROM json_each(?))', [list]);
  await tx.run('DELETE FROM memories WHERE id IN (SELECT value FROM json_each(?))', [list]);
  return writeVectors(tx, state, dims, { removed: current.map((r) => Number(r.id)) });
}

export class MemoryStore {
  constructor(private readonly rt: AgentRuntime) {}

  private checkId(id: unknown): string {
    if (typeof id !== 'string' || !MEMORY_ID.test(id)) {
      throw invalid(`invalid memory id ${JSON.stringify(String(id).slice(0, 80))}: expected an id returned by remember(), like mem_0123…`);
    }
    return id;
  }

  private normalizeText(text: unknown): string {
    if (typeof text !== 'string') throw invalid('memory text must be a string');
    const trimmed = text.trim();
    if (trimmed.length === 0) throw invalid('memory text is empty');
    const bytes = Buffer.byteLength(trimmed, 'utf8');
    if (bytes > this.rt.limits.maxTextBytes) {
      throw new EngramError(
        'LIMIT_EXCEEDED',
        `memory text is ${bytes} bytes; the limit is ${this.rt.limits.maxTextBytes} (split it, or raise limits.maxTextBytes)`,
        {
          details: { bytes, limit: this.rt.limits.maxTextBytes },
        },
      );
    }
    return trimmed;
  }

  private normalizeContext(context: unknown): string | null {
    if (context === undefined || context === null) return null;
    if (typeof context !== 'string') throw invalid('context must be a string');
    const trimmed = context.trim();
    if (Buffer.byteLength(trimmed, 'utf8') > this.rt.limits.maxTextBytes) {
      throw new EngramError('LIMIT_EXCEEDED', `memory context is longer than ${this.rt.limits.maxTextBytes} bytes`);
    }
    return trimmed.length > 0 ? trimmed : null;
  }

  private normalizeTags(tags: unknown): string {
    if (tags === undefined) return '[]';
    const { maxTags } = this.rt.limits;
    if (!Array.isArray(tags) || tags.length > maxTags || !tags.every((t) => typeof t === 'string' && t.length > 0 && t.length <= 64)) {
      throw invalid(`tags must be an array of at most ${maxTags} non-empty strings of at most 64 characters`);
    }
    return JSON.stringify([...new Set(tags as string[])]);
  }

  private normalizeMetadata(metadata: unknown): string {
    if (metadata === undefined) return '{}';
    if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) throw invalid('metadata must be a JSON object');
    let json: string;
    try {
      json = JSON.stringify(metadata);
    } catch (err) {
      throw new EngramError('INVALID_ARGUMENT', 'metadata must be JSON-serialisable (no cycles, no BigInt)', { cause: err });
    }
    if (Buffer.byteLength(json) > this.rt.limits.maxMetadataBytes) {
      throw new EngramError('LIMIT_EXCEEDED', `metadata is larger than ${this.rt.limits.maxMetadataBytes} bytes as JSON`);
    }
    return json;
  }

  private normalizeKind(kind: unknown): string {
    if (kind === undefined) return 'fact';
    if (typeof kind !== 'string' || !KIND.test(kind))
      throw invalid(`kind ${JSON.stringify(kind)} is not valid: use a lowercase word such as fact, event, preference or instruction`);
    return kind;
  }

  private normalizeImportance(importance: unknown): number {
    if (importance === undefined) return 0.5;
    if (typeof importance !== 'number' || !(importance >= 0 && importance <= 1)) throw invalid('importance must be a number from 0 to 1');
    return importance;
  }

  private normalizeSource(source: unknown): string | null {
    if (source === undefined || source === null) return null;
    if (typeof source !== 'string' || source.length > 256) throw invalid('source must be a string of at most 256 characters');
    return source;
  }

  private expiry(ttlMs: unknown, expiresAt: unknown, now: number): number | null {
    if (ttlMs !== undefined && expiresAt !== undefined && expiresAt !== null) throw invalid('give ttlMs or expiresAt, not both');
    if (ttlMs !== undefined) {
      if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs <= 0)
        throw invalid('ttlMs must be a positive number of milliseconds');
      return now + Math.round(ttlMs);
    }
    if (expiresAt === undefined || expiresAt === null) return null;
    return toEpochMs(expiresAt as Date, 'expiresAt');
  }

  private normalize(input: RememberInput, now: number): Normalized {
    if (typeof input !== 'object' || input === null) throw invalid('remember() takes { text, ... } or an array of them');
    rejectUnknownFields(input, REMEMBER_FIELDS, 'remember');
    return {
      text: this.normalizeText(input.text),
      context: this.normalizeContext(input.context),
      kind: this.normalizeKind(input.kind),
      tags: this.normalizeTags(input.tags),
      metadata: this.normalizeMetadata(input.metadata),
      importance: this.normalizeImportance(input.importance),
      source: this.normalizeSource(input.source),
      validFrom: input.validFrom === undefined ? now : toEpochMs(input.validFrom, 'validFrom'),
      expiresAt: this.expiry(input.ttlMs, input.expiresAt, now),
      supersedes: input.supersedes === undefined ? null : this.checkId(input.supersedes),
    };
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
  remember(input: RememberInput): Promise<Memory>;
  remember(inputs: RememberInput[]): Promise<Memory[]>;
  async remember(input: RememberInput | RememberInput[]): Promise<Memory | Memory[]> {
    const batch = Array.isArray(input) ? input : [input];
    if (batch.length === 0) return [];
    if (batch.length > this.rt.limits.maxBatch) {
      throw new EngramError('LIMIT_EXCEEDED', `a batch holds at most ${this.rt.limits.maxBatch} memories; got ${batch.length}`);
    }
    const now = Date.now();
    const rows = batch.map((m, i) => {
      try {
        return this.normalize(m, now);
      } catch (err) {
        if (Array.isArray(input) && err instanceof EngramError) {
          throw new EngramError(err.code, `memory ${i}: ${err.message}`, { cause: err, details: { index: i, ...err.details } });
        }
        throw err;
      }
    });
    const vectors = await this.vectorsFor(batch, rows);
    const blobs = vectors.map(vectorToBlob);
    const saved = await this.rt.use(async (state) => {
      const ownTextIndex = !state.conn.dialect.fullText;
      const { blob } = state.conn.dialect;
      const analyses = ownTextIndex ? rows.map((r) => MEMORY_TEXT_INDEX.analyze(r)) : undefined;
      const result = await state.conn.transaction(async (tx) => {
        const out: { row: MemoryRow; replaced: number | null }[] = [];
        for (const [i, r] of rows.entries()) {
          const uid = `mem_${randomUUID().replaceAll('-', '')}`;
          let replaced: number | null = null;
          if (r.supersedes) {
            const old = await tx.get<{ id: number; valid_to: number | null }>('SELECT id, valid_to FROM memories WHERE uid = ?', [
              r.supersedes,
            ]);
            if (!old) throw new EngramError('NOT_FOUND', `memory ${r.supersedes} (to supersede) does not exist`);
            if (old.valid_to !== null)
              throw new EngramError('CONFLICT', `memory ${r.supersedes} was already superseded; supersede its newest version instead`);
            await tx.run('UPDATE memories SET valid_to = ?, superseded_by = ?, updated_at = ? WHERE id = ?', [
              Math.max(r.validFrom, now),
              uid,
              now,
              old.id,
            ]);
            replaced = Number(old.id);
          }
          const search = searchText(r.text, r.context);
          // The row is built here rather than read back: RETURNING costs ~20x a plain insert on Turso 0.7.
          const row: MemoryRow = {
            id: 0,
            uid,
            text: r.text,
            context: r.context,
            search_text: search,
            // Only Engram's own term index reads text_len; the engine's FTS keeps its own lengths.
            text_len: analyses?.[i]!.length ?? 0,
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
          const inserted = await tx.run(
            `INSERT INTO memories (uid, text, context, search_text, text_len, kind, tags, metadata, importance, source, created_at, updated_at, valid_from, expires_at, supersedes)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
            [
              uid,
              row.text,
              row.context,
              search,
              row.text_len!,
              row.kind,
              row.tags,
              row.metadata,
              row.importance,
              row.source,
              now,
              now,
              row.valid_from,
              row.expires_at,
              row.supersedes,
            ],
          );
          row.id = inserted.lastInsertRowid;
          out.push({ row, replaced });
        }
        // One statement per vector: on Turso a JSON batch through json_each measured slower than this.
        for (const [i, { row }] of out.entries()) {
          await tx.run(`INSERT INTO memory_vectors (memory_id, embedding) VALUES (?, ${blob.sql('?')})`, [row.id, blob.value(blobs[i]!)]);
        }
        if (ownTextIndex)
          await MEMORY_TEXT_INDEX.add(
            tx,
            out.map(({ row }, i) => ({ id: Number(row.id), analysis: analyses![i]! })),
          );
        const write = await writeVectors(tx, state, this.rt.embedder.dims, {
          added: out.map(({ row }, i) => ({
            id: Number(row.id),
            vector: vectors[i]!,
            expiresAt: row.expires_at === null ? null : Number(row.expires_at),
          })),
          removed: out.flatMap(({ replaced }) => (replaced === null ? [] : [replaced])),
        });
        return { out, write };
      });
      afterIndexWrite(state, result.write);
      return result.out.map(({ row }) => rowToMemory(row));
    });
    return Array.isArray(input) ? saved : saved[0]!;
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
    if (typeof patch !== 'object' || patch === null) throw invalid('update() takes a patch object');
    rejectUnknownFields(patch, PATCH_FIELDS, 'update');
    const now = Date.now();
    const sets: string[] = [];
    const params: SqlValue[] = [];
    const set = (column: string, value: SqlValue) => {
      sets.push(`${column} = ?`);
      params.push(value);
    };
    const text = patch.text === undefined ? undefined : this.normalizeText(patch.text);
    const context = patch.context === undefined ? undefined : this.normalizeContext(patch.context);
    let search: string | undefined;
    let analysis: Analysis | undefined;
    if (text !== undefined || context !== undefined) {
      const current = await this.get(id);
      if (!current) throw new EngramError('NOT_FOUND', `memory ${id} does not exist (or has expired)`);
      const fields = { text: text ?? current.text, context: context === undefined ? current.context : context };
      search = searchText(fields.text, fields.context);
      if (text !== undefined) set('text', text);
      if (context !== undefined) set('context', context);
      set('search_text', search);
      analysis = MEMORY_TEXT_INDEX.analyze(fields);
      set('text_len', analysis.length);
    }
    if (patch.kind !== undefined) set('kind', this.normalizeKind(patch.kind));
    if (patch.tags !== undefined) set('tags', this.normalizeTags(patch.tags));
    if (patch.metadata !== undefined) set('metadata', this.normalizeMetadata(patch.metadata));
    if (patch.importance !== undefined) set('importance', this.normalizeImportance(patch.importance));
    if (patch.source !== undefined) set('source', this.normalizeSource(patch.source));
    if (patch.validFrom !== undefined) set('valid_from', toEpochMs(patch.validFrom, 'validFrom'));
    if (patch.ttlMs !== undefined || patch.expiresAt !== undefined) set('expires_at', this.expiry(patch.ttlMs, patch.expiresAt, now));
    set('updated_at', now);
    const vector = search === undefined ? undefined : (await this.embed([search]))[0]!;
    return this.rt.use(async (state) => {
      const ownTextIndex = search !== undefined && !state.conn.dialect.fullText;
      const result = await state.conn.transaction(async (tx) => {
        if (ownTextIndex) {
          const old = await tx.get<{ id: number }>('SELECT id FROM memories WHERE uid = ? AND (expires_at IS NULL OR expires_at > ?)', [
            id,
            now,
          ]);
          if (old) await MEMORY_TEXT_INDEX.remove(tx, [Number(old.id)]);
        }
        // UPDATE, then SELECT: RETURNING costs milliseconds on Turso 0.7.2.
        const changed = await tx.run(`UPDATE memories SET ${sets.join(', ')} WHERE uid = ? AND (expires_at IS NULL OR expires_at > ?)`, [
          ...params,
          id,
          now,
        ]);
        const row = changed.changes > 0 ? await tx.get<MemoryRow>('SELECT * FROM memories WHERE uid = ?', [id]) : undefined;
        if (!row) throw new EngramError('NOT_FOUND', `memory ${id} does not exist (or has expired)`);
        if (ownTextIndex) await MEMORY_TEXT_INDEX.add(tx, [{ id: Number(row.id), analysis: analysis! }]);
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
      const narrowing = Object.values(filter).some((v) => v !== undefined);
      if (!narrowing && all !== true)
        throw invalid('forget() with an empty filter would delete every memory; pass { all: true } if you mean it');
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
    if (!Number.isInteger(offset) || offset < 0) throw invalid('offset must be a non-negative integer');
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
        await rebuildStored(tx, state.conn.dialect.blob, this.rt.embedder.dims, version, await readHeader(tx));
        return version;
      });
      state.meta.embedder_id = this.rt.embedder.id;
      state.meta.embedder_dims = String(this.rt.embedder.dims);
      state.meta.vectors_version = version;
      state.vectorIndex = undefined;
      state.smallAtVersion = undefined;
      return rows.length;
    });
  }
}

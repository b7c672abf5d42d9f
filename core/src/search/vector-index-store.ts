/**
 * The first-pass vector index of `memories`, kept in the agent's own database so that a freshly
 * opened agent answers its first query without re-reading every vector. Written in the same
 * transaction as the vectors it mirrors (crash-consistent), and always rebuildable from them.
 *
 * Layout (tables created when an agent first reaches INDEX_MIN_VECTORS current vectors):
 * - `memory_vector_blocks`: sealed blocks of up to BLOCK codes each (ids as int64 LE, expiry as
 *   float64 LE, codes as uint32 LE words), never changed once written; block -1 holds the
 *   per-dimension statistics the codes were made with. Large batches become blocks directly.
 * - `memory_vector_tail`: small writes, one row each (about 100 bytes: Turso's cost grows with
 *   the bytes bound, so rewriting a block per remember() would cost milliseconds). A row with
 *   `masks` = 1 replaces or (code NULL) removes an entry of the sealed blocks. Unmasked rows are
 *   folded into a new block once FOLD_AT accumulate; masks into a full compaction once they
 *   pass an eighth of the index.
 * - engram_meta `vector_index`: JSON header; `v` is the vectors_version the index matches. A
 *   writer that does not maintain the index (an older Engram, a branch merge) bumps
 *   vectors_version only, so the index is seen as stale and rebuilt from the vectors.
 *
 * Ids are arbitrary 64-bit integers: nothing here assumes they are dense or ordered.
 */
import type { Dialect, Queryable } from '../drivers/types.js';

type Blob = Dialect['blob'];
import { blobToVector } from './vectors.js';
import { BinaryVectorIndex, CodeBook, codeStats, newBlock, type CodeBlock, type CodeStats } from './vector-index.js';

/** Below this many current vectors an exact engine scan is fast enough: no index is kept. */
export const INDEX_MIN_VECTORS = 2048;
/** Codes per sealed block. */
const BLOCK = 1024;
/** A batch adding at least this many vectors writes them as blocks, not tail rows. */
const DIRECT_BLOCK_MIN = 64;
/** Unmasked tail rows folded into a block. */
const FOLD_AT = 256;
/** The statistics are re-estimated (a rebuild) when the index has grown this many times. */
const RESTAT_GROWTH = 16;
const HEADER_KEY = 'vector_index';
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const DDL = [
  `CREATE TABLE IF NOT EXISTS memory_vector_blocks (block INTEGER PRIMARY KEY, n INTEGER NOT NULL, ids BLOB NOT NULL, expires BLOB NOT NULL, codes BLOB NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS memory_vector_tail (memory_id INTEGER PRIMARY KEY, masks INTEGER NOT NULL, expires_at INTEGER, code BLOB)`,
];

/** What engram_meta `vector_index` holds. */
export interface IndexHeader {
  /** vectors_version the stored index matches. */
  v: string;
  /** Changes on every rebuild or compaction: cached copies of older blocks are void. */
  epoch: number;
  dims: number;
  /** Vectors the statistics were estimated from. */
  statsN: number;
  /** Next sealed block number. */
  next: number;
  /** About how many live entries (for the compaction and re-estimation thresholds). */
  n: number;
  /** Unmasked tail rows, and masking tail rows. */
  tail: number;
  masks: number;
}

/** Changes to apply to the index in the transaction that made them. */
export interface VectorChanges {
  added?: readonly { id: number; vector: Float32Array; expiresAt: number | null }[];
  /** New vector and/or expiry of an existing current memory; without `vector` it is read back. */
  changed?: readonly { id: number; vector?: Float32Array | undefined; expiresAt: number | null }[];
  /** No longer current (deleted or superseded). */
  removed?: readonly number[];
}

export function parseHeader(text: string | null | undefined): IndexHeader | undefined {
  if (!text) return undefined;
  try {
    const h = JSON.parse(text) as IndexHeader;
    return typeof h.v === 'string' && Number.isInteger(h.epoch) && Number.isInteger(h.dims) ? h : undefined;
  } catch {
    return undefined;
  }
}

async function writeHeader(tx: Queryable, header: IndexHeader): Promise<void> {
  await tx.run('INSERT INTO engram_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [
    HEADER_KEY,
    JSON.stringify(header),
  ]);
}

// ---- blobs -------------------------------------------------------------------------------------

/**
 * The stored index does not read back as written (a damaged or hand-edited table): it is derived
 * data, so callers rebuild it from the vectors instead of failing the recall or the write.
 */
export class StoredIndexDamaged extends Error {}

const bytesOf = (a: Float64Array | Uint32Array | Float32Array, count: number) =>
  Buffer.from(a.buffer, a.byteOffset, count * a.BYTES_PER_ELEMENT);

/** Ids as int64 little-endian (two's complement: negative rowids too; exact within +-2^53, as every id in JS). */
export function idsBlob(ids: Float64Array, n: number): Buffer {
  const out = new Uint32Array(n * 2);
  for (let i = 0; i < n; i++) {
    const id = ids[i]!;
    const hi = Math.floor(id / 2 ** 32);
    out[2 * i] = id - hi * 2 ** 32;
    out[2 * i + 1] = hi >>> 0;
  }
  return bytesOf(out, out.length);
}

/** The ids of an int64 little-endian blob. */
export function readIds(blob: Uint8Array, n: number): Float64Array {
  const pairs = new Uint32Array(n * 2);
  fill(pairs, blob, 'ids');
  const ids = new Float64Array(n);
  for (let i = 0; i < n; i++) ids[i] = (pairs[2 * i + 1]! | 0) * 2 ** 32 + pairs[2 * i]!;
  return ids;
}

/** Copies a stored blob into `target` (aligned), checking its size. */
function fill(target: Uint32Array | Float64Array | Float32Array, blob: Uint8Array | null, what: string): void {
  if (!(blob instanceof Uint8Array) || blob.byteLength !== target.byteLength)
    throw new StoredIndexDamaged(`vector index: ${what} blob has ${blob?.byteLength ?? 'no'} bytes, expected ${target.byteLength}`);
  new Uint8Array(target.buffer, target.byteOffset, target.byteLength).set(blob);
}

interface BlockRow {
  block: number;
  n: number;
  ids: Uint8Array;
  expires: Uint8Array;
  codes: Uint8Array;
}

/** Adds a stored block row to `index` (codes copied once, into the index). */
function addRow(index: BinaryVectorIndex, r: BlockRow): void {
  const n = Number(r.n);
  const ids = readIds(r.ids, n);
  const expires = new Float64Array(n);
  // An empty blob: no entry of the block expires.
  if (r.expires.byteLength === 0) expires.fill(Number.POSITIVE_INFINITY);
  else fill(expires, r.expires, 'expires');
  if (!(r.codes instanceof Uint8Array) || r.codes.byteLength !== n * index.book.words * 4 || !(n > 0 && n <= BLOCK)) {
    throw new StoredIndexDamaged(`vector index: block ${String(r.block)} does not hold ${n} codes`);
  }
  index.addSealed(n, ids, expires, r.codes);
}

async function insertBlock(tx: Queryable, blob: Blob, number: number, block: CodeBlock, words: number): Promise<void> {
  let expiring = false;
  for (let i = 0; i < block.n && !expiring; i++) expiring = block.expires[i] !== Number.POSITIVE_INFINITY;
  const b = blob.sql('?');
  await tx.run(`INSERT OR REPLACE INTO memory_vector_blocks (block, n, ids, expires, codes) VALUES (?, ?, ${b}, ${b}, ${b})`, [
    number,
    block.n,
    blob.value(idsBlob(block.ids, block.n)),
    blob.value(expiring ? bytesOf(block.expires, block.n) : Buffer.alloc(0)),
    blob.value(bytesOf(block.codes, block.n * words)),
  ]);
}

async function insertStats(tx: Queryable, blob: Blob, stats: CodeStats): Promise<void> {
  const b = blob.sql('?');
  await tx.run(`INSERT OR REPLACE INTO memory_vector_blocks (block, n, ids, expires, codes) VALUES (-1, ?, ${b}, ${b}, ${b})`, [
    stats.mean.length,
    blob.value(bytesOf(stats.mean, stats.mean.length)),
    blob.value(bytesOf(stats.inverseSd, stats.inverseSd.length)),
    blob.value(Buffer.alloc(0)),
  ]);
}

/** A fresh epoch: random over 2^52 (the statistics cache is shared by every agent of the process), so another epoch's cached statistics or blocks never pass for it. */
function newEpoch(previous: number | undefined): number {
  for (;;) {
    const epoch = Math.floor(Math.random() * 2 ** 52);
    if (epoch !== previous) return epoch;
  }
}

/** Statistics read per epoch (they never change within one): a small write skips reading them. */
const statsCache = new Map<number, CodeStats>();

async function statsOf(tx: Queryable, header: IndexHeader): Promise<CodeStats | undefined> {
  const cached = statsCache.get(header.epoch);
  if (cached && cached.mean.length === header.dims) return cached;
  const row = await tx.get<{ ids: Uint8Array; expires: Uint8Array }>('SELECT ids, expires FROM memory_vector_blocks WHERE block = -1');
  if (!row) return undefined;
  const stats = { mean: new Float32Array(header.dims), inverseSd: new Float32Array(header.dims) };
  fill(stats.mean, row.ids, 'mean');
  fill(stats.inverseSd, row.expires, 'inverse sd');
  if (statsCache.size >= 64) statsCache.delete(statsCache.keys().next().value!);
  statsCache.set(header.epoch, stats);
  return stats;
}

const expiryOf = (x: number | null) => (x === null ? Number.POSITIVE_INFINITY : x);

/** Writes `entries` as sealed blocks numbered from `from`; returns the next free number. */
async function writeBlocks(
  tx: Queryable,
  blob: Blob,
  book: CodeBook,
  from: number,
  count: number,
  entry: (i: number, block: CodeBlock, slot: number) => void,
): Promise<number> {
  let number = from;
  for (let start = 0; start < count; start += BLOCK) {
    const n = Math.min(BLOCK, count - start);
    const block = newBlock(n, book.words);
    for (let i = 0; i < n; i++) entry(start + i, block, i);
    block.n = n;
    await insertBlock(tx, blob, number++, block, book.words);
  }
  return number;
}

// ---- loading -----------------------------------------------------------------------------------

/** An index loaded from the tables, with what a later incremental reload needs. */
export class StoredVectorIndex extends BinaryVectorIndex {
  epoch = -1;
  /** Highest sealed block number loaded. */
  lastBlock = -1;
  /** Whether the tables hold this index (false: built in memory only, e.g. read-only). */
  persisted = true;
}

/**
 * Loads the stored index, or brings `cached` (same epoch) up to date by reading only the blocks
 * written since and the tail. Returns undefined if the tables do not match `header`.
 */
export async function loadStored(
  db: Queryable,
  header: IndexHeader,
  cached: StoredVectorIndex | undefined,
): Promise<StoredVectorIndex | undefined> {
  let index = cached && cached.persisted && cached.epoch === header.epoch && cached.dims === header.dims ? cached : undefined;
  const after = index ? index.lastBlock : -2;
  const rows = await db.all<BlockRow>('SELECT block, n, ids, expires, codes FROM memory_vector_blocks WHERE block > ? ORDER BY block', [
    after,
  ]);
  let at = 0;
  if (!index) {
    const statsRow = rows[0];
    if (!statsRow || Number(statsRow.block) !== -1 || Number(statsRow.n) !== header.dims) return undefined;
    const stats = { mean: new Float32Array(header.dims), inverseSd: new Float32Array(header.dims) };
    fill(stats.mean, statsRow.ids, 'mean');
    fill(stats.inverseSd, statsRow.expires, 'inverse sd');
    index = new StoredVectorIndex(header.dims, header.v, stats, 16);
    index.epoch = header.epoch;
    at = 1;
  }
  const { words } = index.book;
  let more = 0;
  for (let i = at; i < rows.length; i++) more += Number(rows[i]!.n);
  index.reserve(more + FOLD_AT);
  for (; at < rows.length; at++) {
    const r = rows[at]!;
    addRow(index, r);
    index.lastBlock = Number(r.block);
  }
  const tail = await db.all<{ id: number; masks: number; x: number | null; code: Uint8Array | null }>(
    'SELECT memory_id AS id, masks, expires_at AS x, code FROM memory_vector_tail',
  );
  index.clearTail();
  const code = new Uint32Array(words);
  for (const r of tail) {
    const id = Number(r.id);
    if (Number(r.masks) === 1) index.maskSealed(id);
    if (r.code === null) continue;
    fill(code, r.code, 'tail code');
    index.putCode(id, code, 0, expiryOf(r.x === null ? null : Number(r.x)));
  }
  index.version = header.v;
  return index;
}

// ---- building and maintaining ------------------------------------------------------------------

/** Current memories with their vectors (bounded count first: small agents stay cheap). */
export async function countCurrent(db: Queryable, atLeast: number): Promise<number> {
  const row = await db.get<{ n: number }>('SELECT count(*) AS n FROM (SELECT 1 FROM memories WHERE valid_to IS NULL LIMIT ?)', [atLeast]);
  return Number(row?.n ?? 0);
}

/** Builds an index of every current vector in memory (not stored). */
export async function buildInMemory(db: Queryable, dims: number, version: string): Promise<StoredVectorIndex> {
  const rows = await db.all<{ id: number; e: Uint8Array; x: number | null }>(
    'SELECT v.memory_id AS id, v.embedding AS e, m.expires_at AS x FROM memory_vectors v JOIN memories m ON m.id = v.memory_id WHERE m.valid_to IS NULL',
  );
  const vectors = rows.map((r) => blobToVector(r.e));
  const index = new StoredVectorIndex(dims, version, codeStats(dims, vectors), 16);
  const { book } = index;
  // Sealed blocks, as if loaded from the tables: later changes mask them and go to the tail.
  index.reserve(rows.length);
  for (let start = 0; start < rows.length; start += BLOCK) {
    const n = Math.min(BLOCK, rows.length - start);
    const block = newBlock(n, book.words);
    for (let i = 0; i < n; i++) {
      const r = rows[start + i]!;
      block.ids[i] = Number(r.id);
      block.expires[i] = expiryOf(r.x === null ? null : Number(r.x));
      book.encode(vectors[start + i]!, block.codes, i * book.words);
    }
    index.addSealed(n, block.ids, block.expires, new Uint8Array(block.codes.buffer, 0, n * book.words * 4));
  }
  index.persisted = false;
  return index;
}

/**
 * Rebuilds the stored index from the vectors (new statistics, new epoch), or drops it when the
 * agent is below INDEX_MIN_VECTORS. Call inside a write transaction, after bumping
 * vectors_version to `version`.
 */
export async function rebuildStored(
  tx: Queryable,
  blob: Blob,
  dims: number,
  version: string,
  previous?: IndexHeader,
): Promise<{ count?: number }> {
  if (!LITTLE_ENDIAN) return {};
  const current = await countCurrent(tx, INDEX_MIN_VECTORS);
  if (current < INDEX_MIN_VECTORS) {
    if (previous) {
      await tx.run('DELETE FROM memory_vector_blocks');
      await tx.run('DELETE FROM memory_vector_tail');
      await tx.run('DELETE FROM engram_meta WHERE key = ?', [HEADER_KEY]);
    }
    return { count: current };
  }
  for (const sql of DDL) await tx.exec(sql);
  const rows = await tx.all<{ id: number; e: Uint8Array; x: number | null }>(
    'SELECT v.memory_id AS id, v.embedding AS e, m.expires_at AS x FROM memory_vectors v JOIN memories m ON m.id = v.memory_id WHERE m.valid_to IS NULL',
  );
  const vectors = rows.map((r) => blobToVector(r.e));
  const stats = codeStats(dims, vectors);
  const book = new CodeBook(dims, stats);
  await tx.run('DELETE FROM memory_vector_blocks');
  await tx.run('DELETE FROM memory_vector_tail');
  await insertStats(tx, blob, stats);
  const next = await writeBlocks(tx, blob, book, 0, rows.length, (i, block, slot) => {
    const r = rows[i]!;
    block.ids[slot] = Number(r.id);
    block.expires[slot] = expiryOf(r.x === null ? null : Number(r.x));
    book.encode(vectors[i]!, block.codes, slot * book.words);
  });
  await writeHeader(tx, {
    v: version,
    epoch: newEpoch(previous?.epoch),
    dims,
    statsN: rows.length,
    next,
    n: rows.length,
    tail: 0,
    masks: 0,
  });
  return {};
}

/** Rewrites the stored index from its own codes: masks and tail folded away, new epoch. */
async function compact(tx: Queryable, blob: Blob, header: IndexHeader, version: string): Promise<void> {
  const index = await loadStored(tx, header, undefined);
  if (!index) {
    await rebuildStored(tx, blob, header.dims, version, header);
    return;
  }
  const { book } = index;
  const blocks = index.blocks();
  const live: { block: CodeBlock; slot: number }[] = [];
  for (const block of blocks)
    for (let i = 0; i < block.n; i++) if (block.expires[i]! !== Number.NEGATIVE_INFINITY) live.push({ block, slot: i });
  await tx.run('DELETE FROM memory_vector_blocks WHERE block >= 0');
  await tx.run('DELETE FROM memory_vector_tail');
  const { words } = book;
  const next = await writeBlocks(tx, blob, book, 0, live.length, (i, block, slot) => {
    const src = live[i]!;
    block.ids[slot] = src.block.ids[src.slot]!;
    block.expires[slot] = src.block.expires[src.slot]!;
    block.codes.set(src.block.codes.subarray(src.slot * words, (src.slot + 1) * words), slot * words);
  });
  await writeHeader(tx, { ...header, v: version, epoch: newEpoch(header.epoch), next, n: live.length, tail: 0, masks: 0 });
}

export async function readHeader(db: Queryable): Promise<IndexHeader | undefined> {
  const row = await db.get<{ value: string }>('SELECT value FROM engram_meta WHERE key = ?', [HEADER_KEY]);
  return parseHeader(row?.value);
}

/**
 * Applies `changes` to the stored index inside the write transaction that made them, right
 * after vectors_version was bumped to `version`. A missing or stale index is rebuilt from the
 * vectors once the agent is large enough. `knownSmall`: the caller knows the agent had fewer
 * than INDEX_MIN_VECTORS current vectors before this change, and by how many it grew.
 */
export async function maintainStored(
  tx: Queryable,
  blob: Blob,
  dims: number,
  version: string,
  changes: VectorChanges,
  knownSmall?: { count: number },
): Promise<{ count?: number }> {
  if (!LITTLE_ENDIAN) return {};
  const delta = (changes.added?.length ?? 0) - (changes.removed?.length ?? 0);
  // The caller saw a small agent at the previous version: no index to keep, no count to run.
  if (knownSmall && knownSmall.count + delta < INDEX_MIN_VECTORS) return { count: knownSmall.count + delta };
  const header = await readHeader(tx);
  const before = String(Number(version) - 1);
  if (!header || header.v !== before || header.dims !== dims) return rebuildStored(tx, blob, dims, version, header);
  try {
    return await applyChanges(tx, blob, header, dims, version, changes);
  } catch (err) {
    if (!(err instanceof StoredIndexDamaged)) throw err;
    return rebuildStored(tx, blob, dims, version, header);
  }
}

async function applyChanges(
  tx: Queryable,
  blob: Blob,
  header: IndexHeader,
  dims: number,
  version: string,
  changes: VectorChanges,
): Promise<{ count?: number }> {
  const stats = await statsOf(tx, header);
  if (!stats) return rebuildStored(tx, blob, dims, version, header);
  const book = new CodeBook(dims, stats);
  const { words } = book;
  const h = { ...header, v: version };
  const code = new Uint32Array(words);
  const codeBlob = (vector: Float32Array) => {
    book.encode(vector, code, 0);
    return Buffer.from(bytesOf(code, words)); // a copy: `code` is reused
  };

  const added = changes.added ?? [];
  if (added.length >= DIRECT_BLOCK_MIN) {
    h.next = await writeBlocks(tx, blob, book, h.next, added.length, (i, block, slot) => {
      const a = added[i]!;
      block.ids[slot] = a.id;
      block.expires[slot] = expiryOf(a.expiresAt);
      book.encode(a.vector, block.codes, slot * words);
    });
  } else {
    for (const a of added) {
      await tx.run(`INSERT OR REPLACE INTO memory_vector_tail (memory_id, masks, expires_at, code) VALUES (?, 0, ?, ${blob.sql('?')})`, [
        a.id,
        a.expiresAt,
        blob.value(codeBlob(a.vector)),
      ]);
    }
    h.tail += added.length;
  }
  const upsertMask = (id: number, expiresAt: number | null, bytes: Buffer | null) =>
    tx.run(
      `INSERT INTO memory_vector_tail (memory_id, masks, expires_at, code) VALUES (?, 1, ?, ${blob.sql('?')}) ON CONFLICT (memory_id) DO UPDATE SET expires_at = excluded.expires_at, code = excluded.code`,
      [id, expiresAt, bytes === null ? null : blob.value(bytes)],
    );
  for (const c of changes.changed ?? []) {
    let vector = c.vector;
    if (!vector) {
      const row = await tx.get<{ e: Uint8Array }>('SELECT embedding AS e FROM memory_vectors WHERE memory_id = ?', [c.id]);
      if (!row) continue;
      vector = blobToVector(row.e);
    }
    await upsertMask(c.id, c.expiresAt, codeBlob(vector));
    h.masks++;
  }
  for (const id of changes.removed ?? []) {
    await upsertMask(id, null, null);
    h.masks++;
  }
  h.n += added.length - (changes.removed?.length ?? 0);

  if (h.n > RESTAT_GROWTH * h.statsN) return rebuildStored(tx, blob, dims, version, header);
  if (h.masks > Math.max(BLOCK, h.n / 8)) {
    await compact(tx, blob, h, version);
    return {};
  }
  if (h.tail >= FOLD_AT) {
    const rows = await tx.all<{ id: number; x: number | null; code: Uint8Array }>(
      'SELECT memory_id AS id, expires_at AS x, code FROM memory_vector_tail WHERE masks = 0 AND code IS NOT NULL',
    );
    h.next = await writeBlocks(tx, blob, book, h.next, rows.length, (i, block, slot) => {
      const r = rows[i]!;
      block.ids[slot] = Number(r.id);
      block.expires[slot] = expiryOf(r.x === null ? null : Number(r.x));
      fill(block.codes.subarray(slot * words, (slot + 1) * words), r.code, 'tail code');
    });
    await tx.run('DELETE FROM memory_vector_tail WHERE masks = 0');
    h.tail = 0;
  }
  await writeHeader(tx, h);
  return {};
}

import { describe, expect, it } from 'vitest';
import { Engram } from '../src/engram.js';
import { HashEmbedder } from '../src/embedders/hash-embedder.js';
import type { Agent } from '../src/agent.js';
import type { AgentState } from '../src/runtime/agent-state.js';
import {
  INDEX_MIN_VECTORS,
  buildInMemory,
  idsBlob,
  loadStored,
  parseHeader,
  readIds,
  type StoredVectorIndex,
} from '../src/search/vector-index-store.js';
import { CodeBook } from '../src/search/vector-index.js';
import { blobToVector } from '../src/search/vectors.js';
import { DRIVER_NAMES, expectCode, onCleanup, tempDir } from './helpers.js';
import { vectorCache } from '../src/search/vector-cache.js';

const WORDS = ['amber', 'basil', 'cedar', 'delta', 'ember', 'fjord', 'gamma', 'heron', 'indigo', 'juniper', 'kelp', 'lumen', 'mango'];
const text = (i: number) => `${WORDS[i % 13]} ${WORDS[(i * 7) % 13]} ${WORDS[(i * 5 + 3) % 13]} item ${i} code x${i * 7919}`;

async function fill(agent: Agent, from: number, to: number, batch = 1000): Promise<void> {
  for (let i = from; i < to; i += batch) {
    const end = Math.min(to, i + batch);
    await agent.memories.remember(Array.from({ length: end - i }, (_, j) => ({ text: text(i + j) })));
  }
}

const state = (agent: Agent): Promise<AgentState> => agent.use(async (s) => s);

async function header(agent: Agent) {
  return agent.use(async (s) => {
    const row = await s.conn.get<{ v: string; h: string | null }>(
      `SELECT (SELECT value FROM engram_meta WHERE key = 'vectors_version') AS v, (SELECT value FROM engram_meta WHERE key = 'vector_index') AS h`,
    );
    return { version: String(row!.v), header: parseHeader(row!.h) };
  });
}

/** Live entries of an index: id -> expiry and code (hex). */
function entries(index: StoredVectorIndex): Map<number, string> {
  const out = new Map<number, string>();
  const { words } = index.book;
  for (const b of index.blocks()) {
    for (let i = 0; i < b.n; i++) {
      if (b.expires[i] === Number.NEGATIVE_INFINITY) continue;
      expect(out.has(b.ids[i]!)).toBe(false);
      out.set(b.ids[i]!, `${b.expires[i]}:${Buffer.from(b.codes.buffer, b.codes.byteOffset + i * words * 4, words * 4).toString('hex')}`);
    }
  }
  return out;
}

/**
 * The stored index, loaded fresh from the tables, must hold exactly the current vectors, each
 * encoded with the stored statistics.
 */
async function expectStoredMatchesVectors(agent: Agent): Promise<StoredVectorIndex> {
  const { version, header: h } = await header(agent);
  expect(h?.v).toBe(version);
  return agent.use(async (s) => {
    const stored = (await loadStored(s.conn, h!, undefined))!;
    expect(stored).toBeDefined();
    const rows = await s.conn.all<{ id: number; e: Uint8Array; x: number | null }>(
      'SELECT v.memory_id AS id, v.embedding AS e, m.expires_at AS x FROM memory_vectors v JOIN memories m ON m.id = v.memory_id WHERE m.valid_to IS NULL',
    );
    const book = new CodeBook(stored.dims, stored.book.stats);
    const code = new Uint32Array(book.words);
    const expected = new Map<number, string>();
    for (const r of rows) {
      book.encode(blobToVector(r.e), code, 0);
      expected.set(Number(r.id), `${r.x === null ? Infinity : Number(r.x)}:${Buffer.from(code.buffer).toString('hex')}`);
    }
    expect(entries(stored)).toEqual(expected);
    expect(stored.size).toBe(rows.length);
    return stored;
  });
}

describe('stored ids', () => {
  it('round-trip any integer id a row may have: small, 63-bit-range, negative (ids are not assumed dense or positive)', () => {
    const ids = Float64Array.from([0, 1, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1, -1, -(2 ** 32), -(2 ** 53 - 1), 123_456_789_012_345]);
    const blob = idsBlob(ids, ids.length);
    expect(Array.from(readIds(blob, ids.length))).toEqual(Array.from(ids));
    // int64 little-endian, as SQLite would store the same values
    expect(blob.readBigInt64LE(5 * 8)).toBe(-1n);
    expect(blob.readBigInt64LE(4 * 8)).toBe(2n ** 53n - 1n);
  });
});

describe.each(DRIVER_NAMES)('stored first-pass index (%s)', (driver) => {
  const open = async (dir: string) => {
    const engram = await Engram.open({ dir, driver, embedder: new HashEmbedder({ dims: 64 }) });
    onCleanup(() => engram.close());
    return engram;
  };

  it('is written with the vectors, survives reopening, and the first recall reads it instead of the vectors', async () => {
    const dir = tempDir();
    let engram = await open(dir);
    let agent = await engram.agent('big');
    await fill(agent, 0, INDEX_MIN_VECTORS - 48);
    expect((await header(agent)).header).toBeUndefined(); // small: no index, no tables
    await fill(agent, INDEX_MIN_VECTORS - 48, INDEX_MIN_VECTORS + 500, 100);
    const h = (await header(agent)).header!;
    expect(h.n).toBe(INDEX_MIN_VECTORS + 500);
    await expectStoredMatchesVectors(agent);
    await engram.close();

    engram = await open(dir);
    agent = await engram.agent('big');
    // The first recall must not read memory_vectors in full: count the statements that do.
    const s = await state(agent);
    const conn = s.conn as unknown as Record<string, unknown>;
    const seen: string[] = [];
    const original = s.conn.all.bind(s.conn);
    conn.all = (sql: string, params?: never[]) => (seen.push(sql), original(sql, params));
    const hits = await agent.memories.recall(text(1234), { mode: 'vector', limit: 3 });
    delete conn.all;
    expect(hits[0]!.memory.text).toBe(text(1234));
    expect(seen.some((sql) => /memory_vector_blocks/.test(sql))).toBe(true);
    expect(seen.some((sql) => /SELECT v\.memory_id AS id, v\.embedding/.test(sql))).toBe(false);
    expect(vectorCache(s).index?.size).toBe(INDEX_MIN_VECTORS + 500);
  });

  it('stays equal to the vectors through single writes, supersedes, updates, expiry, forget, folds and compaction', async () => {
    const dir = tempDir();
    const engram = await open(dir);
    const agent = await engram.agent('big');
    await fill(agent, 0, INDEX_MIN_VECTORS + 10);
    // Single writes go to the tail; 300 of them fold into a block.
    for (let i = 0; i < 300; i++) await agent.memories.remember({ text: text(10_000 + i), ttlMs: i % 3 === 0 ? 3_600_000 : undefined });
    const listed = await agent.memories.list({ limit: 400, order: 'oldest' });
    await agent.memories.remember({ text: 'a replacement about quasars', supersedes: listed[5]!.id });
    await agent.memories.update(listed[6]!.id, { text: 'an updated text about nebulae' });
    await agent.memories.update(listed[7]!.id, { ttlMs: 60_000 });
    await agent.memories.forget(listed[8]!.id);
    await expectStoredMatchesVectors(agent);
    const after = (await header(agent)).header!;
    expect(after.tail).toBeLessThan(256);

    // Enough removals to compact: the epoch changes and the result still matches.
    const many = [...(await agent.memories.list({ limit: 1000 })), ...(await agent.memories.list({ limit: 1000, offset: 1000 }))];
    for (const m of many.slice(0, 1100)) await agent.memories.forget(m.id);
    const compacted = (await header(agent)).header!;
    expect(compacted.epoch).not.toBe(after.epoch);
    await expectStoredMatchesVectors(agent);

    // The handle's cached index follows all of it.
    const hits = await agent.memories.recall('an updated text about nebulae', { mode: 'vector', limit: 1 });
    expect(hits[0]!.memory.id).toBe(listed[6]!.id);
  });

  it('a failed write leaves the stored index as it was', async () => {
    const dir = tempDir();
    const engram = await open(dir);
    const agent = await engram.agent('big');
    await fill(agent, 0, INDEX_MIN_VECTORS + 10);
    const before = await header(agent);
    await expectCode(agent.memories.remember([{ text: 'ok one' }, { text: 'bad one', supersedes: `mem_${'0'.repeat(32)}` }]), 'NOT_FOUND');
    expect(await header(agent)).toEqual(before);
    await expectStoredMatchesVectors(agent);
  });

  it('another handle writing costs an incremental reload, not a rebuild', async () => {
    const dir = tempDir();
    const engram = await open(dir);
    const agent = await engram.agent('big');
    await fill(agent, 0, INDEX_MIN_VECTORS + 10);
    await agent.memories.recall(text(3), { mode: 'vector', limit: 1 });
    const cached = vectorCache(await state(agent)).index!;
    const other = await open(dir);
    const otherAgent = await other.agent('big');
    await otherAgent.memories.remember({ text: 'pulsar written by the other handle' });
    await fill(otherAgent, 20_000, 20_100, 100);
    await other.close();
    const hits = await agent.memories.recall('pulsar written by the other handle', { mode: 'vector', limit: 1 });
    expect(hits[0]!.memory.text).toBe('pulsar written by the other handle');
    const now = vectorCache(await state(agent)).index!;
    expect(now).toBe(cached); // same object: blocks added, nothing rebuilt
    expect(now.size).toBe(INDEX_MIN_VECTORS + 10 + 101);
  });

  it('an index left stale by a writer that does not keep it is rebuilt from the vectors', async () => {
    const dir = tempDir();
    const engram = await open(dir);
    const agent = await engram.agent('big');
    await fill(agent, 0, INDEX_MIN_VECTORS + 10);
    const [victim] = await agent.memories.list({ limit: 1 });
    // As an older Engram (or a merge) would: change vectors and bump vectors_version only.
    await agent.use((s) =>
      s.conn.transaction(async (tx) => {
        await tx.run('DELETE FROM memory_vectors WHERE memory_id = (SELECT id FROM memories WHERE uid = ?)', [victim!.id]);
        await tx.run('DELETE FROM memories WHERE uid = ?', [victim!.id]);
        await tx.run(`UPDATE engram_meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'vectors_version'`);
      }),
    );
    const hits = await agent.memories.recall(victim!.text, { mode: 'vector', limit: 5 });
    expect(hits.map((h) => h.memory.id)).not.toContain(victim!.id);
    await expectStoredMatchesVectors(agent);
    // And the in-memory fallback agrees with what was stored.
    const s = await state(agent);
    const built = await buildInMemory(s.conn, 64, 'x');
    expect(new Set(entries(built).keys())).toEqual(new Set(entries(vectorCache(s).index!).keys()));
  });

  it('an index built in memory (synced or read-only agents) holds sealed blocks that later changes mask', async () => {
    const dir = tempDir();
    const engram = await open(dir);
    const agent = await engram.agent('big');
    await fill(agent, 0, INDEX_MIN_VECTORS + 10);
    await agent.memories.recall(text(1), { mode: 'vector', limit: 1 }); // loads the stored index
    const s = await state(agent);
    const built = await buildInMemory(s.conn, 64, 'x');
    expect(built.persisted).toBe(false);
    // All in sealed blocks, none in the tail: a change later copies only the tail to the scan.
    expect(built.sealed.reduce((n, b) => n + b.n, 0)).toBe(INDEX_MIN_VECTORS + 10);
    expect(built.blocks()).toHaveLength(built.sealed.length);
    expect(new Set(entries(built).keys())).toEqual(new Set(entries(vectorCache(s).index!).keys()));
    const ids = [...entries(built).keys()];
    const vector = async (id: number) =>
      blobToVector((await s.conn.get<{ e: Uint8Array }>('SELECT embedding AS e FROM memory_vectors WHERE memory_id = ?', [id]))!.e);
    const [a, b] = [ids[5]!, ids[6]!];
    const va = await vector(a);
    expect(built.candidates(va, 1, Date.now())).toContain(a);
    built.remove(a);
    expect(built.size).toBe(INDEX_MIN_VECTORS + 9);
    expect(built.candidates(va, 50, Date.now())).not.toContain(a);
    // b takes a's vector: it moves from its sealed slot to the tail.
    built.upsert(b, va, null);
    expect(built.size).toBe(INDEX_MIN_VECTORS + 9);
    expect(built.candidates(va, 1, Date.now())).toEqual([b]);
    expect([...entries(built).keys()].filter((id) => id === b)).toHaveLength(1);
  });

  it('a damaged stored index is rebuilt from the vectors, by a recall or by a write', async () => {
    const dir = tempDir();
    let engram = await open(dir);
    let agent = await engram.agent('big');
    await fill(agent, 0, INDEX_MIN_VECTORS + 10);
    const damage = (sql: string) => agent.use((s) => s.conn.transaction((tx) => tx.run(sql)));
    await damage(`UPDATE memory_vector_blocks SET codes = x'00' WHERE block = 0`);
    await engram.close();

    engram = await open(dir);
    agent = await engram.agent('big');
    const hits = await agent.memories.recall(text(77), { mode: 'vector', limit: 1 });
    expect(hits[0]!.memory.text).toBe(text(77));
    await expectStoredMatchesVectors(agent);

    // The statistics row damaged under a write: the write succeeds and the index is rebuilt.
    await damage(`UPDATE memory_vector_blocks SET ids = x'0102' WHERE block = -1`);
    await engram.close();
    engram = await open(dir);
    agent = await engram.agent('big');
    await agent.memories.remember({ text: 'written over a damaged index' });
    await expectStoredMatchesVectors(agent);
    expect((await agent.memories.recall('written over a damaged index', { mode: 'vector', limit: 1 }))[0]!.memory.text).toBe(
      'written over a damaged index',
    );
  });
});

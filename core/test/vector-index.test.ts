import { beforeEach, describe, expect, it } from 'vitest';
import { Engram } from '../src/engram.js';
import { HashEmbedder } from '../src/embedders/hash-embedder.js';
import { INDEX_MIN_VECTORS } from '../src/memories/recall.js';
import { BinaryVectorIndex, codeStats } from '../src/search/vector-index.js';
import { HammingArena } from '../src/search/hamming-kernel.js';
import { DRIVER_NAMES, tempDir } from './helpers.js';
import { vectorCache } from '../src/search/vector-cache.js';

function unit(values: number[]): Float32Array {
  const v = Float32Array.from(values);
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

describe('BinaryVectorIndex', () => {
  let index: BinaryVectorIndex;
  beforeEach(() => {
    index = new BinaryVectorIndex(4, '1', undefined, 2);
    index.upsert(1, unit([1, 1, 1, 1]), null);
    index.upsert(2, unit([1, 1, 1, -1]), null);
    index.upsert(3, unit([-1, -1, -1, -1]), null);
    index.upsert(4, unit([1, 1, 1, 1]), 1000); // expires at t=1000
  });

  it('counts the codes it holds', () => {
    expect(index.size).toBe(4);
  });

  it('finds the nearest codes, keeping ties at the cut', () => {
    expect(index.candidates(unit([1, 1, 1, 1]), 1, 0)).toEqual([1, 4]); // ties at the cut are kept
  });

  it('skips expired ids', () => {
    expect(index.candidates(unit([1, 1, 1, 1]), 1, 2000)).toEqual([1]);
  });

  it('searches only the allowed ids when given a set', () => {
    expect(index.candidates(unit([1, 1, 1, 1]), 1, 2000, new Set([2, 3]))).toEqual([2]);
  });

  it('removes an id cleanly, and ignores an unknown one', () => {
    index.remove(1);
    index.remove(99);
    expect(index.size).toBe(3);
    expect(index.candidates(unit([1, 1, 1, 1]), 1, 2000)).toEqual([2]);
  });

  it('replaces a code in place on upsert of a known id', () => {
    index.remove(1);
    index.upsert(2, unit([-1, -1, -1, -1]), null); // replace in place
    expect(index.size).toBe(3);
    expect(index.candidates(unit([-1, -1, -1, -1]), 2, 2000).sort()).toEqual([2, 3]);
  });
});

describe('HammingArena (WebAssembly SIMD)', () => {
  it('computes the same distances and histogram as plain popcount, across growth, and selects within a cut', () => {
    const words = 8;
    const grown: number[] = [];
    const arena = HammingArena.create(words, words * 32, () => grown.push(1))!;
    expect(arena).toBeDefined();
    const codes = new Uint32Array(3000 * words).map(() => (Math.random() * 2 ** 32) >>> 0);
    const bytes = new Uint8Array(codes.buffer);
    arena.appendSealed(bytes.subarray(0, 1000 * words * 4), 1000);
    arena.appendSealed(bytes.subarray(1000 * words * 4), 2000);
    const tail = new Uint32Array(5 * words).fill(0xffffffff);
    arena.setTail(tail, 5);
    expect(grown.length).toBeGreaterThan(0);
    const query = codes.slice(17 * words, 18 * words);
    const { dist, histogram } = arena.scan(query);
    const pop = (x: number) => x.toString(2).replaceAll('0', '').length;
    const expected = Array.from({ length: 3005 }, (_, i) => {
      let s = 0;
      for (let w = 0; w < words; w++) s += pop(((i < 3000 ? codes[i * words + w]! : 0xffffffff) ^ query[w]!) >>> 0);
      return s;
    });
    expect(Array.from(dist)).toEqual(expected);
    const counts = new Array<number>(words * 32 + 2).fill(0);
    for (const d of expected) counts[d]!++;
    expect(Array.from(histogram)).toEqual(counts);
    expect(expected[17]).toBe(0);
    const cut = 120;
    expect(Array.from(arena.select(cut))).toEqual(expected.flatMap((d, i) => (d <= cut ? [i] : [])));
    expect(Array.from(arena.view(1000, 1))).toEqual(Array.from(codes.subarray(1000 * words, 1001 * words)));
  });

  it('nearest() re-scores code candidates against the query: the true nearest comes first', () => {
    const dims = 32;
    const rand = () => Float32Array.from({ length: dims }, () => Math.random() - 0.5);
    const vectors = Array.from({ length: 500 }, () => unit(Array.from(rand())));
    const index = new BinaryVectorIndex(dims, '1', codeStats(dims, vectors));
    vectors.forEach((v, i) => index.upsert(i + 1, v, null));
    for (let j = 0; j < 20; j++) {
      const q = vectors[j * 7]!;
      const picked = index.nearest(q, 100, 10, 0);
      expect(picked).toHaveLength(10);
      expect(picked[0]).toBe(j * 7 + 1);
      expect(index.candidates(q, 100, 0).length).toBeGreaterThanOrEqual(100);
    }
  });
});

describe('BinaryVectorIndex cut with fewer eligible codes than asked for', () => {
  // 3000 codes in sealed blocks (as loaded from the tables) and a few in the tail.
  const dims = 16;
  const rand = (seed: number) => Float32Array.from({ length: dims }, (_, d) => Math.sin(seed * 12.9898 + d * 78.233));
  const build = () => {
    const vectors = Array.from({ length: 3000 }, (_, i) => unit(Array.from(rand(i + 1))));
    const index = new BinaryVectorIndex(dims, '1', codeStats(dims, vectors), 16);
    const { words } = index.book;
    for (let start = 0; start < 3000; start += 1000) {
      const codes = new Uint32Array(1000 * words);
      const ids = new Float64Array(1000);
      const expires = new Float64Array(1000);
      for (let i = 0; i < 1000; i++) {
        ids[i] = start + i + 1;
        // every id above 100 expires at t=1000
        expires[i] = start + i + 1 > 100 ? 1000 : Number.POSITIVE_INFINITY;
        index.book.encode(vectors[start + i]!, codes, i * words);
      }
      index.addSealed(1000, ids, expires, new Uint8Array(codes.buffer));
    }
    index.upsert(5001, vectors[7]!, 1000);
    index.upsert(5002, vectors[8]!, null);
    return { index, vectors };
  };

  it('never returns ids outside the allowed set, even when fewer are allowed than k', () => {
    const { index, vectors } = build();
    const allow = new Set(Array.from({ length: 50 }, (_, i) => 2 * i + 1));
    const got = index.candidates(vectors[0]!, 500, 0, allow);
    expect(got.length).toBe(50);
    expect(got.every((id) => allow.has(id))).toBe(true);
    expect(index.nearest(vectors[0]!, 500, 300, 0, allow).every((id) => allow.has(id))).toBe(true);
  });

  it('never returns expired ids, even when fewer live ones remain than k', () => {
    const { index, vectors } = build();
    const got = index.candidates(vectors[0]!, 500, 2000);
    expect(got.sort((a, b) => a - b)).toEqual([...Array.from({ length: 100 }, (_, i) => i + 1), 5002]);
  });
});

describe.each(DRIVER_NAMES)('recall on a large agent (%s)', (driver) => {
  it('never returns expired memories when fewer unexpired ones remain than the first pass takes', async () => {
    const dir = tempDir();
    const embedder = new HashEmbedder({ dims: 64 });
    const engram = await Engram.open({ dir, driver, embedder });
    const agent = await engram.agent('expiring');
    const n = INDEX_MIN_VECTORS + 100;
    const soon = Date.now() + 1500;
    const inputs = Array.from({ length: n }, (_, i) => ({
      text: `note ${i} about topic ${i % 17} and place ${(i * 7) % 23}`,
      ...(i >= 50 ? { expiresAt: soon } : {}),
    }));
    for (let i = 0; i < n; i += 1000) await agent.memories.remember(inputs.slice(i, i + 1000));
    // The index is loaded while everything is live, then most memories expire.
    expect(await agent.memories.recall('note about topic 3', { mode: 'vector', limit: 10 })).toHaveLength(10);
    expect(await agent.use(async (s) => vectorCache(s).index?.size)).toBe(n);
    await new Promise((r) => setTimeout(r, soon - Date.now() + 50));
    const live = new Set(inputs.slice(0, 50).map((m) => m.text));
    const results = await agent.memories.recall('note about topic 3', { mode: 'vector', limit: 60 });
    expect(results.length).toBe(50);
    expect(results.every((r) => live.has(r.memory.text))).toBe(true);
    await engram.close();
  });

  it('uses the first-pass index and keeps it in step with writes from this and other handles', async () => {
    const dir = tempDir();
    const embedder = new HashEmbedder({ dims: 64 });
    const engram = await Engram.open({ dir, driver, embedder });
    const agent = await engram.agent('big');
    const n = INDEX_MIN_VECTORS + 100;
    const words = ['amber', 'basil', 'cedar', 'delta', 'ember', 'fjord', 'gamma', 'heron', 'indigo', 'juniper', 'kelp', 'lumen'];
    const texts = Array.from(
      { length: n },
      (_, i) => `${words[i % 12]} ${words[(i * 7) % 12]} ${words[(i * 5 + 3) % 12]} item ${i} code x${i * 7919}`,
    );
    for (let i = 0; i < n; i += 1000) await agent.memories.remember(texts.slice(i, i + 1000).map((text) => ({ text })));

    const target = texts[1234]!;
    const first = await agent.memories.recall(target, { mode: 'vector', limit: 5 });
    expect(first[0]!.memory.text).toBe(target);
    const index = await agent.use(async (s) => vectorCache(s).index);
    expect(index?.size).toBe(n);

    // writes through this handle update the index in place
    const [hit] = await agent.memories.list({ limit: 1, order: 'oldest' });
    const replacement = await agent.memories.remember({ text: 'completely new text about quasar nebula', supersedes: hit!.id });
    expect((await agent.memories.recall('quasar nebula', { mode: 'vector', limit: 1 }))[0]!.memory.id).toBe(replacement.id);
    expect((await agent.memories.recall(hit!.text, { mode: 'vector', limit: 5 })).map((r) => r.memory.id)).not.toContain(hit!.id);
    const firstHit = first[0]!.memory.id;
    await agent.memories.forget(firstHit);
    expect((await agent.memories.recall(target, { mode: 'vector', limit: 5 })).map((r) => r.memory.id)).not.toContain(firstHit);
    expect(await agent.use(async (s) => vectorCache(s).index?.size)).toBe(n - 1);

    // a write through another handle (as another process would) invalidates the cached index
    const other = await Engram.open({ dir, driver, embedder });
    await (await other.agent('big')).memories.remember({ text: 'pulsar written by the other handle' });
    await other.close();
    expect((await agent.memories.recall('pulsar written by the other handle', { mode: 'vector', limit: 1 }))[0]!.memory.text).toBe(
      'pulsar written by the other handle',
    );

    // filtered recall on a large agent: filters before the cut, exact ranking of the eligible set
    const filtered = await agent.memories.recall(target, {
      mode: 'vector',
      limit: 3,
      metadata: { none: { $exists: false } },
      kinds: ['fact'],
    });
    expect(filtered).toHaveLength(3);
    await engram.close();
  });
});

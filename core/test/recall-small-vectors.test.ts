/**
 * A small agent's recall picks its vector candidates from the vectors the handle holds in
 * memory (search/small-vectors.ts) and has the engine rank only those. It must rank exactly as
 * the engine's full scan does, ties included, while the agent changes under it: here the full
 * scan is the same recall with a filter that selects every memory (a narrowing filter always
 * takes the engine's scan).
 */
import { describe, expect, it } from 'vitest';
import { Engram, type Agent } from '@engram/core';
import { HashEmbedder } from '../src/embedders/hash-embedder.js';
import { SmallVectors } from '../src/search/small-vectors.js';
import { DRIVER_NAMES, onCleanup, tempDir } from './helpers.js';

const QUERIES = ['green tea every morning', 'the Berlin trip', 'Alice booked a flight', 'budget review', 'zebra'];
const WORDS = ['green', 'tea', 'morning', 'Berlin', 'trip', 'Alice', 'Bob', 'booked', 'flight', 'budget', 'review', 'jazz'];

/** Recall as it is, and as the engine's full scan gives it (every memory is a fact). */
async function expectSameAsFullScan(agent: Agent): Promise<void> {
  for (const query of QUERIES) {
    for (const options of [{ mode: 'vector' as const, limit: 25 }, { limit: 10 }, { mode: 'vector' as const, limit: 3 }]) {
      const fast = await agent.memories.recall(query, options);
      const full = await agent.memories.recall(query, { ...options, kinds: ['fact'] });
      expect(fast, `${query} ${JSON.stringify(options)}`).toEqual(full);
    }
  }
}

describe.each(DRIVER_NAMES)('recall of a small agent on %s', (driver) => {
  it('ranks as the engine full scan does, ties included, while the agent changes', async () => {
    const dir = tempDir();
    const embedder = new HashEmbedder({ dims: 64 });
    const engram = await Engram.open({ dir, driver, embedder });
    onCleanup(() => engram.close());
    const agent = await engram.agent('small');
    let seed = 1;
    const word = () => WORDS[(seed = (seed * 48271) % 2147483647) % WORDS.length]!;
    const sentence = () => `${word()} ${word()} ${word()}`;
    // Each text three times: identical vectors, so equal distances the ranking must order alike.
    const texts = Array.from({ length: 60 }, sentence);
    const stored = await agent.memories.remember([...texts, ...texts, ...texts].map((text) => ({ text })));
    await expectSameAsFullScan(agent);

    // Writes through this handle: the vectors in memory follow them.
    await agent.memories.remember({ text: 'green tea every morning' });
    await agent.memories.remember({ text: 'Alice booked a flight to Berlin', supersedes: stored[0]!.id });
    await agent.memories.forget(stored[1]!.id);
    await agent.memories.update(stored[2]!.id, { text: 'the budget review' });
    await agent.memories.update(stored[3]!.id, { ttlMs: 1 });
    await agent.memories.remember({ text: 'jazz jazz jazz', expiresAt: Date.now() + 1 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    await expectSameAsFullScan(agent);
    const expired = await agent.memories.recall('jazz jazz jazz', { mode: 'vector', limit: 200 });
    expect(expired.map((r) => r.memory.text)).not.toContain('jazz jazz jazz');
    expect(expired.map((r) => r.memory.id)).not.toContain(stored[3]!.id);

    // A write by another handle moves vectors_version past what this one holds: read again.
    const other = await Engram.open({ dir, driver, embedder });
    const theirs = await (await other.agent('small')).memories.remember({ text: 'Bob booked the Berlin trip' });
    await other.close();
    await expectSameAsFullScan(agent);
    const top = await agent.memories.recall('Bob booked the Berlin trip', { mode: 'vector', limit: 1 });
    expect(top[0]!.memory.id).toBe(theirs.id);
  });
});

describe('SmallVectors', () => {
  it('keeps every entry within the margin of the k-th nearest, in id order, and skips expired ones', () => {
    const small = new SmallVectors(2, '1');
    small.upsert(30, new Float32Array([1, 0]), null);
    small.upsert(10, new Float32Array([1, 0]), null);
    small.upsert(20, new Float32Array([0, 1]), null);
    small.upsert(40, new Float32Array([1, 0.01]), 100);
    expect(small.candidates(new Float32Array([2, 0]), 1, 50)).toEqual([10, 30, 40]);
    expect(small.candidates(new Float32Array([2, 0]), 1, 200)).toEqual([10, 30]);
    expect(small.candidates(new Float32Array([2, 0]), 3, 200)).toEqual([10, 20, 30]);
    small.remove(10);
    expect(small.candidates(new Float32Array([2, 0]), 1, 200)).toEqual([30]);
    expect(small.expire(20, 0)).toBe(true);
    expect(small.candidates(new Float32Array([0, 1]), 5, 200)).toEqual([30]);
    expect(small.upsert(50, new Float32Array([1, 2, 3]), null)).toBe(false);
  });

  it('grows past its first capacity and keeps each id with its own vector through removals', () => {
    const small = new SmallVectors(3, '1', 2);
    for (let id = 1; id <= 200; id++) small.upsert(id, new Float32Array([Math.cos(id), Math.sin(id), id % 7]), null);
    for (let id = 1; id <= 200; id += 3) small.remove(id);
    expect(small.size).toBe(133);
    for (const id of [2, 3, 101, 200]) {
      const [nearest] = small.candidates(new Float32Array([Math.cos(id), Math.sin(id), id % 7]), 1, 0);
      expect(nearest).toBe(id);
    }
    expect(small.candidates(new Float32Array([Math.cos(1), Math.sin(1), 1]), 1, 0)).not.toContain(1);
  });
});

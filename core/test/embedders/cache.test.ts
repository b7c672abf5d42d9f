import { describe, it, expect } from 'vitest';
import { CachedEmbedder, withCache } from '../../src/embedders/cache.js';
import { HashEmbedder } from '../../src/embedders/hash-embedder.js';
import type { Embedder } from '../../src/embedders/types.js';

/** A HashEmbedder that records every batch it is asked for. */
function spy(): Embedder & { calls: string[][] } {
  const inner = new HashEmbedder({ dims: 8 });
  const calls: string[][] = [];
  return {
    id: inner.id,
    dims: inner.dims,
    calls,
    embed(texts) {
      calls.push([...texts]);
      return inner.embed(texts);
    },
  };
}

describe('CachedEmbedder', () => {
  it('keeps id and dims and returns the inner vectors in order', async () => {
    const inner = spy();
    const cached = withCache(inner);
    expect(cached).toBeInstanceOf(CachedEmbedder);
    expect(cached.id).toBe(inner.id);
    expect(cached.dims).toBe(8);
    const direct = await new HashEmbedder({ dims: 8 }).embed(['a', 'b', 'c']);
    const got = await cached.embed(['a', 'b', 'c']);
    expect(got.map((v) => Array.from(v))).toEqual(direct.map((v) => Array.from(v)));
  });

  it('sends only misses, once per distinct text, in one batch', async () => {
    const inner = spy();
    const cached = withCache(inner);
    await cached.embed(['a', 'b', 'a']);
    expect(inner.calls).toEqual([['a', 'b']]);
    expect(cached.stats).toEqual({ hits: 1, misses: 2 });

    const out = await cached.embed(['c', 'a', 'c', 'b', 'd']);
    expect(inner.calls[1]).toEqual(['c', 'd']);
    expect(cached.stats).toEqual({ hits: 4, misses: 4 });
    const direct = await new HashEmbedder({ dims: 8 }).embed(['c', 'a', 'c', 'b', 'd']);
    expect(out.map((v) => Array.from(v))).toEqual(direct.map((v) => Array.from(v)));

    await cached.embed(['a', 'b', 'c', 'd']);
    expect(inner.calls).toHaveLength(2);
  });

  it('evicts the least recently used entry', async () => {
    const inner = spy();
    const cached = withCache(inner, { maxEntries: 2 });
    await cached.embed(['a', 'b']);
    await cached.embed(['a']); // a is now more recent than b
    await cached.embed(['c']); // evicts b
    expect(cached.size).toBe(2);
    await cached.embed(['a', 'c']);
    expect(inner.calls).toHaveLength(2);
    await cached.embed(['b']);
    expect(inner.calls[2]).toEqual(['b']);
  });

  it('returns copies that callers may modify', async () => {
    const cached = withCache(spy());
    const [first] = await cached.embed(['x']);
    const saved = Array.from(first!);
    first!.fill(0);
    const [second] = await cached.embed(['x']);
    expect(Array.from(second!)).toEqual(saved);
  });

  it('does not call the inner embedder for an empty batch', async () => {
    const inner = spy();
    expect(await withCache(inner).embed([])).toEqual([]);
    expect(inner.calls).toHaveLength(0);
  });

  it('rejects a bad maxEntries and checks the inner output', async () => {
    expect(() => withCache(spy(), { maxEntries: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    const broken: Embedder = { id: 'b', dims: 2, embed: async () => [new Float32Array(3)] };
    await expect(withCache(broken).embed(['x'])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

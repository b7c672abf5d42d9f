import { describe, it, expect } from 'vitest';
import { HashEmbedder, hashEmbedText } from '../../src/embedders/hash-embedder.js';

const cos = (a: Float32Array, b: Float32Array): number => a.reduce((s, x, i) => s + x * b[i]!, 0);
const norm = (a: Float32Array): number => Math.sqrt(cos(a, a));

describe('HashEmbedder', () => {
  it('has id and dims, defaults to 64', () => {
    expect(new HashEmbedder().dims).toBe(64);
    expect(new HashEmbedder().id).toBe('hash-64@1');
    expect(new HashEmbedder({ dims: 16 }).id).toBe('hash-16@1');
  });

  it('returns deterministic unit vectors of the right size', async () => {
    const e = new HashEmbedder({ dims: 32 });
    const [a, b, c] = await e.embed(['Hello world', 'hello   WORLD!', 'something else']);
    expect(a).toHaveLength(32);
    for (const v of [a!, b!, c!]) expect(norm(v)).toBeCloseTo(1, 5);
    expect(Array.from(a!)).toEqual(Array.from(b!)); // case and punctuation do not matter
    const [again] = await new HashEmbedder({ dims: 32 }).embed(['Hello world']);
    expect(Array.from(again!)).toEqual(Array.from(a!));
  });

  it('scores lexical overlap above unrelated text', async () => {
    const e = new HashEmbedder();
    const [q, near, far] = await e.embed(['dark mode settings', 'the user likes dark mode', 'quarterly revenue grew']);
    expect(cos(q!, near!)).toBeGreaterThan(cos(q!, far!) + 0.2);
  });

  it('gives texts without words a non-zero deterministic vector', async () => {
    const e = new HashEmbedder({ dims: 8 });
    const [empty, punct, punct2, other] = await e.embed(['', '?!', '?!', '...']);
    for (const v of [empty!, punct!, other!]) expect(norm(v)).toBeCloseTo(1, 5);
    expect(Array.from(punct!)).toEqual(Array.from(punct2!));
    expect(Array.from(punct!)).not.toEqual(Array.from(other!));
  });

  it('rejects bad dims and non-string input', async () => {
    expect(() => new HashEmbedder({ dims: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    await expect(new HashEmbedder().embed([42 as unknown as string])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(() => hashEmbedText(null as unknown as string, 4)).toThrow();
  });

  it('is fast', async () => {
    const texts = Array.from({ length: 5000 }, (_, i) => `memory number ${i} about the weather, coffee and late meetings`);
    const t = performance.now();
    await new HashEmbedder().embed(texts);
    expect(performance.now() - t).toBeLessThan(2000);
  });
});

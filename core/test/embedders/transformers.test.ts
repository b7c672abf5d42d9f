import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TransformersEmbedder } from '../../src/embedders/transformers.js';

// Random-weight 32-wide BERT with the real all-MiniLM-L6-v2 tokenizer: tests the plumbing, not meaning.
const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));
const modelDir = join(fixtures, 'tiny-random-minilm');
const norm = (a: Float32Array): number => Math.sqrt(a.reduce((s, x) => s + x * x, 0));
const maxDiff = (a: Float32Array, b: Float32Array): number => Math.max(...a.map((x, i) => Math.abs(x - b[i]!)));

let embedder: TransformersEmbedder;
beforeAll(async () => {
  embedder = await TransformersEmbedder.create({ model: modelDir, batchSize: 2 });
}, 60_000);
afterAll(async () => {
  await embedder?.close();
});

describe('TransformersEmbedder', () => {
  it('loads a local model directory and measures dims', () => {
    expect(embedder.dims).toBe(32);
    expect(embedder.id).toBe('transformers:tiny-random-minilm:q8');
  });

  it('returns unit-length vectors', async () => {
    const out = await embedder.embed(['hello world', 'a much longer sentence about cats and dogs', '']);
    expect(out).toHaveLength(3);
    for (const v of out) {
      expect(v).toBeInstanceOf(Float32Array);
      expect(v).toHaveLength(32);
      expect(norm(v)).toBeCloseTo(1, 5);
    }
    expect(await embedder.embed([])).toEqual([]);
  });

  const batchTexts = ['short', 'a considerably longer text that forces padding in its batch', 'mid length text', 'x', 'last'];

  it('gives the same vectors whether texts are batched or not (float32 weights)', async () => {
    const e = await TransformersEmbedder.create({ model: modelDir, quantized: false, batchSize: 2 });
    try {
      expect(e.id).toBe('transformers:tiny-random-minilm');
      const together = await e.embed(batchTexts); // batches of 2, mixed lengths, padded
      for (let i = 0; i < batchTexts.length; i++) {
        const [alone] = await e.embed([batchTexts[i]!]);
        expect(maxDiff(together[i]!, alone!)).toBeLessThan(1e-5);
      }
    } finally {
      await e.close();
    }
  });

  it('stays close across batchings with int8 weights', async () => {
    // The quantised export uses dynamic activation quantisation, whose scale is computed over
    // the whole batch tensor (padding included), so results move slightly with the batch.
    const together = await embedder.embed(batchTexts);
    for (let i = 0; i < batchTexts.length; i++) {
      const [alone] = await embedder.embed([batchTexts[i]!]);
      expect(maxDiff(together[i]!, alone!)).toBeLessThan(1e-2);
    }
  });

  it('loads by name under localModelPath, with cls pooling and unquantised weights', async () => {
    const e = await TransformersEmbedder.create({
      model: 'tiny-random-minilm',
      localModelPath: fixtures,
      quantized: false,
      pooling: 'cls',
      id: 'custom-id',
    });
    try {
      expect(e.id).toBe('custom-id');
      expect(e.dims).toBe(32);
      const [v] = await e.embed(['hello world']);
      const [m] = await embedder.embed(['hello world']);
      expect(norm(v!)).toBeCloseTo(1, 5);
      expect(maxDiff(v!, m!)).toBeGreaterThan(1e-3);
    } finally {
      await e.close();
    }
    await expect(e.embed(['x'])).rejects.toMatchObject({ code: 'CLOSED' });
  });

  it('throws NOT_FOUND for a missing model, saying where it looked', async () => {
    const err = await TransformersEmbedder.create({ model: 'no-such-model', localModelPath: fixtures }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'NOT_FOUND' });
    const message = (err as Error).message;
    expect(message).toContain(join(fixtures, 'no-such-model'));
    expect(message).toContain('allowRemoteModels');
    await expect(TransformersEmbedder.create({ model: join(fixtures, 'missing-dir') })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('validates options', async () => {
    await expect(TransformersEmbedder.create({ model: '' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(TransformersEmbedder.create({ model: modelDir, batchSize: 0 })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });
});

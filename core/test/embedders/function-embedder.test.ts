import { describe, it, expect } from 'vitest';
import { FunctionEmbedder } from '../../src/embedders/function-embedder.js';
import { normalizeVector, validateVectors } from '../../src/embedders/validate.js';

const norm = (a: Float32Array): number => Math.hypot(...a);

describe('FunctionEmbedder', () => {
  it('wraps a function, keeps order and normalises', async () => {
    const e = new FunctionEmbedder(async (texts) => texts.map((t) => [t.length, 0, 0]), { id: 'len@1', dims: 3 });
    expect(e.id).toBe('len@1');
    expect(e.dims).toBe(3);
    const out = await e.embed(['a', 'bb']);
    expect(out).toHaveLength(2);
    expect(out[0]).toBeInstanceOf(Float32Array);
    expect(Array.from(out[1]!)).toEqual([1, 0, 0]);
  });

  it('accepts Float32Array output and can skip normalisation', async () => {
    const e = new FunctionEmbedder(async (texts) => texts.map(() => new Float32Array([3, 4])), {
      id: 'f',
      dims: 2,
      normalize: false,
    });
    expect(Array.from((await e.embed(['x']))[0]!)).toEqual([3, 4]);
    const n = new FunctionEmbedder(async (texts) => texts.map(() => new Float32Array([3, 4])), { id: 'f', dims: 2 });
    expect(norm((await n.embed(['x']))[0]!)).toBeCloseTo(1, 6);
  });

  it('does not call the function for an empty batch', async () => {
    let calls = 0;
    const e = new FunctionEmbedder(
      async () => {
        calls++;
        return [];
      },
      { id: 'f', dims: 2 },
    );
    expect(await e.embed([])).toEqual([]);
    expect(calls).toBe(0);
  });

  it.each([
    ['wrong count', async () => [[1, 0]], /returned 1 vectors for 2 texts/],
    [
      'wrong length',
      async () => [
        [1, 0],
        [1, 0, 0],
      ],
      /vector 1 has length 3, expected 2/,
    ],
    [
      'NaN',
      async () => [
        [1, 0],
        [Number.NaN, 1],
      ],
      /vector 1 has a non-finite value \(NaN\) at position 0/,
    ],
    [
      'Infinity',
      async () => [
        [1, Infinity],
        [1, 1],
      ],
      /vector 0 has a non-finite value \(Infinity\) at position 1/,
    ],
    [
      'zero vector',
      async () => [
        [1, 0],
        [0, 0],
      ],
      /vector 1: got a zero vector/,
    ],
    ['not an array', async () => 'nope' as unknown as number[][], /expected an array of vectors/],
  ])('rejects output with %s', async (_name, fn, message) => {
    const e = new FunctionEmbedder(fn, { id: 'bad', dims: 2 });
    const err = await e.embed(['a', 'b']).catch((x: unknown) => x);
    expect(err).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).toContain('FunctionEmbedder(bad)');
  });

  it('validates its options', () => {
    const fn = async (): Promise<number[][]> => [];
    expect(() => new FunctionEmbedder(fn, { id: '', dims: 2 })).toThrow(/id/);
    expect(() => new FunctionEmbedder(fn, { id: 'x', dims: 0 })).toThrow(/dims/);
    expect(() => new FunctionEmbedder(fn, { id: 'x', dims: 1.5 })).toThrow(/dims/);
  });
});

describe('validateVectors / normalizeVector', () => {
  it('passes valid vectors and rejects bad ones', () => {
    expect(() => validateVectors([[1, 2], new Float32Array([3, 4])], 2, 'here')).not.toThrow();
    expect(() => validateVectors([[1, 2]], 3, 'here')).toThrow(/here: vector 0 has length 2, expected 3/);
    expect(() => validateVectors([[1, -Infinity]], 2, 'here')).toThrow(/non-finite/);
    expect(() => validateVectors([['1', 2] as unknown as number[]], 2, 'here')).toThrow(/non-finite value \(1\)/);
    expect(() => validateVectors([[1, 2]], 2, 'here', 2)).toThrow(/returned 1 vectors for 2 texts/);
  });

  it('normalises into a new array and rejects zero vectors', () => {
    const v = [0, 5];
    expect(Array.from(normalizeVector(v, 'w'))).toEqual([0, 1]);
    expect(v).toEqual([0, 5]);
    expect(() => normalizeVector([0, 0], 'w')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

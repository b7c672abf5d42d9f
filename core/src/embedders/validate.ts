/**
 * Shared checks for embedding vectors: right count, right length, finite values, and unit
 * normalisation. Every embedder that accepts vectors from outside code runs them through here.
 */
import { EngramError } from '../util/errors.js';
import type { Embedder } from './types.js';

/** Vectors this module's callers made and checked themselves (see markChecked). */
const checked = new WeakSet<Float32Array>();

/**
 * Records vectors an embedder has just made from checked values, so that validateVectors does
 * not walk them again (embedChecked checks every embedder's output). Only for fresh arrays that
 * no outside code holds; normalizeVector still refuses a non-finite or zero vector.
 */
export function markChecked(vectors: readonly Float32Array[]): void {
  for (const v of vectors) checked.add(v);
}

/**
 * Throws INVALID_ARGUMENT unless every vector has exactly `dims` finite numbers (and, when
 * `expectedCount` is given, there are exactly that many vectors). `where` names the caller in
 * the message, for example `FunctionEmbedder(my-model)`.
 */
export function validateVectors(vectors: readonly ArrayLike<number>[], dims: number, where: string, expectedCount?: number): void {
  if (!Array.isArray(vectors)) {
    throw new EngramError('INVALID_ARGUMENT', `${where}: expected an array of vectors, got ${describe(vectors)}`);
  }
  if (expectedCount !== undefined && vectors.length !== expectedCount) {
    throw new EngramError('INVALID_ARGUMENT', `${where}: returned ${vectors.length} vectors for ${expectedCount} texts`, {
      details: { expected: expectedCount, actual: vectors.length },
    });
  }
  for (let i = 0; i < vectors.length; i++) {
    const v: unknown = vectors[i];
    if (v instanceof Float32Array && v.length === dims && checked.has(v)) continue;
    if (!isNumberArrayLike(v)) {
      throw new EngramError('INVALID_ARGUMENT', `${where}: vector ${i} is not an array of numbers (got ${describe(v)})`, {
        details: { index: i },
      });
    }
    if (v.length !== dims) {
      throw new EngramError('INVALID_ARGUMENT', `${where}: vector ${i} has length ${v.length}, expected ${dims}`, {
        details: { index: i, expected: dims, actual: v.length },
      });
    }
    // Typed arrays hold only numbers: one multiply a value finds a NaN or infinity (x * 0 is
    // NaN only for those); the loop below then says where.
    if (v instanceof Float32Array || v instanceof Float64Array) {
      let probe = 0;
      for (let d = 0; d < dims; d++) probe += v[d]! * 0;
      if (probe === 0) continue;
    }
    for (let d = 0; d < dims; d++) {
      const x = v[d];
      if (typeof x !== 'number' || !Number.isFinite(x)) {
        throw new EngramError('INVALID_ARGUMENT', `${where}: vector ${i} has a non-finite value (${String(x)}) at position ${d}`, {
          details: { index: i, position: d },
        });
      }
    }
  }
}

/**
 * Returns `vector` scaled to unit L2 length as a new Float32Array (the input is not modified).
 * Throws INVALID_ARGUMENT for a zero vector, which has no direction.
 */
export function normalizeVector(vector: ArrayLike<number>, where: string): Float32Array {
  // In float64, scaled by the largest magnitude first: 1e300 would overflow float32 (and its
  // square float64), and a tiny value would round to zero, neither of which makes it a zero vector.
  let max = 0;
  for (let i = 0; i < vector.length; i++) max = Math.max(max, Math.abs(vector[i]!));
  if (!Number.isFinite(max)) throw new EngramError('INVALID_ARGUMENT', `${where}: the vector has a non-finite value`);
  if (max === 0) throw new EngramError('INVALID_ARGUMENT', `${where}: got a zero vector, which cannot be normalised`);
  let sum = 0;
  for (let i = 0; i < vector.length; i++) sum += (vector[i]! / max) ** 2;
  const inv = 1 / Math.sqrt(sum);
  const out = new Float32Array(vector.length);
  for (let i = 0; i < vector.length; i++) out[i] = (vector[i]! / max) * inv;
  return out;
}

/**
 * Scales `vector` to unit L2 length in place. Returns false (leaving it unchanged) when its
 * norm is zero or not finite.
 */
export function normalizeInPlace(vector: Float32Array): boolean {
  let sum = 0;
  for (let i = 0; i < vector.length; i++) sum += vector[i]! * vector[i]!;
  const norm = Math.sqrt(sum);
  if (!(norm > 0) || !Number.isFinite(norm)) return false;
  const inv = 1 / norm;
  for (let i = 0; i < vector.length; i++) vector[i] = vector[i]! * inv;
  return true;
}

function isNumberArrayLike(v: unknown): v is ArrayLike<unknown> {
  return Array.isArray(v) || v instanceof Float32Array || v instanceof Float64Array;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (ArrayBuffer.isView(v)) return v.constructor.name;
  return typeof v;
}

/**
 * Embeds `texts` with `embedder`, checks what comes back (count, size, finite values) and
 * returns unit vectors: what is stored and queried is unit length whatever the embedder did.
 * A zero vector is refused.
 */
export async function embedChecked(embedder: Embedder, texts: string[]): Promise<Float32Array[]> {
  const vectors = await embedder.embed(texts);
  validateVectors(vectors, embedder.dims, `embedder ${embedder.id}`, texts.length);
  return vectors.map((v, i) => normalizeVector(v, `embedder ${embedder.id}: vector ${i}`));
}

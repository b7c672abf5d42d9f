/**
 * HashEmbedder: a tiny deterministic embedder with no data files (feature hashing of word
 * tokens and character trigrams). It captures lexical overlap, not meaning: use it in tests
 * where meaning is not under test and as a zero-dependency fallback. Also owns `hashEmbedText`,
 * the hashed vector other embedders fall back on for text they cannot otherwise represent.
 */
import { EngramError } from '../util/errors.js';
import type { Embedder } from './types.js';
import { normalizeInPlace } from './validate.js';

/** Options of {@link HashEmbedder}. */
export interface HashEmbedderOptions {
  /** Vector length (default 64). */
  dims?: number;
}

const WORD_RE = /[\p{L}\p{N}]+/gu;
const WORD_SEED = 0x811c9dc5; // FNV-1a offset basis
const TRIGRAM_SEED = 0x9747b28c;
const EMPTY_SEED = 0x2545f491;
const TRIGRAM_WEIGHT = 0.5;

/**
 * Deterministic embedder: each lowercase word token adds ±1 and each of its character trigrams
 * (with word-boundary markers) adds ±0.5 to a hashed bucket; the result is unit-normalised.
 * Id `hash-<dims>@1`.
 */
export class HashEmbedder implements Embedder {
  readonly id: string;
  readonly dims: number;

  constructor(options: HashEmbedderOptions = {}) {
    const dims = options.dims ?? 64;
    if (!Number.isInteger(dims) || dims < 1 || dims > 65_536) {
      throw new EngramError('INVALID_ARGUMENT', `HashEmbedder: dims must be an integer in [1, 65536], got ${dims}`);
    }
    this.dims = dims;
    this.id = `hash-${dims}@1`;
  }

  embed(texts: readonly string[]): Promise<Float32Array[]> {
    try {
      return Promise.resolve(texts.map((t) => hashEmbedText(t, this.dims)));
    } catch (err) {
      return Promise.reject(err);
    }
  }
}

/**
 * The unit-length hashed vector of `text` used by {@link HashEmbedder}. Never zero: a text
 * without any word characters gets a pseudo-random vector seeded by the text itself, so equal
 * texts still get equal vectors.
 */
export function hashEmbedText(text: string, dims: number): Float32Array {
  if (typeof text !== 'string') {
    throw new EngramError('INVALID_ARGUMENT', `expected a string to embed, got ${text === null ? 'null' : typeof text}`);
  }
  const out = new Float32Array(dims);
  const normalized = text.normalize('NFKC').toLowerCase();
  let features = 0;
  for (const m of normalized.matchAll(WORD_RE)) {
    const word = m[0];
    addFeature(out, hashRange(word, 0, word.length, WORD_SEED), 1);
    const padded = `\u0002${word}\u0003`;
    for (let i = 0; i + 3 <= padded.length; i++) {
      addFeature(out, hashRange(padded, i, i + 3, TRIGRAM_SEED), TRIGRAM_WEIGHT);
    }
    features++;
  }
  if (features === 0 || !normalizeInPlace(out)) {
    seededVector(out, hashRange(text, 0, text.length, EMPTY_SEED));
    normalizeInPlace(out);
  }
  return out;
}

function addFeature(out: Float32Array, h: number, weight: number): void {
  const bucket = h % out.length;
  out[bucket] = out[bucket]! + ((h & 0x80000000) !== 0 ? -weight : weight);
}

/** FNV-1a over UTF-16 code units of s[start, end), finished with the murmur3 fmix32 mixer. */
function hashRange(s: string, start: number, end: number, seed: number): number {
  let h = seed >>> 0;
  for (let i = start; i < end; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}

function fmix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Fills `out` with deterministic values in [-1, 1) derived from `seed`. */
function seededVector(out: Float32Array, seed: number): void {
  for (let d = 0; d < out.length; d++) {
    const h = fmix32((seed + Math.imul(d + 1, 0x9e3779b9)) >>> 0);
    out[d] = (h & 0xffff) / 32768 - 1;
  }
  if (out.every((x) => x === 0)) out[0] = 1;
}

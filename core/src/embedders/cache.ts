/**
 * CachedEmbedder: an in-memory LRU in front of another embedder, keyed by the SHA-256 of the
 * text. Only cache misses reach the inner embedder, in one batch per call, deduplicated.
 */
import { createHash } from 'node:crypto';
import { EngramError } from '../util/errors.js';
import type { Embedder } from './types.js';
import { validateVectors } from './validate.js';

/** Options of {@link CachedEmbedder}. */
export interface CacheOptions {
  /** Most vectors kept; the least recently used are evicted first (default 10,000). */
  maxEntries?: number;
}

/** Counters of a {@link CachedEmbedder}. */
export interface CacheStats {
  /** Texts answered without the inner embedder (from the cache or a duplicate in the same call). */
  hits: number;
  /** Distinct texts sent to the inner embedder. */
  misses: number;
}

/**
 * Caching wrapper with the same id and dims as `inner`. Returned vectors are copies, so callers
 * may modify them without affecting the cache. Concurrent calls that miss on the same text each
 * compute it.
 */
export class CachedEmbedder implements Embedder {
  readonly id: string;
  readonly dims: number;
  readonly inner: Embedder;
  readonly maxEntries: number;
  private readonly lru = new Map<string, Float32Array>();
  private readonly counters: CacheStats = { hits: 0, misses: 0 };

  constructor(inner: Embedder, options: CacheOptions = {}) {
    const maxEntries = options.maxEntries ?? 10_000;
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new EngramError('INVALID_ARGUMENT', `CachedEmbedder: maxEntries must be a positive integer, got ${maxEntries}`);
    }
    this.inner = inner;
    this.id = inner.id;
    this.dims = inner.dims;
    this.maxEntries = maxEntries;
  }

  /** A snapshot of the hit and miss counters. */
  get stats(): CacheStats {
    return { ...this.counters };
  }

  /** Number of vectors currently cached. */
  get size(): number {
    return this.lru.size;
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    const keys = texts.map((t, i) => {
      if (typeof t !== 'string') throw new EngramError('INVALID_ARGUMENT', `embed: text ${i} is not a string`);
      return createHash('sha256').update(t, 'utf8').digest('base64');
    });
    const result: (Float32Array | undefined)[] = new Array(texts.length);
    const missIndex = new Map<string, number[]>(); // key -> positions, in first-seen order
    keys.forEach((key, i) => {
      const cached = this.lru.get(key);
      if (cached) {
        this.lru.delete(key); // refresh recency
        this.lru.set(key, cached);
        result[i] = cached;
        this.counters.hits++;
        return;
      }
      const positions = missIndex.get(key);
      if (positions) {
        positions.push(i);
        this.counters.hits++;
      } else {
        missIndex.set(key, [i]);
      }
    });

    if (missIndex.size > 0) {
      const missTexts = [...missIndex.values()].map((positions) => texts[positions[0]!]!);
      const vectors = await this.inner.embed(missTexts);
      validateVectors(vectors, this.dims, `CachedEmbedder(${this.id}) inner embedder`, missTexts.length);
      this.counters.misses += missTexts.length;
      let j = 0;
      for (const [key, positions] of missIndex) {
        const v = Float32Array.from(vectors[j++]!);
        for (const p of positions) result[p] = v;
        this.lru.delete(key);
        this.lru.set(key, v);
      }
      while (this.lru.size > this.maxEntries) {
        const oldest = this.lru.keys().next().value as string;
        this.lru.delete(oldest);
      }
    }
    return result.map((v) => v!.slice());
  }

  /** Forgets every cached vector (the counters are kept). */
  clear(): void {
    this.lru.clear();
  }

  /** Clears the cache and closes the inner embedder. */
  async close(): Promise<void> {
    this.lru.clear();
    await this.inner.close?.();
  }
}

/** Wraps `embedder` in a {@link CachedEmbedder}. */
export function withCache(embedder: Embedder, options: CacheOptions = {}): CachedEmbedder {
  return new CachedEmbedder(embedder, options);
}

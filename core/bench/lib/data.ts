/**
 * Benchmark data: a vocabulary of common English words (the most frequent alphabetic words of
 * the word-vector asset), seeded random sentences over it, a seeded Gaussian mixture of unit
 * vectors, and exact top-k ground truth by brute-force cosine.
 */
import { readFileSync } from 'node:fs';
import { Rng, Zipf } from './rng.js';

/** The `count` most frequent purely alphabetic words of the Engram word-vector asset. */
export function loadVocabulary(assetPath: string, count = 2000): string[] {
  const buf = readFileSync(assetPath);
  if (buf.toString('latin1', 0, 8) !== 'ENGRAMWV' || buf.readUInt32LE(8) !== 1) {
    throw new Error(`${assetPath} is not a version-1 Engram word-vector asset`);
  }
  const vocabOffset = buf.readUInt32LE(8 + 4 * 4);
  const vocabBytes = buf.readUInt32LE(8 + 4 * 5);
  const words: string[] = [];
  for (const w of buf.toString('utf8', vocabOffset, vocabOffset + vocabBytes).split('\n')) {
    if (/^[a-z]+$/.test(w) && (w.length > 1 || w === 'a' || w === 'i')) words.push(w);
    if (words.length === count) break;
  }
  return words;
}

/** Sentences of 8-16 words, drawn with Zipf(1) frequencies from the vocabulary (rank order). */
export class SentenceGenerator {
  private readonly zipf: Zipf;

  constructor(
    private readonly vocab: readonly string[],
    private readonly rng: Rng,
  ) {
    this.zipf = new Zipf(vocab.length, 1);
  }

  next(): string {
    const n = this.rng.int(8, 16);
    const words: string[] = [];
    for (let i = 0; i < n; i++) words.push(this.vocab[this.zipf.draw(this.rng)]!);
    const s = words.join(' ');
    return `${s[0]!.toUpperCase()}${s.slice(1)}.`;
  }

  /** `n` distinct sentences, none of them in `exclude`. */
  distinct(n: number, exclude: ReadonlySet<string> = new Set()): string[] {
    const seen = new Set<string>();
    const out: string[] = [];
    while (out.length < n) {
      const s = this.next();
      if (seen.has(s) || exclude.has(s)) continue;
      seen.add(s);
      out.push(s);
    }
    return out;
  }
}

function normalizeRow(m: Float32Array, row: number, dims: number): void {
  const o = row * dims;
  let s = 0;
  for (let d = 0; d < dims; d++) s += m[o + d]! * m[o + d]!;
  const inv = 1 / Math.sqrt(s);
  for (let d = 0; d < dims; d++) m[o + d] = m[o + d]! * inv;
}

export interface MixtureOptions {
  dims: number;
  clusters: number;
  seed: number;
}

/**
 * A Gaussian mixture on the unit sphere shaped like sentence-embedding spaces: every cluster
 * centre shares a common direction (mean pairwise cosine of centres ~0.2), cluster weights are
 * log-normal, and a point is its centre plus isotropic noise of per-cluster scale 0.7-1.1
 * (cosine to its centre ~0.7-0.8), unit-normalised. Documents and queries come from one mixture.
 */
export class GaussianMixture {
  readonly dims: number;
  private readonly centres: Float32Array;
  private readonly spread: Float64Array;
  private readonly cdf: Float64Array;
  private readonly rng: Rng;

  constructor(options: MixtureOptions) {
    const { dims, clusters, seed } = options;
    this.dims = dims;
    this.rng = new Rng(seed);
    const rng = this.rng;
    const sd = 1 / Math.sqrt(dims);
    const common = new Float32Array(dims);
    for (let d = 0; d < dims; d++) common[d] = rng.gauss() * sd;
    normalizeRow(common, 0, dims);
    this.centres = new Float32Array(clusters * dims);
    for (let c = 0; c < clusters; c++) {
      for (let d = 0; d < dims; d++) this.centres[c * dims + d] = 0.5 * common[d]! + rng.gauss() * sd;
      normalizeRow(this.centres, c, dims);
    }
    this.spread = new Float64Array(clusters);
    this.cdf = new Float64Array(clusters);
    let sum = 0;
    for (let c = 0; c < clusters; c++) {
      this.spread[c] = 0.7 + 0.4 * rng.next();
      this.cdf[c] = sum += Math.exp(rng.gauss());
    }
    for (let c = 0; c < clusters; c++) this.cdf[c] = this.cdf[c]! / sum;
  }

  /** `n` points as a row-major n x dims matrix. */
  sample(n: number): Float32Array {
    const { dims, rng } = this;
    const out = new Float32Array(n * dims);
    const sd = 1 / Math.sqrt(dims);
    for (let i = 0; i < n; i++) {
      const u = rng.next();
      let c = 0;
      while (c < this.cdf.length - 1 && this.cdf[c]! < u) c++;
      const s = this.spread[c]! * sd;
      const co = c * dims;
      const o = i * dims;
      for (let d = 0; d < dims; d++) out[o + d] = this.centres[co + d]! + s * rng.gauss();
      normalizeRow(out, i, dims);
    }
    return out;
  }
}

/** Row `i` of a row-major matrix, as a view. */
export function row(m: Float32Array, i: number, dims: number): Float32Array {
  return m.subarray(i * dims, (i + 1) * dims);
}

/**
 * Exact top-k by cosine of each query against the first `n` rows of `docs`, brute force in
 * float64 over the float32 values (what the engines store). Returns row indexes, best first.
 */
export function exactTopK(docs: Float32Array, n: number, queries: Float32Array, q: number, dims: number, k = 10): number[][] {
  const norms = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    const o = i * dims;
    for (let d = 0; d < dims; d++) s += docs[o + d]! * docs[o + d]!;
    norms[i] = Math.sqrt(s);
  }
  const out: number[][] = [];
  const bestIdx = new Int32Array(k);
  const bestSim = new Float64Array(k);
  for (let j = 0; j < q; j++) {
    const qo = j * dims;
    let qn = 0;
    for (let d = 0; d < dims; d++) qn += queries[qo + d]! * queries[qo + d]!;
    qn = Math.sqrt(qn);
    bestSim.fill(-Infinity);
    bestIdx.fill(-1);
    for (let i = 0; i < n; i++) {
      const o = i * dims;
      let dot = 0;
      for (let d = 0; d < dims; d++) dot += docs[o + d]! * queries[qo + d]!;
      const sim = dot / (norms[i]! * qn);
      if (sim <= bestSim[k - 1]!) continue;
      let p = k - 1;
      while (p > 0 && bestSim[p - 1]! < sim) {
        bestSim[p] = bestSim[p - 1]!;
        bestIdx[p] = bestIdx[p - 1]!;
        p--;
      }
      bestSim[p] = sim;
      bestIdx[p] = i;
    }
    out.push([...bestIdx]);
  }
  return out;
}

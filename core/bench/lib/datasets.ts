/**
 * The two vector datasets of the latency section: `gmm-384`, a synthetic Gaussian mixture of
 * 384-dim unit vectors inserted through a FunctionEmbedder that looks each text up, and
 * `glove-100`, random sentences embedded by the real default WordVectorEmbedder (100 dims).
 */
import { FunctionEmbedder, WordVectorEmbedder, type Embedder } from '../../src/index.js';
import { GaussianMixture, SentenceGenerator, exactTopK, row } from './data.js';
import { Rng } from './rng.js';

export interface Dataset {
  name: string;
  dims: number;
  description: string;
  texts: string[];
  /** Row-major texts.length x dims. */
  vectors: Float32Array;
  /** Measured queries first (`measured` of them), then warm-up queries. */
  queryTexts: string[];
  queryVectors: Float32Array;
  measured: number;
  /** Exact top-10 rows of each measured query, per corpus size (the first `size` texts). */
  truth: Map<number, number[][]>;
  /** A fresh embedder for an Engram over this dataset. */
  embedder(): Embedder;
}

export interface DatasetRequest {
  maxSize: number;
  sizes: number[];
  measured: number;
  warmup: number;
  vocab: string[];
  wordVectorsPath: string;
}

function truthFor(d: Omit<Dataset, 'truth' | 'embedder'>, sizes: number[]): Map<number, number[][]> {
  const truth = new Map<number, number[][]>();
  for (const size of sizes) truth.set(size, exactTopK(d.vectors, size, d.queryVectors, d.measured, d.dims, 10));
  return truth;
}

export function gaussianDataset(req: DatasetRequest): Dataset {
  const dims = 384;
  const gen = new SentenceGenerator(req.vocab, new Rng(384_001));
  const texts = gen.distinct(req.maxSize);
  const queryTexts = gen.distinct(req.measured + req.warmup, new Set(texts));
  const mixture = new GaussianMixture({ dims, clusters: 300, seed: 384_002 });
  const vectors = mixture.sample(texts.length);
  const queryVectors = mixture.sample(queryTexts.length);
  const lookup = new Map<string, Float32Array>();
  texts.forEach((t, i) => lookup.set(t, row(vectors, i, dims)));
  queryTexts.forEach((t, i) => lookup.set(t, row(queryVectors, i, dims)));
  const base = {
    name: 'gmm-384',
    dims,
    description: 'seeded Gaussian mixture, 300 clusters, 384 dims, unit vectors; texts = random sentences mapped to their vector',
    texts,
    vectors,
    queryTexts,
    queryVectors,
    measured: req.measured,
  };
  return {
    ...base,
    truth: truthFor(base, req.sizes),
    embedder: () =>
      new FunctionEmbedder(
        async (batch) =>
          batch.map((t) => {
            const v = lookup.get(t);
            if (!v) throw new Error(`gmm-384: no vector for text ${JSON.stringify(t.slice(0, 60))}`);
            return v;
          }),
        { id: 'bench-gmm-384@1', dims, normalize: false },
      ),
  };
}

export async function gloveDataset(req: DatasetRequest): Promise<Dataset> {
  const embedder = new WordVectorEmbedder({ path: req.wordVectorsPath });
  const dims = embedder.dims;
  const gen = new SentenceGenerator(req.vocab, new Rng(100_001));
  const texts = gen.distinct(req.maxSize);
  const queryTexts = gen.distinct(req.measured + req.warmup, new Set(texts));
  const embedAll = async (list: string[]) => {
    const out = new Float32Array(list.length * dims);
    for (let i = 0; i < list.length; i += 10_000) {
      const vs = await embedder.embed(list.slice(i, i + 10_000));
      vs.forEach((v, j) => out.set(v, (i + j) * dims));
    }
    return out;
  };
  const base = {
    name: 'glove-100',
    dims,
    description: `random 8-16 word sentences (Zipf over ${req.vocab.length} common words) embedded by WordVectorEmbedder (${embedder.id})`,
    texts,
    vectors: await embedAll(texts),
    queryTexts,
    queryVectors: await embedAll(queryTexts),
    measured: req.measured,
  };
  return { ...base, truth: truthFor(base, req.sizes), embedder: () => new WordVectorEmbedder({ path: req.wordVectorsPath }) };
}

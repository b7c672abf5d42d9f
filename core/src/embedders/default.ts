/** The default embedder: offline GloVe word vectors behind a content-hash cache. */
import { withCache } from './cache.js';
import type { Embedder } from './types.js';
import { WordVectorEmbedder } from './word-vectors.js';

/** Loads the default embedder (fails with NOT_FOUND and a build hint if its asset is missing). */
export async function defaultEmbedder(): Promise<Embedder> {
  return withCache(await WordVectorEmbedder.load());
}

/** Public surface of the embedders: the contract, the built-in embedders and shared helpers. */
export type { Embedder } from './types.js';
export { validateVectors, normalizeVector } from './validate.js';
export { HashEmbedder, hashEmbedText, type HashEmbedderOptions } from './hash-embedder.js';
export { FunctionEmbedder, type EmbedFunction, type FunctionEmbedderOptions } from './function-embedder.js';
export { CachedEmbedder, withCache, type CacheOptions, type CacheStats } from './cache.js';
export { WordVectorEmbedder, defaultWordVectorsPath, tokenizeWords, type WordVectorEmbedderOptions } from './word-vectors.js';
export { TransformersEmbedder, type TransformersEmbedderOptions } from './transformers.js';

/**
 * Embeddings both ways: `EngramEmbeddings` is a LangChain `Embeddings` over any Engram
 * `Embedder` (an agent's, or a standalone one), and `fromLangChainEmbeddings` makes any
 * LangChain `Embeddings` an Engram `Embedder`, so an Engram can embed with the same model as
 * the LangChain code around it.
 */
import { FunctionEmbedder, type Embedder } from '@engram/core';
import { Embeddings, type EmbeddingsInterface, type EmbeddingsParams } from '@langchain/core/embeddings';

/**
 * A LangChain `Embeddings` that embeds with an Engram `Embedder`: documents and queries alike
 * (Engram embedders make no difference between them). Vectors are unit length.
 * @example
 * const embeddings = new EngramEmbeddings(agent.embedder);
 * const [v] = await embeddings.embedDocuments(['Alice prefers green tea']);
 */
export class EngramEmbeddings extends Embeddings {
  constructor(
    readonly embedder: Embedder,
    params: EmbeddingsParams = {},
  ) {
    super(params);
  }

  async embedDocuments(documents: string[]): Promise<number[][]> {
    if (documents.length === 0) return [];
    const vectors = await this.caller.call(() => this.embedder.embed(documents));
    return vectors.map((v) => Array.from(v));
  }

  async embedQuery(document: string): Promise<number[]> {
    const [vector] = await this.embedDocuments([document]);
    return vector!;
  }
}

/** Options of {@link fromLangChainEmbeddings}. */
export interface FromLangChainEmbeddingsOptions {
  /** Stable id recorded in agent databases, e.g. `openai:text-embedding-3-small`. */
  id: string;
  /** Length of every vector the model returns. */
  dims: number;
}

/**
 * An Engram `Embedder` over a LangChain `Embeddings` (its `embedDocuments`). Every output is
 * checked (count, size, finite values) and unit-normalised.
 * @example
 * const engram = await Engram.open({ dir, embedder: fromLangChainEmbeddings(new OpenAIEmbeddings(), { id: 'openai:text-embedding-3-small', dims: 1536 }) });
 */
export function fromLangChainEmbeddings(embeddings: EmbeddingsInterface, options: FromLangChainEmbeddingsOptions): Embedder {
  if (embeddings instanceof EngramEmbeddings && embeddings.embedder.id === options.id && embeddings.embedder.dims === options.dims) {
    return embeddings.embedder;
  }
  return new FunctionEmbedder((texts) => embeddings.embedDocuments(texts), options);
}

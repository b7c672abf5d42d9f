/**
 * `EngramVectorStore`: a LangChain VectorStore over an agent's memories. Each document is one
 * memory of the store's kind (default `document`): pageContent is its text, metadata its
 * metadata, and its vector the one the store's embeddings made. Search is core's recall by
 * vector, with metadata filters applied in SQL before the top-k cut.
 */
import type { Agent, Memory, MetadataCondition, RememberInput } from '@engram/core';
import { Document, type DocumentInterface } from '@langchain/core/documents';
import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import { maximalMarginalRelevance } from '@langchain/core/utils/math';
import { VectorStore, type MaxMarginalRelevanceSearchOptions } from '@langchain/core/vectorstores';
import { EngramEmbeddings } from './embeddings.js';
import { invalid } from './errors.js';

/** Metadata key under which a caller-chosen document id is kept. */
export const DOCUMENT_ID_KEY = 'lc_id';
const MEMORY_ID = /^mem_[0-9a-f]{32}$/;
/** Core's largest recall. */
const MAX_K = 200;
/** Core's largest `$in` list. */
const IN_CHUNK = 100;

/** Engram's metadata filter: `{ key: value | { $eq, $ne, $gt, $gte, $lt, $lte, $in, $nin, $exists } }`. */
export type EngramVectorStoreFilter = Record<string, MetadataCondition>;

export interface EngramVectorStoreArgs {
  agent: Agent;
  /** Memory kind the store writes and searches (default `document`), so documents stay apart from other memories. */
  kind?: string;
}

export interface EngramAddDocumentOptions {
  /** One id per document (else each document's own `id`, else Engram's memory id); an existing id is replaced. */
  ids?: (string | undefined)[];
}

export interface EngramDeleteParams {
  /** Ids returned by addDocuments or found on search results. */
  ids?: string[];
  /** Deletes every document whose metadata matches. */
  filter?: EngramVectorStoreFilter;
  /** Deletes every document of this store's kind. */
  deleteAll?: boolean;
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * A LangChain VectorStore whose documents are an Engram agent's memories.
 * @example
 * const store = new EngramVectorStore(undefined, { agent }); // the agent's own embedder
 * await store.addDocuments([{ pageContent: 'Engram keeps one database per agent', metadata: { topic: 'engram' } }]);
 * const docs = await store.similaritySearch('where is agent data kept?', 4, { topic: 'engram' });
 */
export class EngramVectorStore extends VectorStore {
  declare FilterType: EngramVectorStoreFilter;
  readonly agent: Agent;
  readonly kind: string;

  _vectorstoreType(): string {
    return 'engram';
  }

  /** `embeddings` undefined: the agent's own embedder. Else its vectors must have the agent embedder's size. */
  constructor(embeddings: EmbeddingsInterface | undefined, args: EngramVectorStoreArgs) {
    if (typeof args?.agent?.memories !== 'object') throw invalid('EngramVectorStore needs { agent }: an agent from engram.agent(id)');
    super(embeddings ?? new EngramEmbeddings(args.agent.embedder), { kind: args.kind });
    this.agent = args.agent;
    this.kind = args.kind ?? 'document';
  }

  /** Embeds the documents' pageContent with the store's embeddings and stores them. Returns their ids. */
  override async addDocuments(documents: DocumentInterface[], options?: EngramAddDocumentOptions): Promise<string[]> {
    if (!Array.isArray(documents)) throw invalid('addDocuments takes an array of documents');
    if (documents.length === 0) return [];
    const vectors = await this.embeddings.embedDocuments(documents.map((d) => d.pageContent));
    return this.addVectors(vectors, documents, options);
  }

  /**
   * Stores documents with precomputed vectors, in batches of the agent's `maxBatch`, each batch
   * one transaction. A document whose id already exists replaces it (the old version is
   * superseded in the same transaction, and no longer found).
   */
  async addVectors(vectors: number[][], documents: DocumentInterface[], options: EngramAddDocumentOptions = {}): Promise<string[]> {
    if (!Array.isArray(vectors) || !Array.isArray(documents) || vectors.length !== documents.length) {
      throw invalid(`addVectors needs one vector per document (got ${vectors?.length} vectors for ${documents?.length} documents)`);
    }
    if (documents.length === 0) return [];
    vectors.forEach((v, i) => this.checkDims(v, `vector ${i}`));
    const ids = this.idsFor(documents, options);
    const current = await this.currentMemories(ids);
    const inputs: RememberInput[] = documents.map((doc, i) => {
      const metadata = doc.metadata ?? {};
      if (typeof metadata === 'object' && metadata !== null && DOCUMENT_ID_KEY in metadata) {
        throw invalid(
          `document ${i}: metadata key "${DOCUMENT_ID_KEY}" is reserved for document ids; pass the id as document.id or options.ids`,
        );
      }
      const id = ids[i];
      return {
        text: doc.pageContent,
        kind: this.kind,
        metadata: id === undefined ? metadata : { ...metadata, [DOCUMENT_ID_KEY]: id },
        vector: vectors[i],
        ...(id !== undefined && current.has(id) ? { supersedes: current.get(id) } : {}),
      };
    });
    const stored: Memory[] = [];
    for (const batch of chunks(inputs, this.agent.limits.maxBatch)) stored.push(...(await this.agent.memories.remember(batch)));
    return stored.map((m, i) => ids[i] ?? m.id);
  }

  /** The top `k` documents by cosine similarity to `query` (a vector), with their similarity. */
  async similaritySearchVectorWithScore(query: number[], k: number, filter?: this['FilterType']): Promise<[DocumentInterface, number][]> {
    this.checkK(k);
    this.checkDims(query, 'query vector');
    const results = await this.agent.memories.recall('', {
      mode: 'vector',
      queryVector: query,
      limit: k,
      kinds: [this.kind],
      ...(filter === undefined ? {} : { metadata: filter }),
    });
    return results.map((r) => [toDocument(r.memory), r.parts.vector!.similarity]);
  }

  /**
   * Maximal marginal relevance: `fetchK` candidates by similarity, then `k` of them that are
   * relevant and unlike each other (`lambda` 1 = relevance only, 0 = diversity only). The
   * candidates' vectors are re-made from their text with the store's embeddings.
   */
  override async maxMarginalRelevanceSearch(
    query: string,
    options: MaxMarginalRelevanceSearchOptions<this['FilterType']>,
  ): Promise<DocumentInterface[]> {
    const { k = 4, fetchK = 20, lambda = 0.5, filter } = options ?? {};
    this.checkK(k);
    const queryVector = await this.embeddings.embedQuery(query);
    const candidates = await this.similaritySearchVectorWithScore(queryVector, Math.min(Math.max(fetchK, k), MAX_K), filter);
    if (candidates.length === 0) return [];
    const vectors = await this.embeddings.embedDocuments(candidates.map(([doc]) => doc.pageContent));
    return maximalMarginalRelevance(queryVector, vectors, lambda, k).map((i) => candidates[i]![0]);
  }

  /** Deletes documents by id (every version), by metadata filter, or all of this kind. */
  override async delete(params: EngramDeleteParams = {}): Promise<void> {
    const { ids, filter, deleteAll } = params ?? {};
    if (ids === undefined && filter === undefined && deleteAll !== true)
      throw invalid('delete() needs { ids }, { filter } or { deleteAll: true }');
    const kinds = [this.kind];
    if (deleteAll === true) {
      await this.agent.memories.forget({ kinds });
      return;
    }
    if (filter !== undefined) {
      if (typeof filter !== 'object' || filter === null || Object.keys(filter).length === 0) {
        throw invalid('delete({ filter }) needs a non-empty metadata filter; pass { deleteAll: true } to delete every document');
      }
      await this.agent.memories.forget({ kinds, metadata: filter });
    }
    if (ids !== undefined) {
      if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string' && id.length > 0))
        throw invalid('delete({ ids }) takes an array of ids');
      for (const chunk of chunks([...new Set(ids)], IN_CHUNK)) {
        await this.agent.memories.forget({ kinds, metadata: { [DOCUMENT_ID_KEY]: { $in: chunk } } });
      }
      for (const id of ids.filter((id) => MEMORY_ID.test(id))) {
        const memory = await this.agent.memories.get(id);
        if (memory?.kind === this.kind) await this.agent.memories.forget(id);
      }
    }
  }

  /** A store over `agent` holding `texts` (one metadata object per text, or one for all). */
  static override async fromTexts(
    texts: string[],
    metadatas: object[] | object,
    embeddings: EmbeddingsInterface | undefined,
    dbConfig: EngramVectorStoreArgs,
  ): Promise<EngramVectorStore> {
    const docs = texts.map(
      (pageContent, i) => new Document({ pageContent, metadata: (Array.isArray(metadatas) ? metadatas[i] : metadatas) ?? {} }),
    );
    return EngramVectorStore.fromDocuments(docs, embeddings, dbConfig);
  }

  /** A store over `agent` holding `docs`. */
  static override async fromDocuments(
    docs: DocumentInterface[],
    embeddings: EmbeddingsInterface | undefined,
    dbConfig: EngramVectorStoreArgs,
  ): Promise<EngramVectorStore> {
    const store = new EngramVectorStore(embeddings, dbConfig);
    await store.addDocuments(docs);
    return store;
  }

  private checkK(k: unknown): void {
    if (!Number.isInteger(k) || (k as number) < 1 || (k as number) > MAX_K)
      throw invalid(`k must be an integer from 1 to ${MAX_K}, got ${String(k)}`);
  }

  private checkDims(vector: unknown, what: string): void {
    const { embedder } = this.agent;
    if (!Array.isArray(vector) && !ArrayBuffer.isView(vector)) throw invalid(`${what} must be an array of numbers`);
    const length = (vector as ArrayLike<number>).length;
    if (length !== embedder.dims) {
      throw invalid(
        `${what} has ${length} dimensions, but agent ${this.agent.id} embeds with ${embedder.id} (${embedder.dims} dimensions): ` +
          'open the Engram with fromLangChainEmbeddings(embeddings, { id, dims }) so the store and the agent use one model',
        { expected: embedder.dims, actual: length },
      );
    }
  }

  /** The id each document will have: options.ids, else document.id, else none (Engram's memory id). */
  private idsFor(documents: DocumentInterface[], options: EngramAddDocumentOptions): (string | undefined)[] {
    if (options.ids !== undefined && (!Array.isArray(options.ids) || options.ids.length !== documents.length)) {
      throw invalid(`options.ids must hold one id per document (${documents.length})`);
    }
    const ids = documents.map((doc, i) => options.ids?.[i] ?? doc.id ?? undefined);
    const seen = new Set<string>();
    for (const id of ids) {
      if (id === undefined) continue;
      if (typeof id !== 'string' || id.length === 0 || id.length > 256)
        throw invalid('document ids must be strings of 1 to 256 characters');
      if (seen.has(id)) throw invalid(`document id ${JSON.stringify(id)} appears twice in one call`);
      seen.add(id);
    }
    return ids;
  }

  /** The current memory of each given id that exists: found by its document id, or being that memory. */
  private async currentMemories(ids: (string | undefined)[]): Promise<Map<string, string>> {
    const wanted = ids.filter((id): id is string => id !== undefined);
    const found = new Map<string, string>();
    for (const chunk of chunks(wanted, IN_CHUNK)) {
      const memories = await this.agent.memories.list({ kinds: [this.kind], metadata: { [DOCUMENT_ID_KEY]: { $in: chunk } }, limit: 1000 });
      for (const m of memories) found.set(String(m.metadata[DOCUMENT_ID_KEY]), m.id);
    }
    for (const id of wanted) {
      if (found.has(id) || !MEMORY_ID.test(id)) continue;
      const memory = await this.agent.memories.get(id);
      if (memory && memory.kind === this.kind && memory.validTo === null) found.set(id, id);
    }
    return found;
  }
}

/** A memory as a LangChain document: its text, its metadata (without the id key), its id. */
function toDocument(memory: Memory): Document {
  const { [DOCUMENT_ID_KEY]: custom, ...metadata } = memory.metadata;
  return new Document({ pageContent: memory.text, metadata, id: typeof custom === 'string' ? custom : memory.id });
}

/**
 * `EngramVectorStore`: a LangChain VectorStore over an agent's memories. Each document is one
 * memory of the store's kind (default `document`): pageContent is its text, metadata its
 * metadata, and its vector the one the store's embeddings made. Search is core's recall by
 * vector, with metadata filters applied in SQL before the top-k cut.
 */
import { EngramError, isEngramError, type Agent, type Memory, type MetadataCondition, type RememberInput } from '@engram/core';
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
/** Longest document id. */
const MAX_ID = 1024;
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
   * one transaction. A document whose id already exists replaces it: the id is looked up inside
   * the write transaction, so concurrent upserts of one id leave one current document (the old
   * versions are superseded, kept as history and never found again). pageContent is kept
   * exactly, whitespace and empty strings included.
   */
  async addVectors(vectors: number[][], documents: DocumentInterface[], options: EngramAddDocumentOptions = {}): Promise<string[]> {
    if (!Array.isArray(vectors) || !Array.isArray(documents) || vectors.length !== documents.length) {
      throw invalid(`addVectors needs one vector per document (got ${vectors?.length} vectors for ${documents?.length} documents)`);
    }
    if (documents.length === 0) return [];
    vectors.forEach((v, i) => this.checkDims(v, `vector ${i}`));
    const ids = this.idsFor(documents, options);
    const inputs: RememberInput[] = documents.map((doc, i) => {
      if (typeof doc?.pageContent !== 'string') throw invalid(`document ${i}: pageContent must be a string`);
      const metadata = doc.metadata ?? {};
      if (typeof metadata !== 'object' || Array.isArray(metadata)) throw invalid(`document ${i}: metadata must be an object`);
      if (DOCUMENT_ID_KEY in metadata) {
        throw invalid(
          `document ${i}: metadata key "${DOCUMENT_ID_KEY}" is reserved for document ids; pass the id as document.id or options.ids`,
        );
      }
      const id = ids[i];
      this.checkSizes(i, doc.pageContent, id === undefined ? metadata : { ...metadata, [DOCUMENT_ID_KEY]: id });
      return {
        text: doc.pageContent,
        kind: this.kind,
        metadata: id === undefined ? metadata : { ...metadata, [DOCUMENT_ID_KEY]: id },
        vector: vectors[i],
      };
    });
    const stored: Memory[] = [];
    const { maxBatch } = this.agent.limits;
    for (let start = 0; start < inputs.length; start += maxBatch) {
      const batch = inputs.slice(start, start + maxBatch);
      stored.push(...(await this.rememberBatch(batch, ids.slice(start, start + maxBatch))));
    }
    return stored.map((m, i) => ids[i] ?? m.id);
  }

  /**
   * One batch in one transaction, replacing current documents by id. Ids that are Engram
   * memory ids of documents stored without an id supersede that memory; if a concurrent
   * writer superseded it first (CONFLICT), the batch is tried again, then replaces that writer's.
   */
  private async rememberBatch(batch: RememberInput[], ids: (string | undefined)[]): Promise<Memory[]> {
    const options = { replaceByMetadataKey: DOCUMENT_ID_KEY, exactText: true };
    for (let attempt = 0; ; attempt++) {
      const plain = await this.plainMemories(ids);
      const seen = new Set<string>();
      const inputs = batch.map((input, i) => {
        const id = ids[i];
        if (id === undefined || !plain.has(id) || seen.has(id)) return input;
        seen.add(id);
        return { ...input, supersedes: id };
      });
      try {
        return await this.agent.memories.remember(inputs, options);
      } catch (err) {
        if (attempt > 2 || !isEngramError(err, 'CONFLICT')) throw err;
      }
    }
  }

  /** The top `k` documents by cosine similarity to `query` (a vector), with their similarity. */
  async similaritySearchVectorWithScore(query: number[], k: number, filter?: this['FilterType']): Promise<[DocumentInterface, number][]> {
    this.checkK(k);
    this.checkDims(query, 'query vector');
    if (k === 0) return [];
    const results = await this.recall(query, k, filter);
    return results.map((r) => [toDocument(r.memory), r.parts.vector!.similarity]);
  }

  private recall(queryVector: number[], k: number, filter: this['FilterType'] | undefined) {
    return this.agent.memories.recall('', {
      mode: 'vector',
      queryVector,
      limit: k,
      kinds: [this.kind],
      ...(filter === undefined ? {} : { metadata: filter }),
    });
  }

  private async recallByVector(queryVector: number[], k: number, filter: this['FilterType'] | undefined): Promise<Memory[]> {
    return (await this.recall(queryVector, k, filter)).map((r) => r.memory);
  }

  /**
   * Maximal marginal relevance: `fetchK` candidates by similarity, then `k` of them that are
   * relevant and unlike each other (`lambda` 1 = relevance only, 0 = diversity only). The
   * candidates' stored vectors are used: nothing but the query is embedded.
   */
  override async maxMarginalRelevanceSearch(
    query: string,
    options: MaxMarginalRelevanceSearchOptions<this['FilterType']>,
  ): Promise<DocumentInterface[]> {
    const { k = 4, fetchK = 20, lambda = 0.5, filter } = options ?? {};
    this.checkK(k);
    if (k === 0) return [];
    const queryVector = await this.embeddings.embedQuery(query);
    this.checkDims(queryVector, 'query vector');
    const candidates = await this.recallByVector(queryVector, Math.min(Math.max(fetchK, k), MAX_K), filter);
    if (candidates.length === 0) return [];
    const stored = await this.agent.memories.vectors(candidates.map((m) => m.id));
    const kept = candidates.filter((m) => stored.has(m.id));
    const vectors = kept.map((m) => Array.from(stored.get(m.id)!));
    return maximalMarginalRelevance(queryVector, vectors, lambda, k).map((i) => toDocument(kept[i]!));
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

  /** Refuses a document over the agent's size limits before any batch is written. */
  private checkSizes(i: number, text: string, metadata: object): void {
    const { maxTextBytes, maxMetadataBytes } = this.agent.limits;
    const textBytes = Buffer.byteLength(text, 'utf8');
    if (textBytes > maxTextBytes) {
      throw new EngramError(
        'LIMIT_EXCEEDED',
        `document ${i}: pageContent is ${textBytes} bytes; the limit is ${maxTextBytes} (split it, or open the Engram with a larger limits.maxTextBytes)`,
        { details: { index: i, bytes: textBytes, limit: maxTextBytes } },
      );
    }
    let json: string;
    try {
      json = JSON.stringify(metadata);
    } catch (err) {
      throw new EngramError('INVALID_ARGUMENT', `document ${i}: metadata must be JSON-serialisable (no cycles, no BigInt)`, { cause: err });
    }
    const metadataBytes = Buffer.byteLength(json, 'utf8');
    if (metadataBytes > maxMetadataBytes) {
      throw new EngramError(
        'LIMIT_EXCEEDED',
        `document ${i}: metadata is ${metadataBytes} bytes as JSON; the limit is ${maxMetadataBytes} (open the Engram with a larger limits.maxMetadataBytes)`,
        { details: { index: i, bytes: metadataBytes, limit: maxMetadataBytes } },
      );
    }
  }

  private checkK(k: unknown): void {
    if (!Number.isInteger(k) || (k as number) < 0 || (k as number) > MAX_K)
      throw invalid(`k must be an integer from 0 to ${MAX_K}, got ${String(k)}`);
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
    const ids = documents.map((doc, i) => options.ids?.[i] ?? doc?.id ?? undefined);
    for (const id of ids) {
      if (id === undefined) continue;
      if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID)
        throw invalid(`document ids must be strings of 1 to ${MAX_ID} characters`);
    }
    return ids;
  }

  /** The given ids that are current Engram memory ids of this kind stored without a document id. */
  private async plainMemories(ids: (string | undefined)[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (const id of new Set(ids)) {
      if (id === undefined || !MEMORY_ID.test(id)) continue;
      const memory = await this.agent.memories.get(id);
      if (memory && memory.kind === this.kind && memory.validTo === null && !(DOCUMENT_ID_KEY in memory.metadata)) found.add(id);
    }
    return found;
  }
}

/** A memory as a LangChain document: its text, its metadata (without the id key), its id. */
function toDocument(memory: Memory): Document {
  const { [DOCUMENT_ID_KEY]: custom, ...metadata } = memory.metadata;
  return new Document({ pageContent: memory.text, metadata, id: typeof custom === 'string' ? custom : memory.id });
}

/**
 * @engram/langchain: Engram for LangChain and LangGraph. Each class keeps its data in one
 * agent's database: documents as memories, LangGraph store items, checkpoints and chat messages
 * in `lc_` tables beside them.
 *
 * @example
 * import { Engram } from '@engram/core';
 * import { EngramCheckpointSaver, EngramStore } from '@engram/langchain';
 * const agent = await (await Engram.open({ dir: './data' })).agent('assistant');
 * const graph = workflow.compile({ checkpointer: new EngramCheckpointSaver(agent), store: new EngramStore({ agent }) });
 */
export { EngramEmbeddings, fromLangChainEmbeddings, type FromLangChainEmbeddingsOptions } from './embeddings.js';
export {
  EngramVectorStore,
  DOCUMENT_ID_KEY,
  type EngramVectorStoreArgs,
  type EngramVectorStoreFilter,
  type EngramAddDocumentOptions,
  type EngramDeleteParams,
} from './vector-store.js';
export { EngramStore, STORE_LIMITS, type EngramStoreOptions, type EngramStoreIndexConfig } from './store/engram-store.js';
export { EngramCheckpointSaver } from './checkpoint/engram-saver.js';
export { EngramChatMessageHistory, type EngramChatMessageHistoryInput } from './chat-history.js';
export { EngramFilesRetriever, type EngramFilesRetrieverInput } from './files-retriever.js';

/**
 * `EngramFilesRetriever`: a LangChain retriever over an agent's files (`agent.files.search`),
 * each passage a Document naming its file and line range.
 */
import type { Agent } from '@engram/core';
import type { CallbackManagerForRetrieverRun } from '@langchain/core/callbacks/manager';
import { Document } from '@langchain/core/documents';
import { BaseRetriever, type BaseRetrieverInput } from '@langchain/core/retrievers';
import { invalid } from './errors.js';

export interface EngramFilesRetrieverInput extends BaseRetrieverInput {
  agent: Agent;
  /** Passages per query (default 4, at most 100). */
  k?: number;
  /** Only files at or below this agent path. */
  path?: string;
  /** Only files whose path (relative to `path`) matches this glob. */
  glob?: string;
  /** hybrid (default), vector or text. */
  mode?: 'hybrid' | 'vector' | 'text';
}

/**
 * Finds passages of the agent's text files by meaning and by words.
 * @example
 * const retriever = new EngramFilesRetriever({ agent, k: 3, path: '/docs' });
 * const docs = await retriever.invoke('how do we deploy?'); // metadata: { path, startLine, endLine, score }
 */
export class EngramFilesRetriever extends BaseRetriever {
  lc_namespace = ['engram', 'langchain', 'retrievers'];
  readonly agent: Agent;
  readonly k: number;
  readonly path: string | undefined;
  readonly glob: string | undefined;
  readonly mode: 'hybrid' | 'vector' | 'text' | undefined;

  constructor(input: EngramFilesRetrieverInput) {
    super(input);
    if (typeof input?.agent?.files?.search !== 'function')
      throw invalid('EngramFilesRetriever needs { agent }: an agent from engram.agent(id)');
    this.agent = input.agent;
    this.k = input.k ?? 4;
    this.path = input.path;
    this.glob = input.glob;
    this.mode = input.mode;
  }

  override async _getRelevantDocuments(query: string, _runManager?: CallbackManagerForRetrieverRun): Promise<Document[]> {
    const results = await this.agent.files.search(query, { limit: this.k, path: this.path, glob: this.glob, mode: this.mode });
    return results.map(
      (r) =>
        new Document({
          pageContent: r.text,
          metadata: { path: r.path, startLine: r.startLine, endLine: r.endLine, score: r.score },
          id: `${r.path}#L${r.startLine}-L${r.endLine}`,
        }),
    );
  }
}

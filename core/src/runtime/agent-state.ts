/**
 * What sub-stores see of an agent: its id, the embedder, limits, and `use()`, which lends them
 * the open database (reopening it if the pool closed it) for the length of one operation.
 */
import type { Connection } from './connection.js';
import type { Embedder } from '../embedders/types.js';
import type { AgentMeta } from '../schema/meta.js';
import type { AgentSync } from './sync-handle.js';

export interface Limits {
  /** Longest memory text, in UTF-8 bytes (default 32 KiB). */
  maxTextBytes: number;
  /** Largest metadata object, as JSON bytes (default 16 KiB). */
  maxMetadataBytes: number;
  /** Most tags on one memory (default 32), each at most 64 characters. */
  maxTags: number;
  /** Most memories in one remember() batch (default 1000). */
  maxBatch: number;
  /** Largest file in agent.files, in bytes (default 10 MiB). */
  maxFileBytes: number;
  /** Most bytes of file content one agent may hold (default: no limit). */
  maxTotalFileBytes?: number | undefined;
}

export const DEFAULT_LIMITS: Limits = {
  maxTextBytes: 32 * 1024,
  maxMetadataBytes: 16 * 1024,
  maxTags: 32,
  maxBatch: 1000,
  maxFileBytes: 10 * 1024 * 1024,
};

/** One open agent database and the caches that live as long as its handle. */
export interface AgentState {
  readonly conn: Connection;
  meta: Partial<AgentMeta>;
  /** Per-handle caches, by a key each module owns (the vector index: search/vector-cache.ts); dropped with the handle. */
  readonly caches: Map<string, unknown>;
  /** Set for a synced agent (Engram.open({ sync })): push, pull, status, background sync. */
  sync?: AgentSync | undefined;
}

export interface AgentRuntime {
  readonly agentId: string;
  readonly embedder: Embedder;
  readonly limits: Limits;
  /** Lends the open database to `fn`; the pool will not close it meanwhile. */
  use<T>(fn: (state: AgentState) => Promise<T>): Promise<T>;
}

/**
 * What one open handle keeps of an agent's first-pass vector index, in the handle's caches
 * (dropped with the handle, or by anything that clears them): the loaded index, or the
 * vectors_version at which the agent was found too small to need one. Only recall and the
 * memories' write path read it.
 */
import type { StoredVectorIndex } from './vector-index-store.js';

export interface VectorCache {
  /** Loaded on the first recall that needs it; undefined until then. */
  index: StoredVectorIndex | undefined;
  /** The vectors_version at which the agent was found too small to need the index. */
  smallAtVersion?: string | undefined;
  /** How many current vectors the agent had at `smallAtVersion`, when counted. */
  smallCount?: number | undefined;
}

const KEY = 'search:vector-index';

/** The handle's vector cache, made empty on first use. */
export function vectorCache(state: { readonly caches: Map<string, unknown> }): VectorCache {
  let cache = state.caches.get(KEY) as VectorCache | undefined;
  if (!cache) state.caches.set(KEY, (cache = { index: undefined }));
  return cache;
}

/** Forgets what the handle knew of the index (after a change it cannot follow). */
export function dropVectorCache(state: { readonly caches: Map<string, unknown> }): void {
  state.caches.delete(KEY);
}

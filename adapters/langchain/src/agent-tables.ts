/**
 * What the adapters need of an agent's database beyond core's sub-stores: core's handle types,
 * and their own tables (all prefixed `lc_`), declared with core's defineTables() so core creates
 * them on first use and branches diff and merge them.
 */
import type { Agent, AgentState, TableSet } from '@engram/core';

export type { AgentState, Queryable, SqlValue } from '@engram/core';

/** Lends the agent's database to `fn`, creating `set`'s tables first if needed. */
export function withTables<T>(agent: Agent, set: TableSet, fn: (state: AgentState) => Promise<T>): Promise<T> {
  return agent.withTables(set, fn);
}

/** Bytes as a Buffer over the same memory (engines bind Buffers faithfully, not other views). */
export function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

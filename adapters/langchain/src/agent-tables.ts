/**
 * What the adapters need of an agent's database beyond core's sub-stores: the connection
 * types (derived from `agent.use`, which core does not export by name), and tables of their own
 * (all prefixed `lc_`) created on first use of each open handle.
 */
import type { Agent } from '@engram/core';

/** The open agent database `agent.use()` lends. */
export type AgentState = Parameters<Parameters<Agent['use']>[0]>[0];
/** What a statement may run on: the connection, or the handle inside a transaction. */
export type Queryable = Parameters<Parameters<AgentState['conn']['transaction']>[0]>[0];
/** A value bound to a statement parameter. */
export type SqlValue = null | number | bigint | string | Buffer;

/** A set of `CREATE ... IF NOT EXISTS` statements owned by one adapter. */
export interface AdapterSchema {
  /** Key in the handle's cache that records the tables exist. */
  readonly name: string;
  readonly statements: readonly string[];
  /**
   * Brings tables an older version of the adapter created up to date, after `statements`. Must
   * be idempotent, and write only inside `conn.transaction` (re-checking there, since another
   * process may migrate at the same time).
   */
  readonly migrate?: (conn: AgentState['conn']) => Promise<void>;
}

/**
 * Lends the agent's database to `fn`, creating `schema`'s tables first if this handle has not
 * yet done so (the pool may close and reopen handles; the cache goes with them).
 */
export function withTables<T>(agent: Agent, schema: AdapterSchema, fn: (state: AgentState) => Promise<T>): Promise<T> {
  return agent.use(async (state) => {
    const key = `lc:schema:${schema.name}`;
    if (!state.caches.has(key)) {
      await state.conn.exec(schema.statements.join(';\n'));
      if (schema.migrate) await schema.migrate(state.conn);
      state.caches.set(key, true);
    }
    return fn(state);
  });
}

/** Bytes as a Buffer over the same memory (engines bind Buffers faithfully, not other views). */
export function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * @engram/core: one database per AI agent, with memories found again by meaning and by words.
 *
 * @example
 * import { Engram } from '@engram/core';
 * const engram = await Engram.open({ dir: './data' });
 * const agent = await engram.agent('agent-42');
 * await agent.memories.remember({ text: 'Alice prefers green tea', kind: 'preference' });
 * const results = await agent.memories.recall('what does Alice drink?');
 */
export { Engram, type EngramOptions, type AgentOptions, type ExportResult } from './engram.js';
export { Agent, type AgentInfo } from './agent.js';
export { EngramError, isEngramError, ERROR_CODES, type ErrorCode } from './util/errors.js';
export { validateAgentId, AGENT_ID_PATTERN } from './runtime/agent-id.js';
export { DEFAULT_LIMITS, type Limits, type AgentState, type AgentRuntime } from './runtime/agent-state.js';
export type { Connection } from './runtime/connection.js';
export { defineTables, type TableSet, type TableUnit, type TableChild } from './schema/table-set.js';
export { DEFAULT_MAX_OPEN_AGENTS, DEFAULT_MAX_OPEN_BYTES, HANDLE_MEMORY } from './runtime/open-limits.js';
export { MemoryStore } from './memories/memory-store.js';
export type * from './memories/types.js';
export type { MemoryFilter, MetadataCondition, MetadataValue } from './memories/filter.js';
export { DRIVERS, resolveDriver } from './drivers/index.js';
export type { Driver, DriverName, Dialect, Queryable, SqlValue, Row, RunResult } from './drivers/types.js';
export * from './embedders/index.js';
export { vectorToBlob, blobToVector } from './search/vectors.js';
export type { TimeInput } from './util/time.js';
export { TaskStore } from './tasks/task-store.js';
export { TASK_STATUSES } from './tasks/types.js';
export type * from './tasks/types.js';
export { ActionLog } from './actions/action-log.js';
export { ACTION_LIMITS } from './actions/normalize.js';
export type * from './actions/types.js';
export { KvStore, KV_LIMITS, type KvEntry, type KvListOptions, type KvSetOptions } from './kv/kv-store.js';
export { FileStore } from './files/file-store.js';
export type * from './files/types.js';
export { BranchStore } from './branches/branch-store.js';
export { SnapshotStore } from './branches/snapshot-store.js';
export type * from './branches/types.js';
export * from './transfer/index.js';
export type { SyncOptions } from './sync/options.js';
export type { SyncResult, SyncStatus } from './sync/session.js';
export type { RemoteEncryption } from './drivers/turso-sync.js';
export { keyedId, mintId } from './util/ids.js';

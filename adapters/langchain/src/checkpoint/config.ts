/**
 * Checks what LangGraph hands the checkpointer: the ids in a RunnableConfig and the shape of
 * checkpoints, metadata and writes. Every failure is an INVALID_ARGUMENT naming the fix.
 */
import type { RunnableConfig } from '@langchain/core/runnables';
import type { ChannelVersions, Checkpoint, CheckpointMetadata, PendingWrite } from '@langchain/langgraph-checkpoint';
import { invalid } from '../errors.js';

const MAX_ID = 512;

function id(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string' || value.length > MAX_ID) throw invalid(`${name} must be a string of at most ${MAX_ID} characters`);
  return value;
}

/** The thread id of `config`; `what` names the call when it is required and missing. */
export function threadIdOf(config: RunnableConfig | undefined, what?: string): string | undefined {
  const threadId = id(config?.configurable?.thread_id, 'thread_id');
  if (threadId === undefined && what !== undefined) {
    throw invalid(
      `${what}: config.configurable.thread_id is missing. A checkpointer stores state per thread: ` +
        `pass one with every call, e.g. graph.invoke(input, { configurable: { thread_id: "thread-1" } })`,
    );
  }
  return threadId;
}

/** The checkpoint namespace of `config` ('' when absent unless `keepUndefined`, as list() needs). */
export function namespaceOf(config: RunnableConfig | undefined, keepUndefined = false): string | undefined {
  const ns: unknown = config?.configurable?.checkpoint_ns;
  if (ns === undefined || ns === null) return keepUndefined ? undefined : '';
  if (typeof ns !== 'string' || ns.length > MAX_ID) throw invalid(`checkpoint_ns must be a string of at most ${MAX_ID} characters`);
  return ns;
}

export function checkpointIdOf(config: RunnableConfig | undefined): string | undefined {
  return id(config?.configurable?.checkpoint_id, 'checkpoint_id');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function checkCheckpoint(checkpoint: Checkpoint, metadata: CheckpointMetadata, newVersions: ChannelVersions): void {
  if (!isObject(checkpoint)) throw invalid('put: checkpoint must be an object (a LangGraph Checkpoint)');
  if (id(checkpoint.id, 'checkpoint.id') === undefined) throw invalid('put: checkpoint.id is missing');
  for (const field of ['channel_values', 'channel_versions', 'versions_seen'] as const) {
    if (checkpoint[field] !== undefined && !isObject(checkpoint[field])) throw invalid(`put: checkpoint.${field} must be an object`);
  }
  if (!isObject(metadata)) throw invalid('put: metadata must be an object');
  if (newVersions !== undefined && !isObject(newVersions)) throw invalid('put: newVersions must be an object of channel: version');
  for (const [channel, version] of Object.entries(newVersions ?? {})) {
    if (typeof version !== 'number' && typeof version !== 'string')
      throw invalid(`put: the version of channel "${channel}" must be a number or a string`);
  }
}

export function checkWrites(writes: PendingWrite[], taskId: string): void {
  if (typeof taskId !== 'string' || taskId.length === 0 || taskId.length > MAX_ID)
    throw invalid('putWrites: taskId must be a non-empty string');
  if (!Array.isArray(writes) || !writes.every((w) => Array.isArray(w) && typeof w[0] === 'string')) {
    throw invalid('putWrites: writes must be an array of [channel, value] pairs');
  }
}

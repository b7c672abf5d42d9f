/**
 * `EngramCheckpointSaver`: LangGraph thread state in an agent's database. Each put writes the
 * checkpoint and the channel values that changed (by `newVersions`) in one transaction, each
 * value under a key unique to the checkpoint that wrote it, and fixes which stored value the
 * checkpoint reads for every channel (its own, or its parent's). A value written once is shared
 * by the later checkpoints that did not change it, and nothing a fork, a regenerate or a
 * concurrent run writes can change what an existing checkpoint reads.
 */
import { randomUUID } from 'node:crypto';
import type { Agent } from '@engram/core';
import type { RunnableConfig } from '@langchain/core/runnables';
import {
  BaseCheckpointSaver,
  TASKS,
  WRITES_IDX_MAP,
  compareWritesSortKeys,
  maxChannelVersion,
  writesSortKey,
  type ChannelVersions,
  type Checkpoint,
  type CheckpointListOptions,
  type CheckpointMetadata,
  type CheckpointPendingWrite,
  type CheckpointTuple,
  type PendingWrite,
  type SerializerProtocol,
} from '@langchain/langgraph-checkpoint';
import { toBuffer, withTables, type Queryable, type SqlValue } from '../agent-tables.js';
import { invalid } from '../errors.js';
import { jsonFilterSql } from '../json-filter.js';
import { checkCheckpoint, checkWrites, checkpointIdOf, namespaceOf, threadIdOf } from './config.js';
import { CHECKPOINT_SCHEMA, VERSION_SEPARATOR, valueKey } from './schema.js';

interface CheckpointRow {
  thread_id: string;
  checkpoint_ns: string;
  checkpoint_id: string;
  parent_checkpoint_id: string | null;
  type: string;
  checkpoint: Uint8Array;
  metadata: string;
  channel_refs: string | null;
}

/** Per channel: [its version, the key of the stored value the checkpoint reads]. */
type Refs = Record<string, readonly [string, string]>;

interface WriteRow {
  task_id: string;
  channel: string;
  type: string;
  blob: Uint8Array;
  task_path: string;
  idx: number;
}

const COLUMNS = 'thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, checkpoint, metadata';
const READ_COLUMNS = `${COLUMNS}, channel_refs`;
/** Rows list() reads per round trip. */
const PAGE = 100;

/**
 * A LangGraph checkpointer that keeps every thread of an agent in the agent's own database.
 * @example
 * const checkpointer = new EngramCheckpointSaver(agent);
 * const graph = workflow.compile({ checkpointer });
 * await graph.invoke(input, { configurable: { thread_id: 'thread-1' } });
 */
export class EngramCheckpointSaver extends BaseCheckpointSaver {
  constructor(
    readonly agent: Agent,
    serde?: SerializerProtocol,
  ) {
    super(serde);
    if (typeof agent?.use !== 'function') throw invalid('EngramCheckpointSaver needs an agent from engram.agent(id)');
  }

  /** The checkpoint `config` names, or the thread's latest; undefined when there is none (or no thread_id). */
  async getTuple(config: RunnableConfig): Promise<CheckpointTuple | undefined> {
    const threadId = threadIdOf(config);
    if (threadId === undefined) return undefined;
    const ns = namespaceOf(config)!;
    const checkpointId = checkpointIdOf(config);
    const row = await withTables(this.agent, CHECKPOINT_SCHEMA, (s) =>
      checkpointId === undefined
        ? s.conn.get<CheckpointRow>(
            `SELECT ${READ_COLUMNS} FROM lc_checkpoints WHERE thread_id = ? AND checkpoint_ns = ? ORDER BY checkpoint_id DESC LIMIT 1`,
            [threadId, ns],
          )
        : s.conn.get<CheckpointRow>(
            `SELECT ${READ_COLUMNS} FROM lc_checkpoints WHERE thread_id = ? AND checkpoint_ns = ? AND checkpoint_id = ?`,
            [threadId, ns, checkpointId],
          ),
    );
    return row ? this.load(row) : undefined;
  }

  /**
   * Checkpoints newest first: of one thread (or all), one namespace (or all), filtered by
   * metadata (`{ key: value }`, top-level keys), before a checkpoint, at most `limit`.
   */
  async *list(config: RunnableConfig, options: CheckpointListOptions = {}): AsyncGenerator<CheckpointTuple> {
    const { limit, before, filter } = options ?? {};
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) throw invalid('list: limit must be a non-negative integer');
    const conditions: string[] = [];
    const params: SqlValue[] = [];
    const add = (condition: string, value: string | undefined) => {
      if (value === undefined) return;
      conditions.push(condition);
      params.push(value);
    };
    add('thread_id = ?', threadIdOf(config));
    add('checkpoint_ns = ?', namespaceOf(config, true));
    add('checkpoint_id = ?', checkpointIdOf(config));
    add('checkpoint_id < ?', checkpointIdOf(before));
    const metadata = jsonFilterSql('metadata', filter, { nested: false, where: 'list' });
    conditions.push(...metadata.conditions);
    params.push(...metadata.params);
    const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
    for (let offset = 0, remaining = limit ?? Infinity; remaining > 0;) {
      const size = Math.min(PAGE, remaining);
      const rows = await withTables(this.agent, CHECKPOINT_SCHEMA, (s) =>
        s.conn.all<CheckpointRow>(
          `SELECT ${READ_COLUMNS} FROM lc_checkpoints ${where} ORDER BY checkpoint_id DESC, thread_id, checkpoint_ns LIMIT ${size} OFFSET ${offset}`,
          params,
        ),
      );
      for (const row of rows) yield await this.load(row);
      if (rows.length < size) return;
      offset += size;
      remaining -= size;
    }
  }

  /** Stores a checkpoint and the channel values `newVersions` names, in one transaction. */
  async put(
    config: RunnableConfig,
    checkpoint: Checkpoint,
    metadata: CheckpointMetadata,
    newVersions: ChannelVersions,
  ): Promise<RunnableConfig> {
    const threadId = threadIdOf(config, 'put')!;
    const ns = namespaceOf(config)!;
    checkCheckpoint(checkpoint, metadata, newVersions);
    const { channel_values: values = {}, ...rest } = checkpoint;
    const [type, bytes] = await this.serde.dumpsTyped(rest);
    const [metadataType, metadataBytes] = await this.serde.dumpsTyped(metadata);
    if (metadataType !== 'json') throw invalid(`put: metadata must serialise to JSON (the serializer gave "${metadataType}")`);
    const changed = await Promise.all(
      Object.entries(newVersions ?? {}).map(async ([channel, version]) => {
        if (!Object.hasOwn(values, channel) || values[channel] === undefined)
          return { channel, version: String(version), type: 'empty', blob: null };
        const [t, b] = await this.serde.dumpsTyped(values[channel]);
        return { channel, version: String(version), type: t, blob: toBuffer(b) };
      }),
    );
    const parentId = checkpointIdOf(config);
    const row: SqlValue[] = [
      threadId,
      ns,
      checkpoint.id,
      parentId ?? null,
      type,
      toBuffer(bytes),
      Buffer.from(metadataBytes).toString('utf8'),
    ];
    await withTables(this.agent, CHECKPOINT_SCHEMA, (s) =>
      s.conn.transaction(async (tx) => {
        // One read for both: whether this id exists already, and the parent's refs.
        const rows = await tx.all<{ checkpoint_id: string; channel_refs: string | null }>(
          'SELECT checkpoint_id, channel_refs FROM lc_checkpoints WHERE thread_id = ? AND checkpoint_ns = ? AND checkpoint_id IN (?, ?)',
          [threadId, ns, checkpoint.id, parentId ?? checkpoint.id],
        );
        // Put again under its own id, a checkpoint stores its values under a fresh writer id:
        // children already reading the earlier values keep them.
        const writer = rows.some((r) => r.checkpoint_id === checkpoint.id) ? `${checkpoint.id}~${randomUUID()}` : checkpoint.id;
        const parent = parentId === undefined ? undefined : rows.find((r) => r.checkpoint_id === parentId);
        const written: Refs = {};
        for (const value of changed) {
          const key = valueKey(value.version, writer);
          // Plain INSERT: a key is unique by construction, and a stored value is never replaced.
          await tx.run(
            'INSERT INTO lc_checkpoint_blobs (thread_id, checkpoint_ns, channel, version, type, blob) VALUES (?, ?, ?, ?, ?, ?)',
            [threadId, ns, value.channel, key, value.type, value.blob],
          );
          written[value.channel] = [value.version, key];
        }
        const parentRefs =
          parent === undefined
            ? {}
            : parent.channel_refs !== null
              ? (JSON.parse(parent.channel_refs) as Refs)
              : await this.legacyRefs(tx, threadId, ns, parentId!);
        const refs: Refs = {};
        for (const [channel, raw] of Object.entries(checkpoint.channel_versions ?? {})) {
          const version = String(raw);
          const ref =
            [written[channel], parentRefs[channel]].find((r) => r?.[0] === version) ??
            (await storedRef(tx, { threadId, ns, channel, version, before: checkpoint.id }));
          if (ref !== undefined) refs[channel] = ref;
        }
        await tx.run(`INSERT OR REPLACE INTO lc_checkpoints (${COLUMNS}, channel_refs) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, [
          ...row,
          JSON.stringify(refs),
        ]);
      }),
    );
    return { configurable: { thread_id: threadId, checkpoint_ns: ns, checkpoint_id: checkpoint.id } };
  }

  /**
   * Stores a task's writes against a checkpoint, in one transaction. A regular write already
   * stored under the same (task, index) is kept; special writes (errors, interrupts) replace.
   */
  async putWrites(config: RunnableConfig, writes: PendingWrite[], taskId: string, taskPath = ''): Promise<void> {
    const threadId = threadIdOf(config, 'putWrites')!;
    const ns = namespaceOf(config)!;
    const checkpointId = checkpointIdOf(config);
    if (checkpointId === undefined)
      throw invalid('putWrites: config.configurable.checkpoint_id is missing: pass the config put() returned');
    checkWrites(writes, taskId);
    const rows = await Promise.all(
      writes.map(async ([channel, value], i) => {
        const [type, bytes] = await this.serde.dumpsTyped(value);
        return { idx: WRITES_IDX_MAP[channel] ?? i, params: [channel, type, toBuffer(bytes)] as SqlValue[] };
      }),
    );
    await withTables(this.agent, CHECKPOINT_SCHEMA, (s) =>
      s.conn.transaction(async (tx) => {
        for (const { idx, params } of rows) {
          await tx.run(
            `INSERT OR ${idx < 0 ? 'REPLACE' : 'IGNORE'} INTO lc_checkpoint_writes
             (thread_id, checkpoint_ns, checkpoint_id, task_id, idx, channel, type, blob, task_path) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
            [threadId, ns, checkpointId, taskId, idx, ...params, String(taskPath ?? '')],
          );
        }
      }),
    );
  }

  /** Deletes every checkpoint, channel value and write of a thread, in one transaction. */
  async deleteThread(threadId: string): Promise<void> {
    const id = threadIdOf({ configurable: { thread_id: threadId } }, 'deleteThread')!;
    await withTables(this.agent, CHECKPOINT_SCHEMA, (s) =>
      s.conn.transaction(async (tx) => {
        for (const table of ['lc_checkpoint_writes', 'lc_checkpoint_blobs', 'lc_checkpoints']) {
          await tx.run(`DELETE FROM ${table} WHERE thread_id = ?`, [id]);
        }
      }),
    );
  }

  /** A stored row as a tuple: channel values from their versions, pending writes in replay order. */
  private async load(row: CheckpointRow): Promise<CheckpointTuple> {
    const { thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id: parentId } = row;
    const checkpoint = (await this.serde.loadsTyped(row.type, row.checkpoint)) as Checkpoint;
    const versions = checkpoint.channel_versions ?? {};
    const keys = Object.fromEntries(Object.entries(this.refsFrom(row, checkpoint)).map(([channel, [, key]]) => [channel, key]));
    const { blobs, writes, sends } = await withTables(this.agent, CHECKPOINT_SCHEMA, async (s) => ({
      blobs: await s.conn.all<{ channel: string; type: string; blob: Uint8Array | null }>(
        `SELECT b.channel, b.type, b.blob FROM json_each(?) j
         CROSS JOIN lc_checkpoint_blobs b ON b.thread_id = ? AND b.checkpoint_ns = ? AND b.channel = j.key AND b.version = j.value`,
        [JSON.stringify(keys), thread_id, checkpoint_ns],
      ),
      writes: await this.writesOf(s.conn, thread_id, checkpoint_ns, checkpoint_id),
      // Checkpoints before format 4 kept pending sends as the parent's writes to TASKS.
      sends: checkpoint.v < 4 && parentId ? await this.writesOf(s.conn, thread_id, checkpoint_ns, parentId, TASKS) : [],
    }));
    const channelValues: Record<string, unknown> = {};
    for (const b of blobs) {
      if (b.type !== 'empty' && b.blob !== null) channelValues[b.channel] = await this.serde.loadsTyped(b.type, b.blob);
    }
    checkpoint.channel_values = channelValues;
    if (sends.length > 0) {
      channelValues[TASKS] = await Promise.all(sends.map((w) => this.serde.loadsTyped(w.type, w.blob)));
      const known = Object.values(versions);
      checkpoint.channel_versions = {
        ...versions,
        [TASKS]: known.length > 0 ? maxChannelVersion(...known) : this.getNextVersion(undefined),
      };
    }
    const ids = (id: string) => ({ configurable: { thread_id, checkpoint_ns, checkpoint_id: id } });
    return {
      config: ids(checkpoint_id),
      checkpoint,
      metadata: (await this.serde.loadsTyped('json', row.metadata)) as CheckpointMetadata,
      ...(parentId ? { parentConfig: ids(parentId) } : {}),
      pendingWrites: await Promise.all(
        writes.map(async (w): Promise<CheckpointPendingWrite> => [w.task_id, w.channel, await this.serde.loadsTyped(w.type, w.blob)]),
      ),
    };
  }

  /** The stored values a checkpoint reads; rows from before `channel_refs` read their plain versions. */
  private refsFrom(row: Pick<CheckpointRow, 'channel_refs'>, checkpoint: Checkpoint): Refs {
    if (row.channel_refs !== null) return JSON.parse(row.channel_refs) as Refs;
    return Object.fromEntries(Object.entries(checkpoint.channel_versions ?? {}).map(([c, v]) => [c, [String(v), String(v)] as const]));
  }

  /** The refs of a checkpoint stored before `channel_refs` existed: its plain channel versions. */
  private async legacyRefs(db: Queryable, threadId: string, ns: string, checkpointId: string): Promise<Refs> {
    const row = await db.get<Pick<CheckpointRow, 'type' | 'checkpoint' | 'channel_refs'>>(
      'SELECT type, checkpoint, channel_refs FROM lc_checkpoints WHERE thread_id = ? AND checkpoint_ns = ? AND checkpoint_id = ?',
      [threadId, ns, checkpointId],
    );
    return row ? this.refsFrom(row, (await this.serde.loadsTyped(row.type, row.checkpoint)) as Checkpoint) : {};
  }

  /** A checkpoint's writes (to one channel, if given) in LangGraph's replay order. */
  private async writesOf(db: Queryable, threadId: string, ns: string, checkpointId: string, channel?: string): Promise<WriteRow[]> {
    const rows = await db.all<WriteRow>(
      `SELECT task_id, channel, type, blob, task_path, idx FROM lc_checkpoint_writes
       WHERE thread_id = ? AND checkpoint_ns = ? AND checkpoint_id = ?${channel === undefined ? '' : ' AND channel = ?'}`,
      channel === undefined ? [threadId, ns, checkpointId] : [threadId, ns, checkpointId, channel],
    );
    const key = (w: WriteRow) => writesSortKey(w.task_path, w.task_id, Number(w.idx));
    return rows.sort((a, b) => compareWritesSortKeys(key(a), key(b)));
  }
}

/**
 * The value of `channel` at `version` stored most recently by a checkpoint not after `before`
 * (or before writers were recorded), for a checkpoint whose parent does not name it.
 */
async function storedRef(
  db: Queryable,
  at: { threadId: string; ns: string; channel: string; version: string; before: string },
): Promise<readonly [string, string] | undefined> {
  const { threadId, ns, channel, version, before } = at;
  const row = await db.get<{ version: string }>(
    `SELECT version FROM lc_checkpoint_blobs WHERE thread_id = ? AND checkpoint_ns = ? AND channel = ?
     AND (version = ? OR (version > ? AND version <= ?)) ORDER BY version DESC LIMIT 1`,
    [threadId, ns, channel, version, version + VERSION_SEPARATOR, `${valueKey(version, before)}\u007f`],
  );
  return row ? [version, row.version] : undefined;
}

/**
 * Tables of the checkpointer. A checkpoint row holds the checkpoint without its channel values;
 * each channel value is stored once per (thread, namespace, channel, version) in
 * `lc_checkpoint_blobs`, so a checkpoint only writes the channels that changed. Pending writes
 * of tasks go to `lc_checkpoint_writes`.
 */
import { defineTables } from '@engram/core';

export const CHECKPOINT_SCHEMA = defineTables({
  name: 'langchain.checkpoints',
  statements: [
    `CREATE TABLE IF NOT EXISTS lc_checkpoints (
      thread_id TEXT NOT NULL,
      checkpoint_ns TEXT NOT NULL,
      checkpoint_id TEXT NOT NULL,
      parent_checkpoint_id TEXT,
      type TEXT NOT NULL,
      checkpoint BLOB NOT NULL,
      metadata TEXT NOT NULL,
      PRIMARY KEY (thread_id, checkpoint_ns, checkpoint_id)
    )`,
    `CREATE TABLE IF NOT EXISTS lc_checkpoint_blobs (
      thread_id TEXT NOT NULL,
      checkpoint_ns TEXT NOT NULL,
      channel TEXT NOT NULL,
      version TEXT NOT NULL,
      type TEXT NOT NULL,
      blob BLOB,
      PRIMARY KEY (thread_id, checkpoint_ns, channel, version)
    )`,
    `CREATE TABLE IF NOT EXISTS lc_checkpoint_writes (
      thread_id TEXT NOT NULL,
      checkpoint_ns TEXT NOT NULL,
      checkpoint_id TEXT NOT NULL,
      task_id TEXT NOT NULL,
      idx INTEGER NOT NULL,
      channel TEXT NOT NULL,
      type TEXT NOT NULL,
      blob BLOB NOT NULL,
      task_path TEXT NOT NULL,
      PRIMARY KEY (thread_id, checkpoint_ns, checkpoint_id, task_id, idx)
    )`,
  ],
  units: [
    { table: 'lc_checkpoints', key: ['thread_id', 'checkpoint_ns', 'checkpoint_id'] },
    { table: 'lc_checkpoint_blobs', key: ['thread_id', 'checkpoint_ns', 'channel', 'version'] },
    { table: 'lc_checkpoint_writes', key: ['thread_id', 'checkpoint_ns', 'checkpoint_id', 'task_id', 'idx'] },
  ],
});

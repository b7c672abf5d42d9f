/**
 * Tables of the checkpointer, and their migration. A checkpoint row holds the checkpoint
 * without its channel values; values live in `lc_checkpoint_blobs`, so a checkpoint only writes
 * the channels that changed and shares the others with its parent.
 *
 * A stored value is never replaced. Its key (the `version` column) is the channel version
 * followed by `@` and the id of the checkpoint that wrote it, so two checkpoints that both give a
 * channel version 3 (a fork, a regenerate, two runs on one thread) store two values. Each
 * checkpoint row names the values it reads in `channel_refs` (channel -> key), fixed when it is
 * written. Rows written before `channel_refs` existed have it NULL: they read the values stored
 * under their plain channel versions, which no later write touches.
 */
import { defineTables, type Queryable } from '@engram/core';

/** Separates a channel version from the writing checkpoint's id in a value's key. */
export const VERSION_SEPARATOR = '@';

/** The key of the value of `channel` at `version` written by checkpoint `writer`. */
export function valueKey(version: string, writer: string): string {
  return `${version}${VERSION_SEPARATOR}${writer}`;
}

async function hasColumn(db: Queryable, table: string, column: string): Promise<boolean> {
  const rows = await db.all<{ name: string }>(`PRAGMA table_info(${table})`);
  return rows.some((r) => r.name === column);
}

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
      channel_refs TEXT,
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
  /**
   * Databases written before values were keyed by their writer lack `channel_refs`: add it.
   * Their rows keep NULL (read by plain version); their stored values stay as they are and no
   * later write can replace them, since every new key carries the writer's id.
   */
  async upgrade(tx) {
    if (!(await hasColumn(tx, 'lc_checkpoints', 'channel_refs'))) await tx.exec('ALTER TABLE lc_checkpoints ADD COLUMN channel_refs TEXT');
  },
});

/**
 * Tables of agent.tasks (migration 4): `tasks`, one row per task, and `task_deps`, one row per
 * "task depends on task" edge. Task ids are the public `task_<hex>` strings; `seq` only breaks
 * ties between tasks created in the same millisecond.
 */
import type { Migration } from '../schema/migration.js';

export const TASKS_MIGRATION: Migration = {
  version: 4,
  description: 'tasks and their dependencies',
  store: { name: 'tasks', marker: 'tasks' },
  statements: () => [
    `CREATE TABLE IF NOT EXISTS tasks (
         seq INTEGER PRIMARY KEY,
         id TEXT NOT NULL UNIQUE,
         title TEXT NOT NULL,
         description TEXT,
         priority INTEGER NOT NULL DEFAULT 0,
         payload TEXT,
         result TEXT,
         error TEXT,
         status TEXT NOT NULL DEFAULT 'pending',
         -- 1 while pending or running, 0 once finished: the queue indexes lead with it, because
         -- Turso plans a status OR-condition (or IS NULL) with a full sort instead of an index.
         open INTEGER NOT NULL DEFAULT 1,
         parent_id TEXT,
         assignee TEXT,
         worker TEXT,
         lease_expires_at INTEGER,
         lease_ms INTEGER,
         attempts INTEGER NOT NULL DEFAULT 0,
         max_attempts INTEGER NOT NULL DEFAULT 1,
         due_at INTEGER,
         created_at INTEGER NOT NULL,
         updated_at INTEGER NOT NULL,
         started_at INTEGER,
         finished_at INTEGER
       )`,
    // ready() and claim() walk these in queue order (priority, then age) and stop at the first hit.
    `CREATE INDEX IF NOT EXISTS tasks_queue ON tasks (open, priority DESC, created_at, seq)`,
    `CREATE INDEX IF NOT EXISTS tasks_assignee ON tasks (assignee, open, priority DESC, created_at, seq)`,
    `CREATE INDEX IF NOT EXISTS tasks_status ON tasks (status, priority DESC, created_at, seq)`,
    `CREATE INDEX IF NOT EXISTS tasks_parent ON tasks (parent_id)`,
    `CREATE TABLE IF NOT EXISTS task_deps (
         task_id TEXT NOT NULL,
         depends_on TEXT NOT NULL,
         PRIMARY KEY (task_id, depends_on)
       )`,
  ],
};

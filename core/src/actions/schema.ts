/** Tables of agent.actions (migration 3): one row per action, JSON text for input, output and error. */
import type { Migration } from '../schema/migration.js';

export const ACTIONS_MIGRATION: Migration = {
  version: 3,
  description: 'actions',
  store: { name: 'actions', marker: 'actions' },
  statements: () => [
    `CREATE TABLE IF NOT EXISTS actions (
       id INTEGER PRIMARY KEY,
       uid TEXT NOT NULL UNIQUE,
       name TEXT NOT NULL,
       status TEXT NOT NULL,
       input TEXT NOT NULL,
       output TEXT,
       error TEXT,
       parent_id TEXT,
       task_id TEXT,
       run_id TEXT,
       session_id TEXT,
       metadata TEXT NOT NULL DEFAULT '{}',
       started_at INTEGER NOT NULL,
       finished_at INTEGER,
       duration_ms REAL
     )`,
    `CREATE INDEX IF NOT EXISTS actions_started ON actions (started_at)`,
    `CREATE INDEX IF NOT EXISTS actions_name ON actions (name, started_at)`,
    `CREATE INDEX IF NOT EXISTS actions_parent ON actions (parent_id, started_at)`,
    `CREATE INDEX IF NOT EXISTS actions_run ON actions (run_id, started_at)`,
    `CREATE INDEX IF NOT EXISTS actions_session ON actions (session_id, started_at)`,
    `CREATE INDEX IF NOT EXISTS actions_task ON actions (task_id, started_at)`,
  ],
};

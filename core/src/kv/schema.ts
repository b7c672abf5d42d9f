/** Tables of agent.kv (migration 5): one row per key, JSON text values, optional expiry. */
import type { Migration } from '../schema/migration.js';

export const KV_MIGRATION: Migration = {
  version: 5,
  description: 'kv',
  store: { name: 'kv', marker: 'kv' },
  statements: () => [
    // Keys compare as bytes (BINARY collation), so a prefix is a key range on the primary key.
    `CREATE TABLE IF NOT EXISTS kv (
       key TEXT PRIMARY KEY,
       value TEXT NOT NULL,
       created_at INTEGER NOT NULL,
       updated_at INTEGER NOT NULL,
       expires_at INTEGER
     )`,
    `CREATE INDEX IF NOT EXISTS kv_expires ON kv (expires_at)`,
  ],
};

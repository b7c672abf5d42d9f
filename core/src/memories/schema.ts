/**
 * Tables of agent.memories (migrations 1 and 7): the memories, one float32 vector per memory
 * kept apart so scans of memories stay narrow, and their text index (chosen per engine).
 */
import type { Migration } from '../schema/migration.js';
import { textIndex } from '../search/text-indexes.js';
import { MEMORY_TEXT, MEMORY_TEXT_V1 } from './text-index.js';

export const MEMORIES_MIGRATION: Migration = {
  version: 1,
  description: 'meta table, memories, their vectors and full-text index',
  statements: (dialect) => [
    `CREATE TABLE IF NOT EXISTS engram_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
    // Short columns first: a column stored after a long text costs reads of its overflow pages.
    `CREATE TABLE IF NOT EXISTS memories (
         id INTEGER PRIMARY KEY,
         uid TEXT NOT NULL UNIQUE,
         kind TEXT NOT NULL,
         importance REAL NOT NULL DEFAULT 0.5,
         source TEXT,
         created_at INTEGER NOT NULL,
         updated_at INTEGER NOT NULL,
         valid_from INTEGER NOT NULL,
         valid_to INTEGER,
         expires_at INTEGER,
         supersedes TEXT,
         superseded_by TEXT,
         text_len INTEGER NOT NULL DEFAULT 0,
         tags TEXT NOT NULL DEFAULT '[]',
         metadata TEXT NOT NULL DEFAULT '{}',
         text TEXT NOT NULL,
         context TEXT,
         -- what full-text search and the embedding see: context, then text
         search_text TEXT NOT NULL
       )`,
    `CREATE INDEX IF NOT EXISTS memories_current ON memories (valid_to, valid_from)`,
    `CREATE INDEX IF NOT EXISTS memories_kind ON memories (kind, valid_to)`,
    `CREATE INDEX IF NOT EXISTS memories_expires ON memories (expires_at)`,
    `CREATE INDEX IF NOT EXISTS memories_supersedes ON memories (supersedes)`,
    // float32 little-endian vectors, one per memory, kept apart so scans of memories stay narrow.
    `CREATE TABLE IF NOT EXISTS memory_vectors (memory_id INTEGER PRIMARY KEY, embedding BLOB NOT NULL)`,
    // (migration 7 rebuilds it over the weighted fields)
    ...textIndex(dialect, MEMORY_TEXT_V1).ddl(),
  ],
};

export const MEMORY_TEXT_FIELDS_MIGRATION: Migration = {
  version: 7,
  description: "memories' full-text index weighs context below the text itself",
  statements: () => [],
  // Only context terms change weight: an index of terms alone has nothing to redo without context.
  run: (tx, dialect) => textIndex(dialect, MEMORY_TEXT).rebuild(tx, ['context']),
};

/**
 * Tables of agent.files (migration 2). `files` holds one row per file or directory, keyed by
 * its canonical path (the root '/' is implicit); contents live apart in `file_contents` so
 * listings stay narrow. Text files are split into `file_chunks` (passages with line ranges and
 * a hash each), with one vector per chunk in `file_chunk_vectors` and a full-text index: FTS5
 * on SQLite, Engram's own term index on Turso (see search/text-indexes.ts).
 */
import type { Migration } from '../schema/migration.js';
import type { TextIndexSpec } from '../search/text-index.js';
import { textIndex } from '../search/text-indexes.js';

/** The file chunks' text index: their text, weight 1. */
export const FILE_TEXT: TextIndexSpec = { table: 'file_chunks', fields: { text: 1 } };

export const FILES_MIGRATION: Migration = {
  version: 2,
  description: 'files',
  store: { name: 'files', marker: 'files' },
  statements: (dialect) => [
    `CREATE TABLE IF NOT EXISTS files (
         id INTEGER PRIMARY KEY,
         path TEXT NOT NULL UNIQUE,
         parent TEXT NOT NULL,
         kind TEXT NOT NULL,
         size INTEGER NOT NULL DEFAULT 0,
         mime TEXT,
         is_text INTEGER NOT NULL DEFAULT 0,
         sha256 TEXT,
         created_at INTEGER NOT NULL,
         modified_at INTEGER NOT NULL
       )`,
    `CREATE INDEX IF NOT EXISTS files_parent ON files (parent, path)`,
    `CREATE TABLE IF NOT EXISTS file_contents (file_id INTEGER PRIMARY KEY, data BLOB NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS file_chunks (
         id INTEGER PRIMARY KEY,
         file_id INTEGER NOT NULL,
         seq INTEGER NOT NULL,
         start_line INTEGER NOT NULL,
         end_line INTEGER NOT NULL,
         text_len INTEGER NOT NULL,
         hash TEXT NOT NULL,
         -- last, so reading the other columns never walks a long text's overflow pages
         text TEXT NOT NULL
       )`,
    `CREATE INDEX IF NOT EXISTS file_chunks_file ON file_chunks (file_id, seq)`,
    `CREATE INDEX IF NOT EXISTS file_chunks_hash ON file_chunks (hash)`,
    `CREATE TABLE IF NOT EXISTS file_chunk_vectors (chunk_id INTEGER PRIMARY KEY, embedding BLOB NOT NULL)`,
    ...textIndex(dialect, FILE_TEXT).ddl(),
  ],
};

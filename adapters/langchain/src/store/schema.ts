/**
 * Tables of the LangGraph store: items by (namespace, key) with their JSON value, and one
 * vector per indexed field of an item. `dims` lets vectors from an earlier embedding model sit
 * beside the current ones without ever being compared with them.
 */
import { defineTables } from '@engram/core';

export const STORE_SCHEMA = defineTables({
  name: 'langchain.store',
  statements: [
    `CREATE TABLE IF NOT EXISTS lc_store_items (
      id INTEGER PRIMARY KEY,
      namespace TEXT NOT NULL,
      key TEXT NOT NULL,
      value TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    )`,
    'CREATE UNIQUE INDEX IF NOT EXISTS lc_store_items_key ON lc_store_items (namespace, key)',
    'CREATE INDEX IF NOT EXISTS lc_store_items_updated ON lc_store_items (updated_at)',
    `CREATE TABLE IF NOT EXISTS lc_store_vectors (
      item_id INTEGER NOT NULL,
      field TEXT NOT NULL,
      dims INTEGER NOT NULL,
      embedding BLOB NOT NULL,
      PRIMARY KEY (item_id, field)
    )`,
  ],
  units: [
    {
      table: 'lc_store_items',
      key: ['namespace', 'key'],
      rowid: 'id',
      children: [{ table: 'lc_store_vectors', fk: 'item_id', ref: 'id' }],
      volatile: ['created_at', 'updated_at'],
    },
  ],
});

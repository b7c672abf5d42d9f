/**
 * The agent database schema: the meta table and versioned migrations. A migration runs once,
 * in its own transaction, and bumps `schema_version`; sub-stores add their tables here as
 * further migrations, never by editing an old one.
 *
 * A sub-store's migration (files, actions, tasks, kv: `store` set) creates its tables lazily:
 * migrate() only moves the version past it, and the tables appear on the store's first use
 * (store-tables.ts). Most agents use few stores, and every table or index costs a page of
 * disk from the start: an agent with memories only takes about a quarter of the space. A later
 * migration that changes such a store's tables must skip agents that do not have them yet.
 */
import type { Dialect, Queryable } from './drivers/types.js';
import { ACTIONS_MIGRATION } from './actions/schema.js';
import { BRANCHES_MIGRATION } from './branches/schema.js';
import { FILES_MIGRATION } from './files/schema.js';
import { KV_MIGRATION } from './kv/schema.js';
import { MEMORY_TEXT_INDEX } from './memories/text-index.js';
import { TASKS_MIGRATION } from './tasks/schema.js';

export interface Migration {
  version: number;
  description: string;
  statements(dialect: Dialect): string[];
  /** Work that needs more than SQL, run after the statements in the same transaction. */
  run?(tx: Queryable, dialect: Dialect): Promise<void>;
  /**
   * Set for a sub-store's tables: they are created on the store's first use, not here.
   * `marker` is a table that exists exactly when they do.
   */
  store?: { name: string; marker: string };
}

const MEMORIES_MIGRATION: Migration = {
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
    ...(dialect.fullText ? dialect.fullText.ddl('memories', { search_text: 1 }) : MEMORY_TEXT_INDEX.ddl()),
  ],
};

const MEMORY_TEXT_FIELDS_MIGRATION: Migration = {
  version: 7,
  description: "memories' full-text index weighs context below the text itself",
  statements: (dialect) => (dialect.fullText ? dialect.fullText.rebuild('memories', MEMORY_TEXT_INDEX.fields) : []),
  async run(tx, dialect) {
    // Engram's own index: only context terms change weight, so only agents with context rebuild.
    if (!dialect.fullText && (await tx.get('SELECT 1 AS yes FROM memories WHERE context IS NOT NULL LIMIT 1')))
      await MEMORY_TEXT_INDEX.rebuild(tx);
  },
};

/** Every migration, in version order; each sub-store owns the one that creates its tables. */
export const MIGRATIONS: readonly Migration[] = [
  MEMORIES_MIGRATION,
  FILES_MIGRATION,
  ACTIONS_MIGRATION,
  TASKS_MIGRATION,
  KV_MIGRATION,
  BRANCHES_MIGRATION,
  MEMORY_TEXT_FIELDS_MIGRATION,
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** Meta keys every agent database carries. */
export interface AgentMeta {
  schema_version: string;
  engine: string;
  agent_id: string;
  created_at: string;
  embedder_id?: string;
  embedder_dims?: string;
  /** Bumped in every transaction that adds, changes or removes a vector (cache validation). */
  vectors_version: string;
  /** JSON of agent.actions' retention policy, when one is set. */
  actions_retention?: string;
}

/** The meta table as an object, or undefined for a database Engram has not initialised yet. */
export async function readMeta(db: Queryable): Promise<Partial<AgentMeta> | undefined> {
  let rows: { key: string; value: string }[];
  try {
    rows = await db.all<{ key: string; value: string }>('SELECT key, value FROM engram_meta');
  } catch (err) {
    // One query on the hot open path; the schema is consulted only when it fails.
    if (!/no such table/i.test((err as Error).message)) throw err;
    return undefined;
  }
  return Object.fromEntries(rows.map((r) => [r.key, r.value])) as Partial<AgentMeta>;
}

export async function setMeta(db: Queryable, key: keyof AgentMeta, value: string): Promise<void> {
  await db.run('INSERT INTO engram_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]);
}

/** Applies every migration newer than `fromVersion`, each in one transaction. */
export async function migrate(
  transaction: <T>(fn: (tx: Queryable) => Promise<T>) => Promise<T>,
  dialect: Dialect,
  fromVersion: number,
): Promise<number> {
  let version = fromVersion;
  let lazy = version;
  for (const migration of MIGRATIONS) {
    if (migration.version <= version) continue;
    // A sub-store's tables come with its first use: nothing to do but move the version, which
    // the next migration's transaction (or one at the end) does, sparing a commit per store.
    if (migration.store) {
      lazy = migration.version;
      continue;
    }
    await transaction(async (tx) => {
      // Re-check inside the write lock: another process may have migrated meanwhile.
      const current = await readMeta(tx);
      if (current && Number(current.schema_version ?? 0) >= migration.version) return;
      for (const sql of migration.statements(dialect)) await tx.exec(sql);
      await migration.run?.(tx, dialect);
      await setMeta(tx, 'schema_version', String(migration.version));
    });
    version = migration.version;
  }
  if (lazy > version) {
    await transaction(async (tx) => {
      const current = await readMeta(tx);
      if (!current || Number(current.schema_version ?? 0) < lazy) await setMeta(tx, 'schema_version', String(lazy));
    });
    version = lazy;
  }
  return version;
}

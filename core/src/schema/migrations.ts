/**
 * The agent database schema: every store's versioned migrations, in order. A migration runs
 * once, in its own transaction, and bumps `schema_version`; stores add their tables as further
 * migrations (in their own schema.ts), never by editing an old one.
 *
 * A sub-store's migration (files, actions, tasks, kv: `store` set) creates its tables lazily:
 * migrate() only moves the version past it, and the tables appear on the store's first use
 * (store-tables.ts). Most agents use few stores, and every table or index costs a page of
 * disk from the start: an agent with memories only takes about a quarter of the space. A later
 * migration that changes such a store's tables must skip agents that do not have them yet.
 */
import type { Dialect, Queryable } from '../drivers/types.js';
import { ACTIONS_MIGRATION } from '../actions/schema.js';
import { MEMORIES_MIGRATION, MEMORY_TEXT_FIELDS_MIGRATION } from '../memories/schema.js';
import { BRANCHES_MIGRATION } from '../branches/schema.js';
import { FILES_MIGRATION } from '../files/schema.js';
import { KV_MIGRATION } from '../kv/schema.js';
import { TASKS_MIGRATION } from '../tasks/schema.js';
import type { Migration } from './migration.js';
import { readMeta, setMeta } from './meta.js';

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

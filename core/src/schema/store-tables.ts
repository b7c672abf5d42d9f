/**
 * Sub-store tables created on first use (see schema.ts): a store's runtime makes sure its
 * tables exist before lending the database, once per open handle. Created while a branch
 * exists, they get their change-log triggers in the same transaction, so nothing written to
 * them goes unlogged.
 */
import type { AgentRuntime, AgentState } from '../runtime/agent-state.js';
import { ensureTriggers, readLogState } from '../branches/change-log.js';
import type { Dialect, Queryable } from '../drivers/types.js';
import type { Migration } from './migration.js';
import { MIGRATIONS } from './migrations.js';
import { tableExists } from './meta.js';

export type StoreName = 'files' | 'actions' | 'tasks' | 'kv';

const STORES = new Map(MIGRATIONS.filter((m) => m.store).map((m) => [m.store!.name, m]));

function migrationOf(name: string): Migration {
  const migration = STORES.get(name);
  if (!migration) throw new Error(`no sub-store named ${name}`);
  return migration;
}

/** Creates the store's tables in `tx` (inside its transaction) unless they exist. Returns whether it did. */
export async function createStoreTables(tx: Queryable, dialect: Dialect, name: string): Promise<boolean> {
  const migration = migrationOf(name);
  if (await tableExists(tx, migration.store!.marker)) return false;
  for (const sql of migration.statements(dialect)) await tx.exec(sql);
  await migration.run?.(tx, dialect);
  if (await readLogState(tx)) await ensureTriggers(tx);
  return true;
}

/** The sub-store whose tables a tracked unit (by its root table) lives in, if it is created lazily. */
export function storeOfUnit(rootTable: string): string | undefined {
  for (const [name, m] of STORES) if (m.store!.marker === rootTable) return name;
  return undefined;
}

/** Whether a store's tables exist (without creating them). */
export function hasStoreTables(q: Queryable, name: StoreName): Promise<boolean> {
  return tableExists(q, migrationOf(name).store!.marker);
}

/** `rt` for one sub-store: every operation first makes sure the store's tables exist. */
export function storeRuntime(rt: AgentRuntime, name: StoreName): AgentRuntime {
  const key = `tables:${name}`;
  const ensure = async (state: AgentState) => {
    if (state.caches.has(key)) return;
    if (!(await hasStoreTables(state.conn, name))) {
      await state.conn.transaction((tx) => createStoreTables(tx, state.conn.dialect, name));
    }
    state.caches.set(key, true);
  };
  return {
    agentId: rt.agentId,
    embedder: rt.embedder,
    limits: rt.limits,
    use: (fn) =>
      rt.use(async (state) => {
        await ensure(state);
        return fn(state);
      }),
  };
}

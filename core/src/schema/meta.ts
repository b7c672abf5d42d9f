/** The `engram_meta` table: what an agent database records about itself, as keys and values. */
import type { Queryable } from '../drivers/types.js';

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

/** Whether the database has a table of that name. */
export async function tableExists(q: Queryable, name: string): Promise<boolean> {
  return (await q.get(`SELECT 1 AS x FROM sqlite_master WHERE type = 'table' AND name = ?`, [name])) !== undefined;
}

/** The names of every table in the database, read once (for code that asks about several). */
export async function tableNames(q: Queryable): Promise<Set<string>> {
  return new Set((await q.all<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table'`)).map((r) => r.name));
}

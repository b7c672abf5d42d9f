/**
 * What an agent holds, counted without side effects: a store whose tables were never created
 * counts as empty and stays uncreated, so looking at an agent never writes to it.
 */
import type { Agent } from '../agent.js';
import type { Queryable } from '../drivers/types.js';
import { hasStoreTables, type StoreName } from '../schema/store-tables.js';

export interface AgentStats {
  /** Current (not superseded, not expired) memories. */
  memories: number;
  /** Every stored memory version, superseded ones included (expired ones excluded). */
  memoryVersions: number;
  files: number;
  directories: number;
  /** Bytes of file content. */
  fileBytes: number;
  /** Live (unexpired) keys. */
  kv: number;
  tasks: number;
  actions: number;
}

async function count(q: Queryable, sql: string, params: number[] = []): Promise<number> {
  const row = await q.get<{ n: number | null }>(sql, params);
  return Number(row?.n ?? 0);
}

/**
 * Counts an agent's memories, files, keys, tasks and actions.
 * @example
 * const { memories, files } = await agentStats(await engram.agent('a', { create: false }));
 */
export function agentStats(agent: Agent): Promise<AgentStats> {
  return agent.use(async ({ conn }) => {
    const now = Date.now();
    const has = (store: StoreName) => hasStoreTables(conn, store);
    const live = '(expires_at IS NULL OR expires_at > ?)';
    const files = (await has('files'))
      ? await conn.get<{ f: number | null; d: number | null; b: number | null }>(
          `SELECT sum(kind = 'file') AS f, sum(kind = 'dir') AS d, sum(size) AS b FROM files`,
        )
      : undefined;
    return {
      memories: await count(conn, `SELECT count(*) AS n FROM memories WHERE valid_to IS NULL AND ${live}`, [now]),
      memoryVersions: await count(conn, `SELECT count(*) AS n FROM memories WHERE ${live}`, [now]),
      files: Number(files?.f ?? 0),
      directories: Number(files?.d ?? 0),
      fileBytes: Number(files?.b ?? 0),
      kv: (await has('kv')) ? await count(conn, `SELECT count(*) AS n FROM kv WHERE ${live}`, [now]) : 0,
      tasks: (await has('tasks')) ? await count(conn, 'SELECT count(*) AS n FROM tasks') : 0,
      actions: (await has('actions')) ? await count(conn, 'SELECT count(*) AS n FROM actions') : 0,
    };
  });
}

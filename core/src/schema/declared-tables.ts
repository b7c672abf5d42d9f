/**
 * Creating a package's declared tables (schema/table-set.ts) on first use, the way core's
 * sub-store tables are made: once per open handle, in one transaction, recorded in the meta
 * table, with change-log triggers when a branch exists so nothing written to them goes unlogged.
 */
import { ensureTriggers, readLogState } from '../branches/change-log.js';
import type { AgentState } from '../runtime/agent-state.js';
import { TABLE_SET_META_PREFIX, type TableSet } from './table-set.js';

/** Makes sure `set`'s tables exist in the agent's database (a no-op after the first call per handle). */
export async function ensureTableSet(state: AgentState, set: TableSet): Promise<void> {
  const cacheKey = `${TABLE_SET_META_PREFIX}${set.name}`;
  if (state.caches.has(cacheKey)) return;
  const recorded = JSON.stringify(set);
  const current = await state.conn.get<{ value: string }>('SELECT value FROM engram_meta WHERE key = ?', [cacheKey]);
  if (current?.value !== recorded) {
    await state.conn.transaction(async (tx) => {
      for (const sql of set.statements) await tx.exec(sql);
      await set.upgrade?.(tx);
      await tx.run('INSERT INTO engram_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [
        cacheKey,
        recorded,
      ]);
      if (await readLogState(tx)) await ensureTriggers(tx);
    });
  }
  state.caches.set(cacheKey, true);
}

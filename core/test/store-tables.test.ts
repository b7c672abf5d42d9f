import { statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Agent } from '../src/agent.js';
import { DRIVER_NAMES, openEngram } from './helpers.js';

const STORE_TABLES = ['actions', 'file_chunks', 'files', 'kv', 'task_deps', 'tasks'];

async function tables(agent: Agent): Promise<string[]> {
  const rows = await agent.use((s) => s.conn.all<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`));
  return rows.map((r) => r.name).filter((n) => STORE_TABLES.includes(n));
}

describe.each(DRIVER_NAMES)('sub-store tables on first use (%s)', (driver) => {
  it('creates a store’s tables when it is first used, so an agent with memories only stays small', async () => {
    const engram = await openEngram(driver);
    const agent = await engram.agent('lean');
    await agent.memories.remember({ text: 'only memories here' });
    expect(await tables(agent)).toEqual([]);
    await agent.checkpoint();
    const lean = statSync(engram.pathOf('lean')).size;

    // Reads work on a store never written to, and leave its tables behind.
    expect(await agent.kv.get('missing')).toBeUndefined();
    expect(await tables(agent)).toEqual(['kv']);
    expect((await agent.files.readdir('/')).length).toBe(0);
    await agent.tasks.create({ title: 'write the report' });
    await agent.actions.record({ name: 'search', input: { q: 'x' } });
    expect(await tables(agent)).toEqual(STORE_TABLES);
    await agent.files.writeFile('/notes/otters.md', 'Otters hold hands while they sleep.', { parents: true });
    expect((await agent.files.search('otters sleep'))[0]!.path).toBe('/notes/otters.md');
    await agent.checkpoint();
    // Each table and index takes a page from the start: most of an idle agent's file.
    expect(statSync(engram.pathOf('lean')).size).toBeGreaterThan(2 * lean);
  });

  it('storesInUse() tells which stores have tables, and creates none', async () => {
    const engram = await openEngram(driver);
    const agent = await engram.agent('probe');
    await agent.memories.remember({ text: 'only memories here' });
    expect(await agent.storesInUse()).toEqual({ files: false, actions: false, tasks: false, kv: false });
    expect(await tables(agent)).toEqual([]);
    await agent.kv.set('k', 1);
    await agent.tasks.create({ title: 't' });
    expect(await agent.storesInUse()).toEqual({ files: false, actions: false, tasks: true, kv: true });
    expect(await tables(agent)).toEqual(['kv', 'task_deps', 'tasks']);
  });

  it('merges a branch that created a store’s tables after the fork, full-text index included', async () => {
    const engram = await openEngram(driver);
    const agent = await engram.agent('fork');
    await agent.memories.remember({ text: 'before the fork' });
    await agent.branches.create('notes');
    const branch = await agent.branches.open('notes');
    await branch.files.writeFile('/plan.md', 'Migrate the billing service to the new queue.');
    await branch.kv.set('step', 3);
    expect(await tables(agent)).toEqual([]);
    const diff = await agent.branches.diff('notes');
    expect(diff.tables.map((t) => [t.table, t.added])).toEqual([
      ['files', 1],
      ['kv', 1],
    ]);
    const merged = await agent.branches.merge('notes');
    expect(merged.method).toBe('fast-forward'); // the agent did not move: the branch becomes it
    expect(await agent.kv.get('step')).toBe(3);
    expect(await agent.files.readFile('/plan.md', { encoding: 'utf8' })).toBe('Migrate the billing service to the new queue.');
    expect((await agent.files.search('billing queue'))[0]!.path).toBe('/plan.md');
  });

  it('replays onto an agent that moved on: the store’s tables are created there from its own schema', async () => {
    const engram = await openEngram(driver);
    const agent = await engram.agent('moved');
    await agent.branches.create('work');
    const branch = await agent.branches.open('work');
    await branch.files.writeFile('/todo.md', 'Renew the TLS certificates before Friday.');
    await agent.memories.remember({ text: 'the agent moved on meanwhile' });
    const merged = await agent.branches.merge('work');
    expect(merged.method).toBe('replay');
    expect((await agent.files.search('TLS certificates'))[0]!.path).toBe('/todo.md');
    // Written after the merge, still indexed and tracked.
    await agent.files.writeFile('/later.md', 'Rotate the signing keys.');
    expect((await agent.files.search('signing keys'))[0]!.path).toBe('/later.md');
  });

  it('rolls a store’s tables back with the experiment that created them', async () => {
    const engram = await openEngram(driver);
    const agent = await engram.agent('rollback');
    await expect(
      agent.tryInTransaction(async (tx) => {
        await tx.kv.set('k', 1);
        throw new Error('undo');
      }),
    ).rejects.toThrow('undo');
    expect(await tables(agent)).toEqual([]);
    await agent.kv.set('k', 2);
    expect(await agent.kv.get('k')).toBe(2);
  });
});

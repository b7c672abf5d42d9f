/**
 * The same change made on both sides of a fork is not a conflict: units are compared by what
 * they hold, not by when they were written. Every unit kind: memories, files, kv, tasks,
 * actions and a declared table set's rows (lc_store_items, as the LangChain adapter declares it).
 */
import { describe, expect, it } from 'vitest';
import type { Agent } from '../src/agent.js';
import { defineTables } from '../src/schema/table-set.js';
import { DRIVER_NAMES, openEngram } from './helpers.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const LC_ITEMS = defineTables({
  name: 'test.store-items',
  statements: [
    `CREATE TABLE IF NOT EXISTS lc_store_items (id INTEGER PRIMARY KEY, namespace TEXT NOT NULL, key TEXT NOT NULL,
       value TEXT NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL)`,
    'CREATE UNIQUE INDEX IF NOT EXISTS lc_store_items_key ON lc_store_items (namespace, key)',
  ],
  units: [{ table: 'lc_store_items', key: ['namespace', 'key'], rowid: 'id', volatile: ['created_at', 'updated_at'] }],
});

async function sameChanges(side: Agent, ids: { memory: string; task: string; action: string }): Promise<void> {
  await side.kv.set('existing', { v: 2 });
  await side.kv.set('fresh', 'same on both sides');
  await side.memories.update(ids.memory, { text: 'the office moved to Grenoble' });
  await side.files.writeFile('/docs/a.md', '# A\nrewritten the same way\n');
  await side.files.writeFile('/docs/new.md', '# New\nadded on both sides\n');
  await side.tasks.complete(ids.task, { result: { shipped: true } });
  await side.actions.finish(ids.action, { output: 'done' });
  const now = Date.now();
  await side.withTables(LC_ITEMS, (s) =>
    s.conn.run(
      `INSERT INTO lc_store_items (namespace, key, value, created_at, updated_at) VALUES ('ns', 'k', '{"a":1}', ?, ?)
       ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      [now, now],
    ),
  );
}

describe.each(DRIVER_NAMES)('the same change on both sides (%s)', (driver) => {
  it('is no conflict for any unit kind, and merges cleanly', async () => {
    const engram = await openEngram(driver);
    const agent = await engram.agent('same-change');
    const memory = await agent.memories.remember({ text: 'the office is in Lyon' });
    await agent.files.writeFile('/docs/a.md', '# A\nfirst\n', { parents: true });
    const task = await agent.tasks.create({ title: 'ship it' });
    const action = await agent.actions.start({ name: 'deploy' });
    await agent.kv.set('existing', { v: 1 });
    await agent.withTables(LC_ITEMS, async () => undefined);
    await agent.branches.create('b');
    const branch = await agent.branches.open('b');
    const ids = { memory: memory.id, task: task.id, action: action.id };

    await sameChanges(branch, ids);
    await sleep(20); // every write time differs between the sides
    await sameChanges(agent, ids);

    const diff = await agent.branches.diff('b');
    expect(diff.parentMoved).toBe(true);
    expect(diff.changes.map((c) => c.table).sort()).toEqual(
      ['actions', 'files', 'files', 'files', 'kv', 'kv', 'lc_store_items', 'memories', 'tasks'].sort(),
    );
    expect(diff.conflicts).toEqual([]);
    await agent.branches.merge('b'); // policy 'fail': would throw on any conflict
    expect(await agent.kv.get('fresh')).toBe('same on both sides');
    expect((await agent.memories.get(memory.id))!.text).toBe('the office moved to Grenoble');
    expect(await agent.files.readFile('/docs/new.md', 'utf8')).toBe('# New\nadded on both sides\n');
    expect((await agent.tasks.get(task.id))!.result).toEqual({ shipped: true });
    expect((await agent.actions.get(action.id))!.output).toBe('done');
  });

  it('still reports different content as a conflict', async () => {
    const engram = await openEngram(driver);
    const agent = await engram.agent('different-change');
    const memory = await agent.memories.remember({ text: 'the office is in Lyon' });
    await agent.branches.create('b');
    const branch = await agent.branches.open('b');
    await branch.kv.set('k', 1);
    await branch.memories.update(memory.id, { text: 'Grenoble' });
    await branch.files.writeFile('/x.md', 'branch');
    await sleep(5);
    await agent.kv.set('k', 2);
    await agent.memories.update(memory.id, { text: 'Paris' });
    await agent.files.writeFile('/x.md', 'agent');
    const diff = await agent.branches.diff('b');
    expect(diff.conflicts.map((c) => c.table).sort()).toEqual(['files', 'kv', 'memories']);
  });
});

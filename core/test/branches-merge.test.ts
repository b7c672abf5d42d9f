/**
 * Diff and merge on a scripted scenario: memories, files and tasks changed on both sides of a
 * fork, with every conflict policy, plus fast-forward and the change log's life cycle.
 */
import { describe, expect, it } from 'vitest';
import type { Agent } from '../src/agent.js';
import type { Engram } from '../src/engram.js';
import type { RowChange } from '../src/branches/types.js';
import { DRIVER_NAMES, expectCode, openEngram } from './helpers.js';

const sortChanges = (changes: RowChange[]) => changes.map((c) => `${c.table} ${JSON.stringify(c.key)} ${c.change}`).sort();

async function count(agent: Agent, sql: string): Promise<number> {
  const row = await agent.use((s) => s.conn.get<{ n: number }>(sql));
  return Number(row!.n);
}

/** Both sides of a fork, changed as in the scenario. */
async function scenario(engram: Engram, id: string) {
  const agent = await engram.agent(id);
  const [m1, m2] = await agent.memories.remember([{ text: 'the office is in Lyon' }, { text: 'the cat is called Pixel' }]);
  await agent.files.writeFile('/docs/a.md', '# A\nfirst version of a\n', { parents: true });
  await agent.files.writeFile('/docs/b.md', '# B\nfirst version of b\n');
  const t1 = await agent.tasks.create({ title: 'ship the release' });
  const t2 = await agent.tasks.create({ title: 'write the changelog' });
  await agent.kv.set('k1', 'base');

  await agent.branches.create('feature');
  const branch = await agent.branches.open('feature');
  // The branch: update, forget, add memories; add and change files; finish and add tasks; set kv.
  await branch.memories.update(m1!.id, { text: 'the office moved to Grenoble' });
  await branch.memories.forget(m2!.id);
  const m3 = await branch.memories.remember({ text: 'the branch learned about quokkas' });
  await branch.files.writeFile('/docs/c.md', '# C\nnew file about quokkas\n');
  await branch.files.writeFile('/docs/a.md', '# A\nthe branch rewrote a\n');
  await branch.tasks.complete(t1.id, { result: 'shipped from the branch' });
  const t3 = await branch.tasks.create({ title: 'announce it' });
  await branch.kv.set('k1', 'branch');

  // The agent meanwhile: conflicting edits of m1, a.md and t1; independent ones elsewhere.
  await agent.memories.update(m1!.id, { text: 'the office is in Paris' });
  const m4 = await agent.memories.remember({ text: 'the agent learned about narwhals' });
  await agent.files.writeFile('/docs/a.md', '# A\nthe agent rewrote a\n');
  await agent.files.writeFile('/docs/b.md', '# B\nthe agent changed b\n');
  await agent.files.writeFile('/docs/d.md', '# D\nthe agent added d\n');
  await agent.tasks.cancel(t1.id);
  await agent.tasks.cancel(t2.id);
  await agent.kv.set('k2', 'agent');
  return { agent, branch, m1: m1!, m2: m2!, m3, m4, t1, t2, t3 };
}

describe.each(DRIVER_NAMES)('diff and merge (%s)', (driver) => {
  it('diff lists both sides and the conflicts; policy fail changes nothing', async () => {
    const engram = await openEngram(driver);
    const s = await scenario(engram, 'diff');
    const diff = await s.agent.branches.diff('feature');
    expect(diff.parentMoved).toBe(true);
    expect(sortChanges(diff.changes)).toEqual(
      sortChanges([
        { table: 'memories', key: [s.m1.id], change: 'changed' },
        { table: 'memories', key: [s.m2.id], change: 'removed' },
        { table: 'memories', key: [s.m3.id], change: 'added' },
        { table: 'files', key: ['/docs/a.md'], change: 'changed' },
        { table: 'files', key: ['/docs/c.md'], change: 'added' },
        { table: 'files', key: ['/docs'], change: 'changed' },
        { table: 'tasks', key: [s.t1.id], change: 'changed' },
        { table: 'tasks', key: [s.t3.id], change: 'added' },
        { table: 'kv', key: ['k1'], change: 'changed' },
      ]),
    );
    expect(diff.tables).toEqual([
      { table: 'files', added: 1, changed: 2, removed: 0 },
      { table: 'kv', added: 0, changed: 1, removed: 0 },
      { table: 'memories', added: 1, changed: 1, removed: 1 },
      { table: 'tasks', added: 1, changed: 1, removed: 0 },
    ]);
    expect(sortChanges(diff.parentChanges!)).toEqual(
      sortChanges([
        { table: 'memories', key: [s.m1.id], change: 'changed' },
        { table: 'memories', key: [s.m4.id], change: 'added' },
        { table: 'files', key: ['/docs/a.md'], change: 'changed' },
        { table: 'files', key: ['/docs/b.md'], change: 'changed' },
        { table: 'files', key: ['/docs/d.md'], change: 'added' },
        { table: 'files', key: ['/docs'], change: 'changed' },
        { table: 'tasks', key: [s.t1.id], change: 'changed' },
        { table: 'tasks', key: [s.t2.id], change: 'changed' },
        { table: 'kv', key: ['k2'], change: 'added' },
      ]),
    );
    // Both sides added a file to /docs, so its mtime changed on both: not a conflict.
    expect(sortChanges(diff.conflicts)).toEqual(
      sortChanges([
        { table: 'memories', key: [s.m1.id], change: 'changed' },
        { table: 'files', key: ['/docs/a.md'], change: 'changed' },
        { table: 'tasks', key: [s.t1.id], change: 'changed' },
      ]),
    );
    const withValues = await s.agent.branches.diff('feature', { values: true });
    expect(withValues.changes.find((c) => c.key[0] === s.m3.id)?.row).toMatchObject({ text: 'the branch learned about quokkas' });
    expect(withValues.changes.find((c) => c.key[0] === s.m2.id)?.row).toBeNull();

    const err = await expectCode(s.agent.branches.merge('feature'), 'CONFLICT');
    expect((err as { details?: { count?: number } }).details?.count).toBe(3);
    expect((await s.agent.memories.get(s.m2.id))?.text).toBe('the cat is called Pixel');
    expect(await s.agent.memories.get(s.m3.id)).toBeNull();
    expect(await s.agent.kv.get('k1')).toBe('base');
    expect((await s.agent.branches.list()).map((b) => b.name)).toEqual(['feature']);
  });

  it('merge with policy ours keeps the agent on conflicts and replays the rest', async () => {
    const engram = await openEngram(driver);
    const s = await scenario(engram, 'ours');
    const r = await s.agent.branches.merge('feature', { policy: 'ours' });
    expect(r.method).toBe('replay');
    expect(r.conflicts).toHaveLength(3);
    expect(r.applied).toHaveLength(9 - 3 - 1); // conflicts kept as ours; /docs is on both sides already
    const a = s.agent;
    expect((await a.memories.get(s.m1.id))?.text).toBe('the office is in Paris');
    expect(await a.memories.get(s.m2.id)).toBeNull();
    expect((await a.memories.get(s.m3.id))?.text).toBe('the branch learned about quokkas');
    expect((await a.memories.get(s.m4.id))?.text).toBe('the agent learned about narwhals');
    expect(await a.files.readFile('/docs/a.md', 'utf8')).toContain('the agent rewrote a');
    expect(await a.files.readFile('/docs/b.md', 'utf8')).toContain('the agent changed b');
    expect(await a.files.readFile('/docs/c.md', 'utf8')).toContain('quokkas');
    expect(await a.files.readFile('/docs/d.md', 'utf8')).toContain('the agent added d');
    expect((await a.files.readdir('/docs')).map((f) => f.name)).toEqual(['a.md', 'b.md', 'c.md', 'd.md']);
    expect((await a.tasks.get(s.t1.id))?.status).toBe('cancelled');
    expect((await a.tasks.get(s.t2.id))?.status).toBe('cancelled');
    expect((await a.tasks.get(s.t3.id))?.title).toBe('announce it');
    expect(await a.kv.get('k1')).toBe('branch');
    expect(await a.kv.get('k2')).toBe('agent');
    // Search indexes follow: replayed rows are found by words and by vector, removed ones are not.
    expect((await a.memories.recall('quokkas', { mode: 'text', limit: 1 }))[0]?.memory.id).toBe(s.m3.id);
    expect((await a.memories.recall('quokkas', { mode: 'vector', limit: 1 }))[0]?.memory.id).toBe(s.m3.id);
    expect(await a.memories.recall('Pixel', { mode: 'text', limit: 1 })).toEqual([]);
    expect((await a.files.search('quokkas', { mode: 'text', limit: 1 }))[0]?.path).toBe('/docs/c.md');
    expect(await count(a, 'SELECT count(*) AS n FROM memories')).toBe(await count(a, 'SELECT count(*) AS n FROM memory_vectors'));
    expect(await a.branches.list()).toEqual([]);
    expect(await count(a, `SELECT count(*) AS n FROM engram_meta WHERE key = 'branch_log'`)).toBe(0);
    expect(await count(a, 'SELECT count(*) AS n FROM branch_changes')).toBe(0);
  });

  it('merge with policy theirs takes the branch on conflicts', async () => {
    const engram = await openEngram(driver);
    const s = await scenario(engram, 'theirs');
    const r = await s.agent.branches.merge(s.branch, { policy: 'theirs' });
    expect(r.applied).toHaveLength(9 - 1); // all but /docs, a directory on both sides
    const a = s.agent;
    expect((await a.memories.get(s.m1.id))?.text).toBe('the office moved to Grenoble');
    expect((await a.memories.recall('Grenoble', { mode: 'text', limit: 1 }))[0]?.memory.id).toBe(s.m1.id);
    expect(await a.memories.recall('Paris', { mode: 'text', limit: 1 })).toEqual([]);
    expect(await a.files.readFile('/docs/a.md', 'utf8')).toContain('the branch rewrote a');
    expect((await a.files.search('branch rewrote', { mode: 'text', limit: 1 }))[0]?.path).toBe('/docs/a.md');
    expect(await a.files.readFile('/docs/b.md', 'utf8')).toContain('the agent changed b');
    expect(await a.tasks.get(s.t1.id)).toMatchObject({ status: 'done', result: 'shipped from the branch' });
    expect((await a.tasks.get(s.t2.id))?.status).toBe('cancelled');
    expect((await a.memories.get(s.m4.id))?.text).toBe('the agent learned about narwhals');
    const check = (await a.use((st) => st.conn.all<Record<string, unknown>>('PRAGMA integrity_check')))
      .map((row) => String(Object.values(row)[0]))
      .filter((line) => !line.includes('__turso_internal_fts'));
    expect(check).toEqual(['ok']);
  });

  it('fast-forwards when the agent did not move, and keeps other branches mergeable', async () => {
    const engram = await openEngram(driver);
    const agent = await engram.agent('ff');
    await agent.kv.set('base', 1);
    await agent.branches.create('one');
    await agent.branches.create('two');
    await (await agent.branches.open('one')).kv.set('one', 1);
    await (await agent.branches.open('two')).kv.set('two', 2);
    const first = await agent.branches.merge('one');
    expect(first).toMatchObject({ method: 'fast-forward', applied: [{ table: 'kv', key: ['one'], change: 'added' }], conflicts: [] });
    // 'two' forked before 'one' was promoted: the agent moved, so it is replayed.
    expect((await agent.branches.diff('two')).parentChanges).toEqual([{ table: 'kv', key: ['one'], change: 'added' }]);
    const second = await agent.branches.merge('two');
    expect(second.method).toBe('replay');
    expect([await agent.kv.get('base'), await agent.kv.get('one'), await agent.kv.get('two')]).toEqual([1, 1, 2]);
    // A branch without changes is just discarded.
    await agent.branches.create('idle');
    expect(await agent.branches.merge('idle')).toMatchObject({ method: 'replay', applied: [] });
    expect(await agent.branches.list()).toEqual([]);
  });
});

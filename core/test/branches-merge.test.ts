/**
 * Diff and merge on a scripted scenario: memories, files and tasks changed on both sides of a
 * fork, with every conflict policy, plus fast-forward and the change log's life cycle.
 */
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Agent } from '../src/agent.js';
import type { Engram } from '../src/engram.js';
import type { BranchDiff, MergeResult, RowChange } from '../src/branches/types.js';
import { DRIVER_NAMES, expectCode, openEngram, suiteSetup } from './helpers.js';

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
type Scenario = Awaited<ReturnType<typeof scenario>>;

// The scenario is set up once per block (suiteSetup): the tests in a block only read it.
describe.each(DRIVER_NAMES)('diff and merge (%s)', (driver) => {
  describe('diff of the scenario', () => {
    let s: Scenario;
    let diff: BranchDiff;
    beforeAll(() =>
      suiteSetup(async () => {
        s = await scenario(await openEngram(driver), 'diff');
        diff = await s.agent.branches.diff('feature');
      }),
    );

    it('lists what the branch changed in every table', () => {
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
    });

    it('lists what the agent changed since the fork', () => {
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
    });

    it('lists as conflicts the rows changed on both sides, but not a directory both added to', () => {
      // Both sides added a file to /docs, so its mtime changed on both: not a conflict.
      expect(sortChanges(diff.conflicts)).toEqual(
        sortChanges([
          { table: 'memories', key: [s.m1.id], change: 'changed' },
          { table: 'files', key: ['/docs/a.md'], change: 'changed' },
          { table: 'tasks', key: [s.t1.id], change: 'changed' },
        ]),
      );
    });

    it('with values carries the branch row, and null for a removed one', async () => {
      const withValues = await s.agent.branches.diff('feature', { values: true });
      expect(withValues.changes.find((c) => c.key[0] === s.m3.id)?.row).toMatchObject({ text: 'the branch learned about quokkas' });
      expect(withValues.changes.find((c) => c.key[0] === s.m2.id)?.row).toBeNull();
    });
  });

  it('merge with the default policy (fail) is CONFLICT, counting the conflicts, and changes nothing', async () => {
    const s = await scenario(await openEngram(driver), 'fail');
    const err = await expectCode(s.agent.branches.merge('feature'), 'CONFLICT');
    expect((err as { details?: { count?: number } }).details?.count).toBe(3);
    expect((await s.agent.memories.get(s.m2.id))?.text).toBe('the cat is called Pixel');
    expect(await s.agent.memories.get(s.m3.id)).toBeNull();
    expect(await s.agent.kv.get('k1')).toBe('base');
    expect((await s.agent.branches.list()).map((b) => b.name)).toEqual(['feature']);
  });

  describe('merge with policy ours', () => {
    let s: Scenario;
    let a: Agent;
    let r: MergeResult;
    beforeAll(() =>
      suiteSetup(async () => {
        s = await scenario(await openEngram(driver), 'ours');
        a = s.agent;
        r = await a.branches.merge('feature', { policy: 'ours' });
      }),
    );

    it('replays the changes that do not conflict and reports the conflicts', () => {
      expect(r.method).toBe('replay');
      expect(r.conflicts).toHaveLength(3);
      expect(r.applied).toHaveLength(9 - 3 - 1); // conflicts kept as ours; /docs is on both sides already
    });

    it("keeps the agent's version of each conflicting memory, file and task", async () => {
      expect((await a.memories.get(s.m1.id))?.text).toBe('the office is in Paris');
      expect(await a.files.readFile('/docs/a.md', 'utf8')).toContain('the agent rewrote a');
      expect((await a.tasks.get(s.t1.id))?.status).toBe('cancelled');
    });

    it("applies the branch's other additions, removals and changes", async () => {
      expect(await a.memories.get(s.m2.id)).toBeNull();
      expect((await a.memories.get(s.m3.id))?.text).toBe('the branch learned about quokkas');
      expect(await a.files.readFile('/docs/c.md', 'utf8')).toContain('quokkas');
      expect((await a.tasks.get(s.t3.id))?.title).toBe('announce it');
      expect(await a.kv.get('k1')).toBe('branch');
    });

    it('keeps what the agent did meanwhile', async () => {
      expect((await a.memories.get(s.m4.id))?.text).toBe('the agent learned about narwhals');
      expect(await a.files.readFile('/docs/b.md', 'utf8')).toContain('the agent changed b');
      expect(await a.files.readFile('/docs/d.md', 'utf8')).toContain('the agent added d');
      expect((await a.files.readdir('/docs')).map((f) => f.name)).toEqual(['a.md', 'b.md', 'c.md', 'd.md']);
      expect((await a.tasks.get(s.t2.id))?.status).toBe('cancelled');
      expect(await a.kv.get('k2')).toBe('agent');
    });

    it('updates the search indexes: replayed rows are found by words and by vector, removed ones are not', async () => {
      expect((await a.memories.recall('quokkas', { mode: 'text', limit: 1 }))[0]?.memory.id).toBe(s.m3.id);
      expect((await a.memories.recall('quokkas', { mode: 'vector', limit: 1 }))[0]?.memory.id).toBe(s.m3.id);
      expect(await a.memories.recall('Pixel', { mode: 'text', limit: 1 })).toEqual([]);
      expect((await a.files.search('quokkas', { mode: 'text', limit: 1 }))[0]?.path).toBe('/docs/c.md');
      expect(await count(a, 'SELECT count(*) AS n FROM memories')).toBe(await count(a, 'SELECT count(*) AS n FROM memory_vectors'));
    });

    it('drops the branch and turns the change log off', async () => {
      expect(await a.branches.list()).toEqual([]);
      expect(await count(a, `SELECT count(*) AS n FROM engram_meta WHERE key = 'branch_log'`)).toBe(0);
      expect(await count(a, 'SELECT count(*) AS n FROM branch_changes')).toBe(0);
    });
  });

  describe('merge with policy theirs', () => {
    let s: Scenario;
    let a: Agent;
    let r: MergeResult;
    beforeAll(() =>
      suiteSetup(async () => {
        s = await scenario(await openEngram(driver), 'theirs');
        a = s.agent;
        r = await a.branches.merge(s.branch, { policy: 'theirs' });
      }),
    );

    it('applies every change but the directory both sides touched', () => {
      expect(r.applied).toHaveLength(9 - 1); // all but /docs, a directory on both sides
    });

    it("takes the branch's version of each conflict, in the search indexes too", async () => {
      expect((await a.memories.get(s.m1.id))?.text).toBe('the office moved to Grenoble');
      expect((await a.memories.recall('Grenoble', { mode: 'text', limit: 1 }))[0]?.memory.id).toBe(s.m1.id);
      expect(await a.memories.recall('Paris', { mode: 'text', limit: 1 })).toEqual([]);
      expect(await a.files.readFile('/docs/a.md', 'utf8')).toContain('the branch rewrote a');
      expect((await a.files.search('branch rewrote', { mode: 'text', limit: 1 }))[0]?.path).toBe('/docs/a.md');
      expect(await a.tasks.get(s.t1.id)).toMatchObject({ status: 'done', result: 'shipped from the branch' });
    });

    it("keeps the agent's changes that do not conflict", async () => {
      expect(await a.files.readFile('/docs/b.md', 'utf8')).toContain('the agent changed b');
      expect((await a.tasks.get(s.t2.id))?.status).toBe('cancelled');
      expect((await a.memories.get(s.m4.id))?.text).toBe('the agent learned about narwhals');
    });

    it('leaves the database file intact', async () => {
      const check = (await a.use((st) => st.conn.all<Record<string, unknown>>('PRAGMA integrity_check')))
        .map((row) => String(Object.values(row)[0]))
        .filter((line) => !line.includes('__turso_internal_fts'));
      expect(check).toEqual(['ok']);
    });
  });

  describe('branches of an agent that did not move', () => {
    let agent: Agent;
    beforeEach(async () => {
      agent = await (await openEngram(driver)).agent('ff');
      await agent.kv.set('base', 1);
      await agent.branches.create('one');
      await agent.branches.create('two');
      await (await agent.branches.open('one')).kv.set('one', 1);
      await (await agent.branches.open('two')).kv.set('two', 2);
    });

    it('merge fast-forwards', async () => {
      const first = await agent.branches.merge('one');
      expect(first).toMatchObject({ method: 'fast-forward', applied: [{ table: 'kv', key: ['one'], change: 'added' }], conflicts: [] });
    });

    it('a sibling forked before that merge is then replayed over it', async () => {
      await agent.branches.merge('one');
      // 'two' forked before 'one' was promoted: the agent moved, so it is replayed.
      expect((await agent.branches.diff('two')).parentChanges).toEqual([{ table: 'kv', key: ['one'], change: 'added' }]);
      const second = await agent.branches.merge('two');
      expect(second.method).toBe('replay');
      expect([await agent.kv.get('base'), await agent.kv.get('one'), await agent.kv.get('two')]).toEqual([1, 1, 2]);
    });

    it('a branch without changes is just discarded', async () => {
      await agent.branches.discard('one');
      await agent.branches.discard('two');
      await agent.branches.create('idle');
      expect(await agent.branches.merge('idle')).toMatchObject({ method: 'replay', applied: [] });
      expect(await agent.branches.list()).toEqual([]);
    });
  });
});

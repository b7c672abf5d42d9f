import { readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Agent } from '../src/agent.js';
import type { Task } from '../src/tasks/types.js';
import { Engram } from '../src/engram.js';
import { HashEmbedder } from '../src/embedders/hash-embedder.js';
import { defineTables } from '../src/schema/table-set.js';
import { DRIVER_NAMES, expectCode, openEngram, tempDir } from './helpers.js';

/** Rows of a table, straight from the database. */
function rows<T = Record<string, unknown>>(agent: Agent, sql: string): Promise<T[]> {
  return agent.use((s) => s.conn.all<T>(sql));
}

/** The change log is off and empty (no branch needs it). */
async function logIsOff(agent: Agent): Promise<boolean> {
  const [meta] = await rows<{ n: number }>(agent, `SELECT count(*) AS n FROM engram_meta WHERE key = 'branch_log'`);
  const [log] = await rows<{ n: number }>(agent, 'SELECT count(*) AS n FROM branch_changes');
  return Number(meta!.n) === 0 && Number(log!.n) === 0;
}

/** Memories and their vectors match one to one, and the file passages all have vectors. */
async function consistent(agent: Agent): Promise<void> {
  const [m] = await rows<{ a: number; b: number }>(
    agent,
    'SELECT (SELECT count(*) FROM memories) AS a, (SELECT count(*) FROM memory_vectors v JOIN memories m ON m.id = v.memory_id) AS b',
  );
  expect(Number(m!.a)).toBe(Number(m!.b));
  const [c] = await rows<{ a: number; b: number }>(
    agent,
    'SELECT (SELECT count(*) FROM file_chunks) AS a, (SELECT count(*) FROM file_chunk_vectors v JOIN file_chunks c ON c.id = v.chunk_id) AS b',
  );
  expect(Number(c!.a)).toBe(Number(c!.b));
  const check = (await rows(agent, 'PRAGMA integrity_check'))
    .map((r) => String(Object.values(r)[0]))
    .filter((line) => !line.includes('__turso_internal_fts'));
  expect(check).toEqual(['ok']);
}

describe.each(DRIVER_NAMES)('branches (%s)', (driver) => {
  let engram: Engram;
  let agent: Agent;
  beforeEach(async () => {
    engram = await openEngram(driver);
    agent = await engram.agent('alpha');
  });

  describe('create, open, promote and discard', () => {
    beforeEach(async () => {
      await agent.memories.remember({ text: 'the base fact' });
      await agent.kv.set('plan', 'A');
    });

    it('the change log is off while the agent has no branch', async () => {
      expect(await logIsOff(agent)).toBe(true);
    });

    it('create returns the branch, lists it and turns the change log on', async () => {
      const info = await agent.branches.create('exp');
      expect(info).toMatchObject({ name: 'exp', method: 'copy', from: null });
      expect(info.bytes).toBeGreaterThan(0);
      expect(Date.parse(info.createdAt)).toBeGreaterThan(0);
      expect((await agent.branches.list()).map((b) => b.name)).toEqual(['exp']);
      expect(await logIsOff(agent)).toBe(false);
    });

    describe('a branch with changes in every store', () => {
      let b: Agent;
      let task: Task;
      beforeEach(async () => {
        await agent.branches.create('exp');
        b = await agent.branches.open('exp');
        await b.kv.set('plan', 'B');
        await b.memories.remember({ text: 'a branch-only fact about zebras' });
        await b.files.writeFile('/notes/b.md', '# branch notes\nzebras everywhere\n', { parents: true });
        task = await b.tasks.create({ title: 'branch task' });
        await b.actions.record({ name: 'branch.tool', input: { q: 1 }, output: { ok: true } });
      });

      it('keeps them from the agent until promoted', async () => {
        expect(await agent.kv.get('plan')).toBe('A');
        expect(await agent.memories.count()).toBe(1);
        expect(await agent.files.exists('/notes/b.md')).toBe(false);
        expect(await agent.tasks.get(task.id)).toBeNull();
      });

      it('recalls and searches its own memories and files', async () => {
        expect(await b.memories.count()).toBe(2);
        expect((await b.memories.recall('zebras', { mode: 'text', limit: 1 }))[0]!.memory.text).toContain('zebras');
        expect((await b.memories.recall('zebras', { mode: 'vector', limit: 1 }))[0]!.memory.text).toContain('zebras');
        expect((await b.files.search('zebras', { limit: 1 }))[0]!.path).toBe('/notes/b.md');
      });

      it('is not an agent of its own', async () => {
        expect(await engram.list()).toEqual(['alpha']);
      });

      it("promote moves every store's changes into the agent", async () => {
        expect(await agent.branches.promote('exp')).toEqual({ branch: 'exp', droppedParentChanges: false });
        expect(await agent.kv.get('plan')).toBe('B');
        expect(await agent.memories.count()).toBe(2);
        expect(await agent.files.readFile('/notes/b.md', 'utf8')).toContain('zebras');
        expect((await agent.tasks.get(task.id))?.title).toBe('branch task');
        expect((await agent.actions.list({ name: 'branch.tool' })).length).toBe(1);
        expect((await agent.memories.recall('zebras', { mode: 'text', limit: 1 }))[0]!.memory.text).toContain('zebras');
      });

      it('promote removes the branch, closes its handle, turns the log off and leaves the agent consistent', async () => {
        await agent.branches.promote('exp');
        expect(await agent.branches.list()).toEqual([]);
        expect(await logIsOff(agent)).toBe(true);
        await expectCode(b.kv.get('plan'), 'NOT_FOUND');
        await consistent(agent);
      });
    });

    it('discard removes a branch once and turns the change log off', async () => {
      await agent.branches.create('gone');
      expect(await agent.branches.discard('gone')).toBe(true);
      expect(await agent.branches.discard('gone')).toBe(false);
      expect(await agent.branches.list()).toEqual([]);
      expect(await logIsOff(agent)).toBe(true);
    });

    it('a discarded branch cannot be opened or promoted (NOT_FOUND)', async () => {
      await agent.branches.create('gone');
      await agent.branches.discard('gone');
      await expectCode(agent.branches.open('gone'), 'NOT_FOUND');
      await expectCode(agent.branches.promote('gone'), 'NOT_FOUND');
      expect(await engram.list()).toEqual(['alpha']);
    });
  });

  it('keeps the agent usable while a branch is promoted under concurrent calls', async () => {
    const engram = await openEngram(driver);
    const agent = await engram.agent('busy');
    await agent.branches.create('next');
    const b = await agent.branches.open('next');
    await b.kv.set('who', 'branch');
    // Calls made during the promote wait for it and then see the new state.
    const [, seen] = await Promise.all([agent.branches.promote('next'), agent.kv.get('who')]);
    expect([undefined, 'branch']).toContain(seen);
    expect(await agent.kv.get('who')).toBe('branch');
  });

  // A package built on core declares its tables; these mirror the LangChain adapter's.
  const CHAT = defineTables({
    name: 'test.chat',
    statements: [
      'CREATE TABLE IF NOT EXISTS lc_chat_messages (id INTEGER PRIMARY KEY, session_id TEXT NOT NULL, message TEXT NOT NULL, created_at INTEGER NOT NULL)',
    ],
    units: [{ table: 'lc_chat_messages', key: [], rowid: 'id' }],
  });
  const ITEMS = defineTables({
    name: 'test.items',
    statements: [
      'CREATE TABLE IF NOT EXISTS lc_store_items (id INTEGER PRIMARY KEY, namespace TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL)',
      'CREATE UNIQUE INDEX IF NOT EXISTS lc_store_items_key ON lc_store_items (namespace, key)',
    ],
    units: [{ table: 'lc_store_items', key: ['namespace', 'key'], rowid: 'id' }],
  });

  it('tracks declared tables on a branch and merges them', async () => {
    const engram = await openEngram(driver);
    const agent = await engram.agent('lc');
    const chat = (a: Agent, message: string, at: number) =>
      a.withTables(CHAT, (s) =>
        s.conn.run(`INSERT INTO lc_chat_messages (session_id, message, created_at) VALUES ('s', ?, ?)`, [message, at]),
      );
    await chat(agent, 'hello', 1);
    await agent.branches.create('chat');
    const b = await agent.branches.open('chat');
    await chat(b, 'from the branch', 2);
    // A set first used on the branch only, after the fork.
    await b.withTables(ITEMS, (s) => s.conn.run(`INSERT INTO lc_store_items (namespace, key, value) VALUES ('ns', 'k', '{"v":1}')`));
    await chat(agent, 'from the agent', 3);
    const diff = await agent.branches.diff('chat');
    expect(diff.tables).toEqual([
      { table: 'lc_chat_messages', added: 1, changed: 0, removed: 0 },
      { table: 'lc_store_items', added: 1, changed: 0, removed: 0 },
    ]);
    const merged = await agent.branches.merge('chat');
    expect(merged.method).toBe('replay');
    expect((await rows<{ message: string }>(agent, 'SELECT message FROM lc_chat_messages ORDER BY id')).map((r) => r.message)).toEqual([
      'hello',
      'from the agent',
      'from the branch',
    ]);
    expect(await rows(agent, 'SELECT namespace, key, value FROM lc_store_items')).toEqual([
      { namespace: 'ns', key: 'k', value: '{"v":1}' },
    ]);
  });

  it('merges declared tables in a process that never declared them', async () => {
    const dir = tempDir();
    const first = await openEngram(driver, { dir });
    const agent = await first.agent('lc');
    await agent.withTables(ITEMS, (s) => s.conn.run(`INSERT INTO lc_store_items (namespace, key, value) VALUES ('ns', 'a', '1')`));
    await agent.branches.create('b');
    const b = await agent.branches.open('b');
    await b.withTables(ITEMS, (s) => s.conn.run(`UPDATE lc_store_items SET value = '2' WHERE key = 'a'`));
    await b.withTables(ITEMS, (s) => s.conn.run(`INSERT INTO lc_store_items (namespace, key, value) VALUES ('ns', 'b', '3')`));
    await agent.withTables(ITEMS, (s) => s.conn.run(`INSERT INTO lc_store_items (namespace, key, value) VALUES ('ns', 'c', '4')`));
    await first.close();
    // A second Engram over the same directory, as a process without the declaring package would be.
    const second = await openEngram(driver, { dir });
    const again = await second.agent('lc');
    expect((await again.branches.diff('b')).tables).toEqual([{ table: 'lc_store_items', added: 1, changed: 1, removed: 0 }]);
    await again.branches.merge('b');
    expect(await rows(again, 'SELECT key, value FROM lc_store_items ORDER BY key')).toEqual([
      { key: 'a', value: '2' },
      { key: 'b', value: '3' },
      { key: 'c', value: '4' },
    ]);
  });

  it('refuses table sets that would shadow core tables or are malformed', () => {
    expect(() =>
      defineTables({ name: 'x.y', statements: ['CREATE TABLE IF NOT EXISTS kv (a)'], units: [{ table: 'kv', key: ['a'] }] }),
    ).toThrow(/Engram's own tables/);
    expect(() => defineTables({ name: 'Bad Name', statements: ['SELECT 1'] })).toThrow(/table set name/);
    expect(() => defineTables({ name: 'x.y', statements: [] })).toThrow(/non-empty/);
    expect(() => defineTables({ name: 'x.y', statements: ['SELECT 1'], units: [{ table: 't', key: [] }] })).toThrow(/needs a rowid/);
    expect(() => defineTables({ name: 'x.y', statements: ['SELECT 1'], units: [{ table: 't; DROP', key: ['a'] }] })).toThrow(
      /SQL identifier/,
    );
  });

  describe('try()', () => {
    beforeEach(() => agent.kv.set('n', 1));

    it('promotes the draft and returns the value when the function succeeds', async () => {
      const value = await agent.try(async (draft) => {
        await draft.kv.set('n', 2);
        await draft.memories.remember({ text: 'kept from the experiment' });
        return 'done';
      });
      expect(value).toBe('done');
      expect(await agent.kv.get('n')).toBe(2);
      expect(await agent.memories.count()).toBe(1);
    });

    it('discards the draft and rethrows when the function throws', async () => {
      await expect(
        agent.try(async (draft) => {
          await draft.kv.set('n', 3);
          await draft.files.writeFile('/tmp.txt', 'scratch');
          throw new Error('rejected');
        }),
      ).rejects.toThrow('rejected');
      expect(await agent.kv.get('n')).toBe(1);
      expect(await agent.files.exists('/tmp.txt')).toBe(false);
      expect(await agent.branches.list()).toEqual([]);
    });

    it('merges, not loses, what the agent wrote while the experiment ran', async () => {
      await agent.try(async (draft) => {
        await draft.kv.set('from-branch', true);
        await agent.kv.set('from-agent', true);
      });
      expect(await agent.kv.get('from-branch')).toBe(true);
      expect(await agent.kv.get('from-agent')).toBe(true);
    });

    it("fails with CONFLICT on a conflicting change (policy fail), leaving the agent's value", async () => {
      await expectCode(
        agent.try(async (draft) => {
          await draft.kv.set('n', 'branch');
          await agent.kv.set('n', 'agent');
        }),
        'CONFLICT',
      );
      expect(await agent.kv.get('n')).toBe('agent');
      expect(await agent.branches.list()).toEqual([]);
      expect(await logIsOff(agent)).toBe(true);
    });
  });

  describe('tryInTransaction()', () => {
    beforeEach(() => agent.kv.set('n', 1));

    it('commits its writes and returns the value; reads inside see the writes', async () => {
      const out = await agent.tryInTransaction(async (tx) => {
        await tx.kv.set('n', 2);
        await tx.memories.remember({ text: 'written inside the transaction about otters' });
        expect((await tx.memories.recall('otters', { mode: 'text', limit: 1 }))[0]!.memory.text).toContain('otters');
        return 'ok';
      });
      expect(out).toBe('ok');
      expect(await agent.kv.get('n')).toBe(2);
      expect((await agent.memories.recall('otters', { limit: 1 }))[0]!.memory.text).toContain('otters');
    });

    it('a nested call that throws rolls back alone', async () => {
      await agent.tryInTransaction(async (tx) => {
        await tx.kv.set('n', 2);
        await expect(
          tx.tryInTransaction(async (inner) => {
            await inner.kv.set('n', 99);
            await inner.files.writeFile('/inner.txt', 'x');
            throw new Error('inner');
          }),
        ).rejects.toThrow('inner');
        expect(await tx.kv.get('n')).toBe(2);
      });
      expect(await agent.files.exists('/inner.txt')).toBe(false);
    });

    it('a store call that fails inside rolls back alone', async () => {
      const out = await agent.tryInTransaction(async (tx) => {
        await tx.kv.set('n', 2);
        await expectCode(tx.files.writeFile('/missing/dir/file.txt', 'x'), 'NOT_FOUND');
        return 'ok';
      });
      expect(out).toBe('ok');
      expect(await agent.kv.get('n')).toBe(2);
    });

    it('a throw rolls back every write and leaves the agent consistent', async () => {
      await agent.files.writeFile('/kept.txt', 'kept'); // the file tables exist, for consistent()
      await expect(
        agent.tryInTransaction(async (tx) => {
          await tx.kv.set('n', 3);
          await tx.memories.remember({ text: 'never kept' });
          throw new Error('outer');
        }),
      ).rejects.toThrow('outer');
      expect(await agent.kv.get('n')).toBe(1);
      expect(await agent.memories.count()).toBe(0);
      await consistent(agent);
    });

    it('branches are UNSUPPORTED inside a transaction', async () => {
      const nested = await agent.tryInTransaction(async (tx) => tx.branches.list().catch((e: { code: string }) => e.code));
      expect(nested).toBe('UNSUPPORTED');
    });
  });

  describe('snapshots', () => {
    let s1: Awaited<ReturnType<Agent['snapshots']['create']>>;
    beforeEach(async () => {
      await agent.kv.set('v', 1);
      await agent.files.writeFile('/a.txt', 'version one');
      s1 = await agent.snapshots.create('v1');
      await agent.kv.set('v', 2);
      await agent.files.writeFile('/a.txt', 'version two');
      await agent.memories.remember({ text: 'after the snapshot' });
      await agent.snapshots.create('v2');
    });

    it('create returns the snapshot, and list gives them oldest first', async () => {
      expect(s1).toMatchObject({ name: 'v1', method: 'copy' });
      expect((await agent.snapshots.list()).map((s) => s.name)).toEqual(['v1', 'v2']);
    });

    it('restore brings back every store as it was, in either direction', async () => {
      await agent.snapshots.restore('v1');
      expect(await agent.kv.get('v')).toBe(1);
      expect(await agent.files.readFile('/a.txt', 'utf8')).toBe('version one');
      expect(await agent.memories.count()).toBe(0);
      await consistent(agent);
      await agent.snapshots.restore('v2');
      expect(await agent.kv.get('v')).toBe(2);
      expect(await agent.memories.count()).toBe(1);
    });

    it('a branch from a snapshot starts from its state', async () => {
      const fromV1 = await agent.branches.create('old', { from: 'v1' });
      expect(fromV1.from).toBe('v1');
      const old = await agent.branches.open('old');
      expect(await old.kv.get('v')).toBe(1);
      await old.kv.set('v', 'one-again');
      expect((await agent.branches.diff('old')).changes).toEqual([{ table: 'kv', key: ['v'], change: 'changed' }]);
    });

    it('promoting a branch from a snapshot over an agent that moved on needs force', async () => {
      await agent.branches.create('old', { from: 'v1' });
      await (await agent.branches.open('old')).kv.set('v', 'one-again');
      await expectCode(agent.branches.promote('old'), 'CONFLICT');
      expect(await agent.branches.promote('old', { force: true })).toEqual({ branch: 'old', droppedParentChanges: true });
      expect(await agent.kv.get('v')).toBe('one-again');
      expect(await agent.files.readFile('/a.txt', 'utf8')).toBe('version one');
    });

    it('create with keepLast keeps only the newest snapshots', async () => {
      await agent.snapshots.create('v3');
      await agent.snapshots.create('v4', { keepLast: 3 });
      expect((await agent.snapshots.list()).map((s) => s.name)).toEqual(['v2', 'v3', 'v4']);
    });

    it('prune with maxAgeDays drops the snapshots older than that', async () => {
      const record = join(agent.path.replace(/\.db$/, '.snapshots'), 'v2.json');
      writeFileSync(record, JSON.stringify({ ...JSON.parse(readFileSync(record, 'utf8')), createdAt: '2020-01-01T00:00:00.000Z' }));
      expect(await agent.snapshots.prune({ maxAgeDays: 30 })).toEqual(['v2']);
    });

    it('delete removes a snapshot once, and a deleted one cannot be restored', async () => {
      expect(await agent.snapshots.delete('v1')).toBe(true);
      expect(await agent.snapshots.delete('v1')).toBe(false);
      expect((await agent.snapshots.list()).map((s) => s.name)).toEqual(['v2']);
      await expectCode(agent.snapshots.restore('v1'), 'NOT_FOUND');
    });

    it('refuses a taken name, a negative keepLast and unknown options', async () => {
      await expectCode(agent.snapshots.create('v2'), 'CONFLICT');
      await expectCode(agent.snapshots.prune({ keepLast: -1 }), 'INVALID_ARGUMENT');
      await expectCode(agent.snapshots.create('v5', { keep: 1 } as never), 'INVALID_ARGUMENT');
    });
  });

  describe('bad input and stale or unrelated branches', () => {
    beforeEach(() => agent.kv.set('k', 'base'));

    it('bad names are INVALID_ARGUMENT for every branch and snapshot call, and nothing is created', async () => {
      for (const bad of ['../escape', 'a/b', 'a\\b', '', '.', '..', 'UPPER', '-lead', 'x'.repeat(65), 'nul\0', 'sp ace', 42]) {
        await expectCode(agent.branches.create(bad as string), 'INVALID_ARGUMENT');
        await expectCode(agent.branches.open(bad as string), 'INVALID_ARGUMENT');
        await expectCode(agent.branches.promote(bad as string), 'INVALID_ARGUMENT');
        await expectCode(agent.snapshots.create(bad as string), 'INVALID_ARGUMENT');
        await expectCode(agent.snapshots.restore(bad as string), 'INVALID_ARGUMENT');
      }
      expect(readdirSync(engram.root).sort()).toEqual(['agents']);
    });

    it('create refuses unknown options, a missing snapshot and a taken name', async () => {
      await expectCode(agent.branches.create('x', { form: 's' } as never), 'INVALID_ARGUMENT');
      await expectCode(agent.branches.create('x', { from: 'no-such-snapshot' }), 'NOT_FOUND');
      await agent.branches.create('x');
      await expectCode(agent.branches.create('x'), 'CONFLICT');
    });

    it('merge and promote refuse unknown policies and options', async () => {
      await agent.branches.create('x');
      await expectCode(agent.branches.merge('x', { policy: 'mine' as never }), 'INVALID_ARGUMENT');
      await expectCode(agent.branches.promote('x', { forse: true } as never), 'INVALID_ARGUMENT');
    });

    describe('a branch whose agent moved since the fork', () => {
      let x: Agent;
      beforeEach(async () => {
        await agent.branches.create('x');
        x = await agent.branches.open('x');
        await x.kv.set('k', 'branch');
        await agent.kv.set('other', 1);
      });

      it('promote is CONFLICT with reason stale, changing neither side', async () => {
        const err = await expectCode(agent.branches.promote('x'), 'CONFLICT');
        expect((err as { details?: { reason?: string } }).details?.reason).toBe('stale');
        expect(await agent.kv.get('k')).toBe('base');
        expect(await x.kv.get('k')).toBe('branch');
        expect((await agent.branches.diff('x')).parentMoved).toBe(true);
      });

      it('merge refuses another agent or its branch as unrelated, and an unknown branch name', async () => {
        const other = await engram.agent('other');
        await other.branches.create('y');
        const y = await other.branches.open('y');
        const unrelated = await expectCode(agent.branches.merge(other), 'INVALID_ARGUMENT');
        expect((unrelated as { details?: { reason?: string } }).details?.reason).toBe('unrelated');
        await expectCode(agent.branches.merge(y), 'INVALID_ARGUMENT');
        await expectCode(agent.branches.merge('y'), 'NOT_FOUND');
      });

      it("merge takes the agent's own branch as an Agent", async () => {
        expect((await agent.branches.merge(x)).method).toBe('replay');
        expect(await agent.kv.get('k')).toBe('branch');
      });
    });

    describe('after a snapshot restore', () => {
      beforeEach(async () => {
        await agent.branches.create('before');
        await agent.snapshots.create('snap');
        await (await agent.branches.open('before')).kv.set('before', 1);
        await agent.kv.set('after-snapshot', 1);
        await agent.branches.create('z');
        await (await agent.branches.open('z')).kv.set('z', 1);
        await agent.snapshots.restore('snap');
        await agent.kv.set('after-restore', 1);
      });

      it('a branch forked after the snapshot belongs to a history the agent left: CONFLICT, diverged', async () => {
        const div = await expectCode(agent.branches.merge('z'), 'CONFLICT');
        expect((div as { details?: { reason?: string } }).details?.reason).toBe('diverged');
        expect((await agent.branches.diff('z')).parentChanges).toBeNull();
        expect(await agent.kv.get('z')).toBeUndefined();
      });

      it('a branch forked before the snapshot still merges', async () => {
        expect((await agent.branches.merge('before')).method).toBe('replay');
        expect(await agent.kv.get('before')).toBe(1);
        expect(await agent.kv.get('after-snapshot')).toBeUndefined();
        expect(await agent.kv.get('after-restore')).toBe(1);
      });
    });
  });

  it('engram.delete removes branches and snapshots; export still works', async () => {
    const engram = await openEngram(driver);
    const agent = await engram.agent('doomed');
    await agent.kv.set('k', 1);
    await agent.branches.create('b');
    await agent.snapshots.create('s');
    const out = join(tempDir(), 'copy.db');
    const exported = await engram.export('doomed', out);
    expect(exported.files[0]).toBe(out);
    expect(await engram.list()).toEqual(['doomed']);
    expect(await engram.delete('doomed')).toBe(true);
    const shard = agent.path.replace(/\/[^/]+$/, '');
    expect(readdirSync(shard)).toEqual([]);
    expect(await engram.list()).toEqual([]);
  });
});

describe('branches of an encrypted agent (turso)', () => {
  it('stay encrypted', async () => {
    const dir = tempDir();
    const key = 'ab'.repeat(32);
    const engram = await Engram.open({ dir, driver: 'turso', embedder: new HashEmbedder({ dims: 64 }) });
    const agent = await engram.agent('secret', { encryptionKey: key });
    await agent.memories.remember({ text: 'the launch code is plaintext-canary' });
    await agent.branches.create('b');
    const b = await agent.branches.open('b');
    await b.kv.set('more', 'plaintext-canary-two');
    await b.checkpoint();
    expect((await agent.info()).encrypted).toBe(true);
    const file = join(agent.path.replace(/\.db$/, '.branches'), 'b.db');
    expect(readFileSync(file).includes('plaintext-canary')).toBe(false);
    await agent.branches.promote('b');
    expect(await agent.kv.get('more')).toBe('plaintext-canary-two');
    await engram.close();
    const again = await Engram.open({ dir, driver: 'turso', embedder: new HashEmbedder({ dims: 64 }) });
    await expectCode(again.agent('secret'), 'CORRUPT');
    await again.close();
  });
});

describe.each(DRIVER_NAMES)('a promote interrupted around its rename (%s)', (driver) => {
  it('leaves the old agent with the branch intact, or the new agent with a harmless leftover record', async () => {
    const dir = tempDir();
    let engram = await Engram.open({ dir, driver, embedder: new HashEmbedder({ dims: 64 }) });
    let agent = await engram.agent('j');
    await agent.kv.set('state', 'old');
    await agent.branches.create('b');
    await (await agent.branches.open('b')).kv.set('state', 'new');
    const path = agent.path;
    const source = join(path.replace(/\.db$/, '.branches'), 'b.db');
    // What promote leaves just before its rename: both files checkpointed, side files removed.
    await engram.close();
    for (const f of [path, source]) for (const side of ['-wal', '-shm', '-tshm']) rmSync(`${f}${side}`, { force: true });
    engram = await Engram.open({ dir, driver, embedder: new HashEmbedder({ dims: 64 }) });
    agent = await engram.agent('j');
    expect(await agent.kv.get('state')).toBe('old');
    expect((await agent.branches.diff('b')).changes).toEqual([{ table: 'kv', key: ['state'], change: 'changed' }]);
    await engram.close();
    for (const f of [path, source]) for (const side of ['-wal', '-shm', '-tshm']) rmSync(`${f}${side}`, { force: true });
    // ...and just after it: the record of the branch is left behind.
    renameSync(source, path);
    engram = await Engram.open({ dir, driver, embedder: new HashEmbedder({ dims: 64 }) });
    agent = await engram.agent('j');
    expect(await agent.kv.get('state')).toBe('new');
    expect(await agent.branches.list()).toEqual([]);
    expect((await agent.branches.create('b')).name).toBe('b');
    expect(await (await agent.branches.open('b')).kv.get('state')).toBe('new');
    await engram.close();
  });
});

/**
 * Sync against a real sync server (tursodb --sync-server on loopback): two replicas of one agent
 * in separate directories, offline writes on both, bootstrap, server down and up, conflicts,
 * and what is refused.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Agent } from '../src/agent.js';
import { Engram, type EngramOptions } from '../src/engram.js';
import { HashEmbedder } from '../src/embedders/hash-embedder.js';
import { expectCode, onCleanup, tempDir } from './helpers.js';
import { executeRemote } from '../src/sync/remote-sql.js';
import { SyncServer, tokenGate } from './sync/sync-server.js';
import { vectorCache } from '../src/search/vector-cache.js';

async function server(): Promise<SyncServer> {
  const s = await SyncServer.start(join(tempDir('engram-remote-'), 'remote.db'));
  onCleanup(() => s.stop());
  return s;
}

async function replica(url: string, options: Partial<EngramOptions> = {}): Promise<Engram> {
  const engram = await Engram.open({
    dir: tempDir(),
    embedder: new HashEmbedder({ dims: 64 }),
    sync: { url, intervalMs: 0 },
    ...options,
  });
  onCleanup(() => engram.close());
  return engram;
}

/** Engram's own term index: every document count equals its postings, and the totals match the rows. */
async function termCountsAgree(agent: Agent, docs: string): Promise<boolean> {
  return agent.use(async (s) => {
    const off = await s.conn.get<{ n: number }>(
      `SELECT count(*) AS n FROM ${docs}_term_df d WHERE d.df <> (SELECT count(*) FROM ${docs}_terms t WHERE t.term = d.term)`,
    );
    const missing = await s.conn.get<{ n: number }>(
      `SELECT count(*) AS n FROM (SELECT DISTINCT term FROM ${docs}_terms) t WHERE NOT EXISTS (SELECT 1 FROM ${docs}_term_df d WHERE d.term = t.term)`,
    );
    const meta = await s.conn.get<{ value: string }>(`SELECT value FROM engram_meta WHERE key = ?`, [`${docs}_text_docs`]);
    const rows = await s.conn.get<{ n: number }>(`SELECT count(*) AS n FROM ${docs}`);
    return off!.n === 0 && missing!.n === 0 && Number(meta?.value ?? 0) === rows!.n;
  });
}

const texts = async (engram: Engram, id: string) =>
  (await (await engram.agent(id)).memories.list({ limit: 1000 })).map((m) => m.text).sort();

describe('sync (turso, real sync server)', () => {
  it('two replicas write offline, sync, and both see the union of everything', async () => {
    const remote = await server();
    const a = await replica(remote.url);
    const agentA = await a.agent('shared');
    await agentA.memories.remember({ text: 'created on machine A' });
    expect((await agentA.sync()).pushedChanges).toBeGreaterThan(0);

    // A second machine bootstraps the agent with its memories.
    const b = await replica(remote.url);
    expect(await texts(b, 'shared')).toEqual(['created on machine A']);
    const agentB = await b.agent('shared');

    await remote.stop();
    for (let i = 0; i < 3; i++) await agentA.memories.remember({ text: `offline A ${i}` });
    for (let i = 0; i < 3; i++) await agentB.memories.remember({ text: `offline B ${i}` });
    await agentA.kv.set('from-a', { n: 1 });
    await agentB.kv.set('from-b', { n: 2 });
    await agentA.files.writeFile('/a.md', 'alpha notes about turbines');
    await agentB.files.writeFile('/b.md', 'beta notes about windmills');
    const taskA = await agentA.tasks.create({ title: 'task from A' });
    const taskB = await agentB.tasks.create({ title: 'task from B' });
    await agentA.actions.record({ name: 'tool-a' });
    await agentB.actions.record({ name: 'tool-b' });
    await expectCode(agentA.sync(), 'SYNC_UNAVAILABLE');
    const pending = await agentA.syncStatus();
    expect(pending.pendingChanges).toBeGreaterThan(0);
    expect(pending.lastError?.code).toBe('SYNC_UNAVAILABLE');

    await remote.restart();
    await agentA.sync();
    await agentB.sync();
    await agentA.sync();
    const all = ['created on machine A', ...[0, 1, 2].flatMap((i) => [`offline A ${i}`, `offline B ${i}`])].sort();
    for (const [engram, agent] of [
      [a, agentA],
      [b, agentB],
    ] as const) {
      expect(await texts(engram, 'shared')).toEqual(all);
      expect(await agent.kv.get('from-a')).toEqual({ n: 1 });
      expect(await agent.kv.get('from-b')).toEqual({ n: 2 });
      expect(await agent.files.readText('/a.md')).toBe('alpha notes about turbines');
      expect(await agent.files.readText('/b.md')).toBe('beta notes about windmills');
      expect((await agent.tasks.list()).map((t) => t.id).sort()).toEqual([taskA.id, taskB.id].sort());
      expect((await agent.actions.list()).map((a) => a.name).sort()).toEqual(['tool-a', 'tool-b']);
      // Recall finds the other machine's memories by words and by vector; file search too.
      const [hit] = await agent.memories.recall('offline B 2', { mode: 'text' });
      expect(hit?.memory.text).toBe('offline B 2');
      const [near] = await agent.memories.recall('offline A 1', { mode: 'vector' });
      expect(near?.memory.text).toBe('offline A 1');
      expect((await agent.files.search('windmills'))[0]?.path).toBe('/b.md');
      expect(await termCountsAgree(agent, 'memories')).toBe(true);
    }
    expect((await agentA.syncStatus()).lastError).toBeNull();
    expect((await agentA.syncStatus()).pendingChanges).toBe(0);
    await agentA.kv.set('one-more', true);
    expect((await agentA.syncStatus()).pendingChanges).toBeGreaterThan(0);
  });

  it('keeps both sides of a memory superseded on two machines at once, in its history', async () => {
    const remote = await server();
    const a = await replica(remote.url);
    const agentA = await a.agent('fork');
    const base = await agentA.memories.remember({ text: 'The office is in Lyon' });
    await agentA.sync();
    const b = await replica(remote.url);
    const agentB = await b.agent('fork');
    const fromA = await agentA.memories.remember({ text: 'The office moved to Paris', supersedes: base.id });
    await new Promise((r) => setTimeout(r, 5));
    const fromB = await agentB.memories.remember({ text: 'The office moved to Nantes', supersedes: base.id });
    await agentA.sync();
    await agentB.sync();
    await agentA.sync();
    for (const agent of [agentA, agentB]) {
      const current = (await agent.memories.list()).map((m) => m.text);
      expect(current).toEqual(['The office moved to Nantes']);
      expect((await agent.memories.history(fromB.id)).map((m) => m.id)).toEqual([base.id, fromA.id, fromB.id]);
    }
  });

  it('task claims are decided by the remote: two machines never hold one task', async () => {
    const remote = await server();
    const a = await replica(remote.url);
    const agentA = await a.agent('queue');
    const tasks = [];
    for (let i = 0; i < 6; i++) tasks.push(await agentA.tasks.create({ title: `job ${i}`, priority: i }));
    await agentA.sync();
    const b = await replica(remote.url);
    const agentB = await b.agent('queue');
    // Both machines claim at once, repeatedly, without syncing in between: each task goes to exactly one.
    const claims = await Promise.all([0, 1, 2].flatMap(() => [agentA.tasks.claim({ worker: 'wa' }), agentB.tasks.claim({ worker: 'wb' })]));
    const granted = claims.filter((t) => t !== null).map((t) => t.id);
    expect(new Set(granted).size).toBe(granted.length);
    expect(granted.length).toBe(6);
    // What each machine was told is what the remote holds, seen from both replicas after a sync.
    await agentA.sync();
    await agentB.sync();
    for (const [i, t] of claims.entries()) {
      const worker = i % 2 === 0 ? 'wa' : 'wb';
      for (const agent of [agentA, agentB]) expect((await agent.tasks.get(t!.id))!.worker).toBe(worker);
    }
    // A claim by id of a task the other machine holds is a CONFLICT, even before any pull.
    const heldByB = claims[1]!;
    await expectCode(agentA.tasks.claim({ worker: 'wa', id: heldByB.id }), 'CONFLICT');
    // Only the holder completes it; the other machine's attempt is refused by the remote.
    await expectCode(agentA.tasks.complete(heldByB.id, { worker: 'wa', result: 1 }), 'CONFLICT');
    expect((await agentB.tasks.complete(heldByB.id, { worker: 'wb', result: 2 })).status).toBe('done');
    // Offline: no claim is granted, and the caller is told why.
    await agentA.tasks.create({ title: 'made offline' });
    await remote.stop();
    await expectCode(agentA.tasks.claim({ worker: 'wa' }), 'SYNC_UNAVAILABLE');
    await remote.restart();
    expect((await agentA.tasks.claim({ worker: 'wa' }))?.title).toBe('made offline');
  });

  it("a large agent's first-pass vector index notices vectors that a pull brought", async () => {
    const remote = await server();
    const a = await replica(remote.url);
    const agentA = await a.agent('big');
    for (let i = 0; i < 3; i++)
      await agentA.memories.remember(Array.from({ length: 800 }, (_, j) => ({ text: `filler memory ${i} ${j} about nothing much` })));
    await agentA.sync();
    const b = await replica(remote.url);
    const agentB = await b.agent('big');
    // B builds its in-memory index (over 2048 vectors) with its first vector recall.
    expect((await agentB.memories.recall('filler memory 1 5', { mode: 'vector' })).length).toBeGreaterThan(0);
    expect(await agentB.use(async (s) => vectorCache(s).index !== undefined)).toBe(true);
    // Both sides bump vectors_version to the same number: the version alone cannot tell B's index is stale.
    await agentB.memories.remember({ text: 'written on B meanwhile' });
    await agentA.memories.remember({ text: 'zebra quokka xylophone' });
    await agentA.sync();
    await agentB.sync();
    const [hit] = await agentB.memories.recall('zebra quokka xylophone', { mode: 'vector' });
    expect(hit?.memory.text).toBe('zebra quokka xylophone');
  });

  it("keeps a large synced agent's first-pass index in memory only, following local writes and pulls on both replicas", async () => {
    const remote = await server();
    const a = await replica(remote.url);
    const agentA = await a.agent('large');
    for (let i = 0; i < 3; i++)
      await agentA.memories.remember(Array.from({ length: 800 }, (_, j) => ({ text: `filler memory ${i} ${j} about nothing much` })));
    expect((await agentA.memories.recall('filler memory 2 7', { mode: 'vector' })).length).toBeGreaterThan(0);
    // A local write after the index was built is followed in memory, not by a rebuild.
    const built = await agentA.use(async (s) => vectorCache(s).index);
    await agentA.memories.remember({ text: 'pelican harmonica lighthouse' });
    expect(await agentA.use(async (s) => vectorCache(s).index)).toBe(built);
    expect((await agentA.memories.recall('pelican harmonica lighthouse', { mode: 'vector' }))[0]?.memory.text).toBe(
      'pelican harmonica lighthouse',
    );
    // A batch whose later row replaces an earlier one (same key): the earlier never was current,
    // and the index in memory must not serve it.
    await agentA.memories.remember(
      [
        { text: 'marmot trombone canyon, first draft', metadata: { slot: 'm' } },
        { text: 'marmot trombone canyon, final', metadata: { slot: 'm' } },
      ],
      { replaceByMetadataKey: 'slot' },
    );
    expect(await agentA.use(async (s) => vectorCache(s).index)).toBe(built);
    const marmots = await agentA.memories.recall('marmot trombone canyon, first draft', { mode: 'vector', limit: 5 });
    expect(marmots.map((r) => r.memory.text)).toContain('marmot trombone canyon, final');
    expect(marmots.map((r) => r.memory.text)).not.toContain('marmot trombone canyon, first draft');
    // So is a change of expiry alone (its vector is read back, the index is not dropped).
    const [pelican] = await agentA.memories.recall('pelican harmonica lighthouse', { mode: 'vector', limit: 1 });
    await agentA.memories.update(pelican!.memory.id, { ttlMs: 3_600_000 });
    expect(await agentA.use(async (s) => vectorCache(s).index)).toBe(built);
    await agentA.sync();
    const b = await replica(remote.url);
    const agentB = await b.agent('large');
    expect((await agentB.memories.recall('filler memory 1 5', { mode: 'vector' })).length).toBeGreaterThan(0);
    // Offline on both sides, then both sync: each finds the other's memory by its vector.
    await agentA.memories.remember({ text: 'walrus accordion glacier' });
    await agentB.memories.remember({ text: 'flamingo bassoon volcano' });
    await agentA.sync();
    await agentB.sync();
    await agentA.sync();
    expect((await agentA.memories.recall('flamingo bassoon volcano', { mode: 'vector' }))[0]?.memory.text).toBe('flamingo bassoon volcano');
    expect((await agentB.memories.recall('walrus accordion glacier', { mode: 'vector' }))[0]?.memory.text).toBe('walrus accordion glacier');
    // Nothing of a stored index was written, so none was pushed.
    for (const agent of [agentA, agentB]) {
      const stored = await agent.use((s) => s.conn.all(`SELECT key FROM engram_meta WHERE key = 'vector_index'`));
      expect(stored).toEqual([]);
    }
  });

  it('branches of a synced agent merge locally and the merge is pushed; promote and restore are refused', async () => {
    const remote = await server();
    const a = await replica(remote.url);
    const agentA = await a.agent('branchy');
    await agentA.memories.remember({ text: 'base fact' });
    await agentA.sync();
    const { name } = await agentA.branches.create('draft');
    await (await agentA.branches.open(name)).memories.remember({ text: 'drafted on a branch' });
    await agentA.memories.remember({ text: 'written on the agent meanwhile' });
    await expectCode(agentA.branches.promote(name), 'UNSUPPORTED');
    expect((await agentA.branches.merge(name)).applied).toHaveLength(1);
    await agentA.try(async (draft) => void (await draft.kv.set('tried', true)));
    await agentA.snapshots.create('before');
    await expectCode(agentA.snapshots.restore('before'), 'UNSUPPORTED');
    await agentA.sync();
    const b = await replica(remote.url);
    expect(await texts(b, 'branchy')).toEqual(['base fact', 'drafted on a branch', 'written on the agent meanwhile']);
    expect(await (await b.agent('branchy')).kv.get('tried')).toBe(true);
  });

  it('refuses a remote that is ahead in schema version, and leaves nothing half-made', async () => {
    const remote = await server();
    const a = await replica(remote.url);
    const agentA = await a.agent('future');
    await agentA.memories.remember({ text: 'kept as it was' });
    await agentA.sync();
    await a.close();
    const c = await replica(remote.url);
    const agentC = await c.agent('future');
    // A newer Engram elsewhere migrated the agent (simulated: its schema version moves ahead).
    await executeRemote(remote.url, undefined, `UPDATE engram_meta SET value = '99' WHERE key = 'schema_version'`);
    const err = await expectCode(agentC.sync(), 'UNSUPPORTED');
    expect(err.message).toMatch(/schema version 99.*upgrade Engram/);
    expect((await agentC.syncStatus()).lastError?.code).toBe('UNSUPPORTED');
    const b = await replica(remote.url);
    await expectCode(b.agent('future'), 'UNSUPPORTED');
    expect(await b.has('future')).toBe(false);
  });

  it('an agent made before sync was configured becomes a replica with all its data', async () => {
    const remote = await server();
    const dir = tempDir();
    const plain = await Engram.open({ dir, embedder: new HashEmbedder({ dims: 64 }) });
    const old = await plain.agent('legacy');
    const kept = await old.memories.remember({ text: 'remembered before sync existed' });
    await old.memories.remember({ text: 'The office moved', supersedes: kept.id });
    await old.files.writeFile('/plan.md', 'the plan: ship the sync feature');
    await old.kv.set('counter', 41);
    const task = await old.tasks.create({ title: 'legacy task' });
    await old.actions.record({ name: 'legacy-tool' });
    // Still open here without sync: the file is not moved from under it.
    const early = await replica(remote.url, { dir });
    await expectCode(early.agent('legacy'), 'LOCKED');
    await early.close();
    await plain.close();

    // Unreachable remote: nothing changes on disk, the agent still opens without sync.
    await remote.stop();
    const offline = await replica(remote.url, { dir });
    await expectCode(offline.agent('legacy'), 'SYNC_UNAVAILABLE');
    await offline.close();
    await remote.restart();

    const synced = await replica(remote.url, { dir });
    const agent = await synced.agent('legacy');
    const check = async (a: typeof agent) => {
      expect((await a.memories.list()).map((m) => m.text)).toEqual(['The office moved']);
      expect((await a.memories.history(kept.id)).length).toBe(2);
      expect((await a.memories.recall('office moved', { mode: 'text' }))[0]?.memory.text).toBe('The office moved');
      expect((await a.files.search('ship the sync feature'))[0]?.path).toBe('/plan.md');
      expect(await a.files.readText('/plan.md')).toBe('the plan: ship the sync feature');
      expect(await a.kv.get('counter')).toBe(41);
      expect((await a.tasks.get(task.id))?.title).toBe('legacy task');
      expect((await a.actions.list()).map((x) => x.name)).toEqual(['legacy-tool']);
    };
    await check(agent);
    expect(existsSync(`${agent.path}.pre-sync`)).toBe(true);
    await agent.sync();
    await check(await (await replica(remote.url)).agent('legacy'));

    // The same id made separately elsewhere, while the remote already holds one: CONFLICT, data kept.
    const other = tempDir();
    const plain2 = await Engram.open({ dir: other, embedder: new HashEmbedder({ dims: 64 }) });
    await (await plain2.agent('legacy')).memories.remember({ text: 'a different history' });
    await plain2.close();
    await expectCode((await replica(remote.url, { dir: other })).agent('legacy'), 'CONFLICT');
    const reopened = await Engram.open({ dir: other, embedder: new HashEmbedder({ dims: 64 }) });
    onCleanup(() => reopened.close());
    expect((await (await reopened.agent('legacy')).memories.list()).map((m) => m.text)).toEqual(['a different history']);
  });

  it('the same file path and kv key written on two machines offline converge (the later push wins), sync never wedges', async () => {
    const remote = await server();
    const a = await replica(remote.url);
    const agentA = await a.agent('paths');
    await agentA.kv.set('shared', 0);
    await agentA.sync();
    const b = await replica(remote.url);
    const agentB = await b.agent('paths');
    await agentA.files.writeFile('/docs/same.md', 'alpha version about turbines', { parents: true });
    await agentB.files.writeFile('/docs/same.md', 'beta version about windmills', { parents: true });
    await agentA.kv.set('shared', 'A');
    await agentB.kv.set('shared', 'B');
    await agentA.sync();
    await agentB.sync(); // B pushes last: its version wins
    await agentA.sync();
    for (const agent of [agentA, agentB]) {
      expect(await agent.files.readText('/docs/same.md')).toBe('beta version about windmills');
      expect(await agent.kv.get('shared')).toBe('B');
      expect((await agent.files.search('windmills'))[0]?.text).toContain('beta');
      expect((await agent.files.search('turbines')).filter((r) => r.text.includes('alpha'))).toEqual([]);
      const passages = await agent.use((s) => s.conn.all<{ n: number }>('SELECT count(*) AS n FROM file_chunks'));
      expect(passages[0]!.n).toBe(1);
      expect(await termCountsAgree(agent, 'file_chunks')).toBe(true);
    }
  });

  it('a delete on one machine wins over a change of the same row on another; nothing is left orphaned', async () => {
    const remote = await server();
    const a = await replica(remote.url);
    const agentA = await a.agent('deletes');
    const doomed = await agentA.memories.remember({ text: 'soon forgotten' });
    await agentA.files.writeFile('/f.md', 'first version of the file');
    await agentA.sync();
    const b = await replica(remote.url);
    const agentB = await b.agent('deletes');
    await agentA.memories.forget(doomed.id);
    await agentA.files.rm('/f.md');
    await agentB.memories.update(doomed.id, { importance: 0.9 });
    await agentB.files.writeFile('/f.md', 'second version written meanwhile', { overwrite: true });
    await agentA.sync();
    await agentB.sync();
    await agentA.sync();
    for (const agent of [agentA, agentB]) {
      expect(await agent.memories.get(doomed.id)).toBeNull();
      await expectCode(agent.files.readText('/f.md'), 'NOT_FOUND');
      expect(await agent.files.search('second version')).toEqual([]);
      const left = await agent.use((s) =>
        s.conn.get<{ n: number }>(
          'SELECT (SELECT count(*) FROM file_chunks) + (SELECT count(*) FROM file_contents) + (SELECT count(*) FROM memory_vectors) + (SELECT count(*) FROM memories_terms) AS n',
        ),
      );
      expect(left!.n).toBe(0);
      expect(await termCountsAgree(agent, 'memories')).toBe(true);
    }
  });

  it('background sync backs off while the remote is down and catches up when it returns', async () => {
    const remote = await server();
    const dir = tempDir();
    const first = await replica(remote.url, { dir });
    await (await first.agent('backoff')).memories.remember({ text: 'written while the remote was up' });
    await remote.stop();
    await first.close(); // its push fails: the write stays in the replica
    // A replica on disk opens without the remote, and works.
    const a = await replica(remote.url, { dir, sync: { url: remote.url, intervalMs: 50, maxBackoffMs: 800 } });
    const agent = await a.agent('backoff');
    await agent.memories.remember({ text: 'written while the remote is down' });
    const until = async (ok: () => Promise<boolean>) => {
      const deadline = Date.now() + 10_000;
      while (!(await ok())) {
        if (Date.now() > deadline) throw new Error('timed out');
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    let down = await agent.syncStatus();
    await until(async () => {
      down = await agent.syncStatus();
      return down.failures >= 4 && down.nextAttemptAt !== null;
    });
    expect(down.lastError?.code).toBe('SYNC_UNAVAILABLE');
    expect(down.pendingChanges).toBeGreaterThan(0);
    // After four failures the next attempt waits well past the 50 ms interval (50 x 2^4, jittered).
    expect(down.nextAttemptAt! - Date.now()).toBeGreaterThan(150);
    expect(await agent.memories.list()).toHaveLength(2); // local reads and writes go on
    await remote.restart();
    await until(async () => (await agent.syncStatus()).failures === 0);
    expect((await agent.syncStatus()).pendingChanges).toBe(0);
    const b = await replica(remote.url);
    expect(await texts(b, 'backoff')).toEqual(['written while the remote is down', 'written while the remote was up']);
  });

  it('a remote that hangs instead of refusing: syncs time out, closing gives up its push, nothing is lost', async () => {
    const remote = await server();
    const gate = await tokenGate(remote.url, undefined);
    onCleanup(() => gate.close());
    const dir = tempDir();
    const a = await replica(gate.url, { dir, sync: { url: gate.url, intervalMs: 0, requestTimeoutMs: 300 } });
    const agent = await a.agent('hang');
    await agent.memories.remember({ text: 'before the remote went quiet' });
    await agent.sync();
    gate.silent(true);
    await agent.memories.remember({ text: 'while the remote hangs' });
    const t0 = Date.now();
    await expectCode(agent.sync(), 'SYNC_UNAVAILABLE');
    expect(Date.now() - t0).toBeLessThan(5000);
    const t1 = Date.now();
    await a.close(); // its push gives up (request timeout, at most the 5 s close limit)
    expect(Date.now() - t1).toBeLessThan(8000);
    gate.silent(false);
    const again = await replica(gate.url, { dir });
    await (await again.agent('hang')).sync();
    const b = await replica(remote.url);
    expect(await texts(b, 'hang')).toEqual(['before the remote went quiet', 'while the remote hangs']);
    // With the default 30 s request timeout, a close still gives up after 5 s.
    const c = await replica(gate.url, { sync: { url: gate.url, intervalMs: 0 } });
    await (await c.agent('hang')).memories.remember({ text: 'left in the replica' });
    gate.silent(true);
    const t2 = Date.now();
    await c.close();
    expect(Date.now() - t2).toBeGreaterThan(4000);
    expect(Date.now() - t2).toBeLessThan(9000);
    gate.silent(false);
  });

  it('the same memory edited in place on two machines: the later text wins, and only its words find it', async () => {
    const remote = await server();
    const a = await replica(remote.url);
    const agentA = await a.agent('edits');
    const m = await agentA.memories.remember({ text: 'the meeting room is on floor two' });
    await agentA.memories.remember({ text: 'lunch is at noon in the cafeteria' });
    await agentA.sync();
    const b = await replica(remote.url);
    const agentB = await b.agent('edits');
    await agentA.memories.update(m.id, { text: 'the meeting room moved to floor seven near the elevators' });
    await agentB.memories.update(m.id, { text: 'the meeting room moved to floor nine beside the library' });
    await agentA.sync();
    await agentB.sync(); // B pushes last: its text wins
    await agentA.sync();
    for (const agent of [agentA, agentB]) {
      expect((await agent.memories.get(m.id))?.text).toBe('the meeting room moved to floor nine beside the library');
      expect((await agent.memories.recall('library', { mode: 'text' })).map((r) => r.memory.id)).toEqual([m.id]);
      expect(await agent.memories.recall('elevators', { mode: 'text' })).toEqual([]);
      expect(await termCountsAgree(agent, 'memories')).toBe(true);
    }
  });

  it('closing the Engram pushes what is pending; a new directory bootstraps it', async () => {
    const remote = await server();
    const a = await replica(remote.url);
    const agentA = await a.agent('closer');
    for (let i = 0; i < 5; i++) await agentA.memories.remember({ text: `note ${i}` });
    await a.close();
    const b = await replica(remote.url);
    expect(await texts(b, 'closer')).toEqual([0, 1, 2, 3, 4].map((i) => `note ${i}`));
    // create: false on an empty remote: NOT_FOUND, and nothing is left behind to pass for a replica.
    const empty = await server();
    const c = await replica(empty.url);
    await expectCode(c.agent('never-made', { create: false }), 'NOT_FOUND');
    expect(await c.has('never-made')).toBe(false);
  });

  it('background sync carries a memory to the other replica within an interval', async () => {
    const remote = await server();
    const a = await replica(remote.url, { sync: { url: remote.url, intervalMs: 200 } });
    const b = await replica(remote.url, { sync: { url: remote.url, intervalMs: 200 } });
    const agentA = await a.agent('bg');
    const agentB = await b.agent('bg');
    await agentA.memories.remember({ text: 'sent in the background' });
    const deadline = Date.now() + 10_000;
    let seen: string[] = [];
    while (Date.now() < deadline && seen.length === 0) {
      await new Promise((r) => setTimeout(r, 100));
      seen = (await agentB.memories.list()).map((m) => m.text);
    }
    expect(seen).toEqual(['sent in the background']);
  });

  it('refuses what it cannot do safely: sqlite, encryption, a bad token', async () => {
    const remote = await server();
    await expectCode(Engram.open({ dir: tempDir(), driver: 'sqlite', sync: { url: remote.url } }), 'UNSUPPORTED');
    const engram = await replica(remote.url);
    const err = await expectCode(engram.agent('secret', { encryptionKey: 'ab'.repeat(32) }), 'UNSUPPORTED');
    expect(err.message).toMatch(/plaintext/);
    await expectCode(
      Engram.open({ dir: tempDir(), sync: { url: 'ftp://nope/{agent}' } }).then((e) => e.agent('x')),
      'INVALID_ARGUMENT',
    );

    const gate = await tokenGate(remote.url, 'good-token');
    onCleanup(() => gate.close());
    const bad = await replica(gate.url, { sync: { url: gate.url, authToken: 'wrong', intervalMs: 0 } });
    await expectCode(bad.agent('guarded'), 'SYNC_AUTH');
    const good = await replica(gate.url, { sync: { url: gate.url, authToken: 'good-token', intervalMs: 0 } });
    await (await good.agent('guarded')).memories.remember({ text: 'behind a token' });
    await (await good.agent('guarded')).sync();
    const unsynced = await Engram.open({ dir: tempDir(), embedder: new HashEmbedder({ dims: 64 }) });
    onCleanup(() => unsynced.close());
    await expectCode((await unsynced.agent('plain')).sync(), 'UNSUPPORTED');
  });

  it('a second process on the same directory is told to use its own replica', async () => {
    const remote = await server();
    const dir = tempDir();
    const a = await replica(remote.url, { dir });
    await (await a.agent('owned')).memories.remember({ text: 'x' });
    const { spawnSync } = await import('node:child_process');
    const script = `import { Engram, HashEmbedder } from ${JSON.stringify(new URL('../dist/index.js', import.meta.url).href)};
      const e = await Engram.open({ dir: ${JSON.stringify(dir)}, embedder: new HashEmbedder({ dims: 64 }), sync: { url: ${JSON.stringify(remote.url)}, intervalMs: 0 }, lockTimeoutMs: 200 });
      try { await e.agent('owned'); console.log('opened'); } catch (err) { console.log(err.code, err.message); }`;
    const out = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(out.stdout).toMatch(/^LOCKED .*its own Engram directory/);
  });
});

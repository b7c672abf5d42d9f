import { existsSync, readFileSync, readdirSync, writeFileSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Agent } from '../src/agent.js';
import { Engram } from '../src/engram.js';
import { agentPath } from '../src/runtime/agent-id.js';
import { SCHEMA_VERSION } from '../src/schema/migrations.js';
import { HashEmbedder } from '../src/embedders/hash-embedder.js';
import { DRIVER_NAMES, expectCode, openEngram, tempDir } from './helpers.js';

const HOSTILE_IDS = [
  '',
  '../etc',
  '..',
  'a/b',
  'a\\b',
  '/abs',
  'x'.repeat(129),
  'Upper',
  'nul\0byte',
  'dot.dot',
  ' space',
  '-lead',
  'é',
  'a b',
  '%2e%2e',
];

describe.each(DRIVER_NAMES)('engram hub on %s', (driver) => {
  describe('agents on first use', () => {
    let engram: Engram;
    let a: Agent;
    beforeEach(async () => {
      engram = await openEngram(driver);
      a = await engram.agent('agent-42');
      await a.memories.remember({ text: 'hello' });
      await engram.agent('agent-7');
    });

    it('creates each agent in its own file, in a sharded layout', () => {
      const path = engram.pathOf('agent-42');
      expect(existsSync(path)).toBe(true);
      expect(relative(engram.root, path).split('/')).toHaveLength(3); // agents/<shard>/<id>.db
    });

    it('lists the agents, by prefix too', async () => {
      expect(await engram.list()).toEqual(['agent-42', 'agent-7']);
      expect(await engram.list({ prefix: 'agent-4' })).toEqual(['agent-42']);
    });

    it("info reports the agent's id, engine, schema and embedder", async () => {
      const info = await a.info();
      expect(info).toMatchObject({ id: 'agent-42', driver, schemaVersion: SCHEMA_VERSION, embedder: { id: 'hash-64@1', dims: 64 } });
    });

    it('delete removes the file and the agent from the list', async () => {
      const path = engram.pathOf('agent-42');
      expect(await engram.delete('agent-42')).toBe(true);
      expect(existsSync(path)).toBe(false);
      expect(await engram.list()).toEqual(['agent-7']);
    });

    it('a deleted agent comes back empty on next use', async () => {
      await engram.delete('agent-42');
      const again = await engram.agent('agent-42');
      expect(await again.memories.count()).toBe(0);
    });

    it('create: false refuses a missing agent with NOT_FOUND', async () => {
      await expectCode(engram.agent('missing', { create: false }), 'NOT_FOUND');
    });
  });

  it('rejects hostile agent ids without touching the disk', async () => {
    const engram = await openEngram(driver);
    for (const id of HOSTILE_IDS) await expectCode(engram.agent(id), 'INVALID_ARGUMENT');
    await expectCode(engram.agent(42 as never), 'INVALID_ARGUMENT');
    expect(await engram.list()).toEqual([]);
  });

  it('keeps at most maxOpenAgents handles open and reopens evicted agents transparently', async () => {
    const engram = await openEngram(driver, { maxOpenAgents: 3 });
    const agents = [];
    for (let i = 0; i < 8; i++) {
      const a = await engram.agent(`pool-${i}`);
      await a.memories.remember({ text: `memory of agent ${i}` });
      agents.push(a);
    }
    await new Promise((r) => setTimeout(r, 20));
    expect(engram.openAgents).toBeLessThanOrEqual(3);
    for (const [i, a] of agents.entries()) {
      expect((await a.memories.list()).map((m) => m.text)).toEqual([`memory of agent ${i}`]);
    }
  });

  it('opens many agents in a loop without leaking file descriptors', async () => {
    const fds = () => readdirSync('/proc/self/fd').length;
    const engram = await openEngram(driver, { maxOpenAgents: 16 });
    const before = fds();
    for (let i = 0; i < 300; i++) {
      const a = await engram.agent(`loop-${i}`);
      await a.memories.remember({ text: `memory ${i}` });
      if (i % 50 === 0) expect((await a.memories.recall(`memory ${i}`, { limit: 1 }))[0]!.memory.text).toBe(`memory ${i}`);
    }
    await new Promise((r) => setTimeout(r, 50));
    expect(engram.openAgents).toBeLessThanOrEqual(16);
    // a turso handle holds up to 5 descriptors (db, WAL, shared-memory file...): bounded by the pool, not by 300
    expect(fds() - before).toBeLessThan(16 * 6 + 8);
    expect((await engram.list()).length).toBe(300);
    await engram.close();
    expect(fds() - before).toBeLessThan(8);
  });

  it('closes idle handles', async () => {
    const engram = await openEngram(driver, { idleTimeoutMs: 300 });
    const a = await engram.agent('idle');
    await a.memories.remember({ text: 'still here' });
    expect(engram.openAgents).toBe(1);
    await new Promise((r) => setTimeout(r, 900));
    expect(engram.openAgents).toBe(0);
    expect((await a.memories.list())[0]!.text).toBe('still here');
  });

  it('exports a consistent copy that opens as an agent database', async () => {
    const engram = await openEngram(driver);
    const a = await engram.agent('exp');
    await a.memories.remember([{ text: 'first' }, { text: 'second' }]);
    const out = join(tempDir(), 'exp-copy.db');
    const result = await engram.export('exp', out);
    expect(result.files[0]).toBe(out);
    expect(result.bytes).toBeGreaterThan(0);
    await expectCode(engram.export('exp', out), 'CONFLICT');
    // Place the copy as another agent's file and read it back.
    const other = await Engram.open({ dir: tempDir(), driver, embedder: new HashEmbedder({ dims: 64 }) });
    const target = agentPath(other.root, 'exp');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, readFileSync(out));
    if (result.files[1]) writeFileSync(`${target}-wal`, readFileSync(result.files[1]));
    const copy = await other.agent('exp');
    expect((await copy.memories.list({ order: 'oldest' })).map((m) => m.text)).toEqual(['first', 'second']);
    await other.close();
  });

  it('records the embedder and refuses a different one until re-embedded', async () => {
    const dir = tempDir();
    const first = await Engram.open({ dir, driver, embedder: new HashEmbedder({ dims: 64 }) });
    const a = await first.agent('emb');
    await a.memories.remember([{ text: 'red apples and green pears' }, { text: 'fast cars on the highway' }]);
    await first.close();

    const second = await Engram.open({ dir, driver, embedder: new HashEmbedder({ dims: 32 }) });
    const err = await expectCode(second.agent('emb'), 'EMBEDDER_MISMATCH');
    expect(err.message).toContain('reembed');
    // an agent without vectors just adopts the new embedder
    expect((await (await second.agent('fresh')).info()).embedder).toEqual({ id: 'hash-32@1', dims: 32 });
    const progress: number[] = [];
    expect(await second.reembed('emb', { onProgress: (p) => progress.push(p.done) })).toBe(2);
    expect(progress.at(-1)).toBe(2);
    const b = await second.agent('emb');
    expect((await b.info()).embedder).toEqual({ id: 'hash-32@1', dims: 32 });
    expect((await b.memories.recall('green pears', { mode: 'vector', limit: 1 }))[0]!.memory.text).toContain('pears');
    await second.close();
  });

  it('refuses a file that is not an agent database and leaves it unchanged', async () => {
    const engram = await openEngram(driver);
    const path = engram.pathOf('junk');
    mkdirSync(dirname(path), { recursive: true });
    const junk = Buffer.from('this is not a database '.repeat(400));
    writeFileSync(path, junk);
    await expectCode(engram.agent('junk'), 'CORRUPT');
    expect(readFileSync(path).equals(junk)).toBe(true);
  });

  it("refuses to open another engine's agent database", async () => {
    const dir = tempDir();
    const other = driver === 'turso' ? 'sqlite' : 'turso';
    const first = await Engram.open({ dir, driver: other, embedder: new HashEmbedder({ dims: 64 }) });
    await (await first.agent('mixed')).memories.remember({ text: 'made elsewhere' });
    await first.close();
    const second = await Engram.open({ dir, driver, embedder: new HashEmbedder({ dims: 64 }) });
    const err = await second.agent('mixed').catch((e: unknown) => e as { code: string });
    expect(['ENGINE_MISMATCH', 'CORRUPT']).toContain((err as { code: string }).code);
    await second.close();
  });

  it('rejects bad options', async () => {
    await expectCode(Engram.open({} as never), 'INVALID_ARGUMENT');
    await expectCode(Engram.open({ dir: tempDir(), driver: 'postgres' as never }), 'INVALID_ARGUMENT');
    await expectCode(Engram.open({ dir: tempDir(), embedder: { id: 'x', dims: 0, embed: async () => [] } }), 'INVALID_ARGUMENT');
    const engram = await openEngram(driver);
    await expectCode(engram.agent('k', { encryptionKey: 'short' }), driver === 'turso' ? 'INVALID_ARGUMENT' : 'UNSUPPORTED');
  });

  it('closes every handle on close() and refuses use afterwards', async () => {
    const engram = await Engram.open({ dir: tempDir(), driver, embedder: new HashEmbedder({ dims: 64 }) });
    const a = await engram.agent('c');
    await a.memories.remember({ text: 'x' });
    await engram.close();
    expect(engram.openAgents).toBe(0);
    await expectCode(engram.agent('c'), 'CLOSED');
    // checkpointed on close: the WAL is empty or gone
    const wal = `${engram.pathOf('c')}-wal`;
    expect(!existsSync(wal) || statSync(wal).size === 0).toBe(true);
  });
});

describe('encryption at rest (turso)', () => {
  it('encrypts the agent file and needs the key to open it', async () => {
    const dir = tempDir();
    const key = 'ab'.repeat(32);
    const engram = await Engram.open({ dir, driver: 'turso', embedder: new HashEmbedder({ dims: 64 }) });
    const a = await engram.agent('secret', { encryptionKey: key });
    await a.memories.remember({ text: 'the vault code is plaintext-canary-8812' });
    expect((await a.memories.recall('vault code', { mode: 'text' }))[0]!.memory.text).toContain('canary');
    await engram.close();
    for (const f of [engram.pathOf('secret'), `${engram.pathOf('secret')}-wal`]) {
      if (existsSync(f)) expect(readFileSync(f).includes('plaintext-canary-8812')).toBe(false);
    }
    const noKey = await Engram.open({ dir, driver: 'turso', embedder: new HashEmbedder({ dims: 64 }) });
    const err = await expectCode(noKey.agent('secret'), 'CORRUPT');
    expect(err.message).toContain('encryptionKey');
    await expectCode(noKey.agent('secret', { encryptionKey: 'cd'.repeat(32) }), 'INVALID_ARGUMENT');
    const ok = await noKey.agent('secret', { encryptionKey: key });
    expect(await ok.memories.count()).toBe(1);
    await noKey.close();
  });
});

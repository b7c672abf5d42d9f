/**
 * Inputs that used to be changed silently or mislabelled: NaN in metadata, unpaired surrogates,
 * zero and huge vectors, a key given for a plaintext agent, Windows device names as ids.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Engram } from '../src/engram.js';
import { FunctionEmbedder } from '../src/embedders/function-embedder.js';
import { HashEmbedder } from '../src/embedders/hash-embedder.js';
import type { Embedder } from '../src/embedders/types.js';
import { DRIVER_NAMES, expectCode, openEngram, tempDir } from './helpers.js';

const LONE = 'half an emoji: \ud83d';

describe.each(DRIVER_NAMES)('input checks (%s)', (driver) => {
  it('refuses metadata that JSON would change (NaN, Infinity, functions), as kv does', async () => {
    const engram = await openEngram(driver);
    const agent = await engram.agent('meta-nan');
    for (const metadata of [{ x: NaN }, { x: Infinity }, { nested: { y: -Infinity } }, { f: () => 1 }, { m: new Map() }]) {
      await expectCode(agent.memories.remember({ text: 'm', metadata }), 'INVALID_ARGUMENT');
      await expectCode(agent.kv.set('k', metadata), 'INVALID_ARGUMENT');
    }
    const m = await agent.memories.remember({ text: 'kept', metadata: { x: 1 } });
    await expectCode(agent.memories.update(m.id, { metadata: { x: NaN } }), 'INVALID_ARGUMENT');
    expect((await agent.memories.get(m.id))!.metadata).toEqual({ x: 1 });
    expect(await agent.memories.count()).toBe(1);
  });

  it('refuses text with an unpaired surrogate instead of storing U+FFFD', async () => {
    const engram = await openEngram(driver);
    const agent = await engram.agent('surrogates');
    await expectCode(agent.memories.remember({ text: LONE }), 'INVALID_ARGUMENT');
    await expectCode(agent.memories.remember({ text: 'ok', context: LONE }), 'INVALID_ARGUMENT');
    await expectCode(agent.memories.remember({ text: 'ok', tags: [LONE] }), 'INVALID_ARGUMENT');
    await expectCode(agent.memories.remember({ text: 'ok', source: LONE }), 'INVALID_ARGUMENT');
    await expectCode(agent.files.writeFile('/a.md', LONE), 'INVALID_ARGUMENT');
    await expectCode(agent.files.writeFile(`/${LONE}.md`, 'x'), 'INVALID_ARGUMENT');
    await expectCode(agent.tasks.create({ title: LONE }), 'INVALID_ARGUMENT');
    await expectCode(agent.actions.record({ name: LONE, output: 1 }), 'INVALID_ARGUMENT');
    const task = await agent.tasks.create({ title: 'fails with emoji' });
    await expectCode(agent.tasks.fail(task.id, { error: LONE }), 'INVALID_ARGUMENT');
    // A long error is cut before its limit without splitting an emoji in two.
    const failed = await agent.tasks.fail(task.id, { error: `${'x'.repeat(4094)}😀😀` });
    expect(failed.error!.endsWith('x…')).toBe(true);
    expect(await agent.memories.count()).toBe(0);
    expect(await agent.files.readdir('/')).toEqual([]);
    // Whole pairs are fine and come back as given.
    const m = await agent.memories.remember({ text: 'a whole emoji 😀', tags: ['😀'] });
    expect((await agent.memories.get(m.id))!.text).toBe('a whole emoji 😀');
    await agent.files.writeFile('/😀.md', 'emoji 😀');
    expect(await agent.files.readFile('/😀.md', 'utf8')).toBe('emoji 😀');
  });

  it('refuses a zero vector for file passages as for memories', async () => {
    const hash = new HashEmbedder({ dims: 16 });
    const zeroing: Embedder = {
      id: 'zeroing',
      dims: 16,
      embed: async (texts) => (await hash.embed(texts)).map((v, i) => (texts[i]!.includes('ZERO') ? new Float32Array(16) : v)),
    };
    const engram = await openEngram(driver, { embedder: zeroing });
    const agent = await engram.agent('zero-vectors');
    await expectCode(agent.memories.remember({ text: 'ZERO' }), 'INVALID_ARGUMENT');
    await expectCode(agent.files.writeFile('/z.md', 'ZERO'), 'INVALID_ARGUMENT');
    expect(await agent.files.exists('/z.md')).toBe(false);
    await agent.files.writeFile('/fine.md', 'fine text');
    expect((await agent.files.search('fine', { mode: 'vector' })).length).toBe(1);
  });

  it('refuses Windows device names as agent ids and branch names', async () => {
    const engram = await openEngram(driver);
    for (const id of ['con', 'nul', 'aux', 'prn', 'com1', 'com9', 'lpt1', 'lpt0']) {
      await expectCode(engram.agent(id), 'INVALID_ARGUMENT');
      expect(() => engram.pathOf(id)).toThrow(/Windows/);
    }
    for (const ok of ['console', 'con1', 'com10', 'nully', 'aux-2']) expect((await engram.agent(ok)).id).toBe(ok);
    const agent = await engram.agent('has-branches');
    await expectCode(agent.branches.create('con'), 'INVALID_ARGUMENT');
    await expectCode(agent.snapshots.create('lpt1'), 'INVALID_ARGUMENT');
    expect(await engram.list()).toEqual(['aux-2', 'com10', 'con1', 'console', 'has-branches', 'nully']);
  });
});

describe('FunctionEmbedder with extreme values', () => {
  it('normalises 1e300 and 1e-300 values instead of calling them a zero vector', async () => {
    const big = new FunctionEmbedder(async (t) => t.map(() => [1e300, -1e300, 0, 5e299]), { id: 'big', dims: 4 });
    const [v] = await big.embed(['x']);
    expect(Array.from(v!).map((x) => Math.round(x * 1000) / 1000)).toEqual([0.667, -0.667, 0, 0.333]);
    const tiny = new FunctionEmbedder(async (t) => t.map(() => [1e-300, 0, 0, 0]), { id: 'tiny', dims: 4 });
    expect(Array.from((await tiny.embed(['x']))[0]!)).toEqual([1, 0, 0, 0]);
    const zero = new FunctionEmbedder(async (t) => t.map(() => [0, 0, 0, 0]), { id: 'zero', dims: 4 });
    await expect(zero.embed(['x'])).rejects.toThrow(/zero vector/);
    const raw = new FunctionEmbedder(async (t) => t.map(() => [1e300, 0, 0, 0]), { id: 'raw', dims: 4, normalize: false });
    await expect(raw.embed(['x'])).rejects.toThrow(/does not fit a 32-bit float/);
  });
});

describe('encryption keys (turso)', () => {
  it('says a plaintext agent is not encrypted when opened with a key', async () => {
    const dir = tempDir();
    const embedder = new HashEmbedder({ dims: 16 });
    const first = await Engram.open({ dir, driver: 'turso', embedder });
    await (await first.agent('plain')).memories.remember({ text: 'hello' });
    await (await first.agent('sealed', { encryptionKey: 'ab'.repeat(32) })).memories.remember({ text: 'hello' });
    await first.close();
    const engram = await Engram.open({ dir, driver: 'turso', embedder });
    const err = await expectCode(engram.agent('plain', { encryptionKey: 'cd'.repeat(32) }), 'INVALID_ARGUMENT');
    expect(err.message).toMatch(/not encrypted/);
    expect(err.message).not.toMatch(/wrong/);
    const wrong = await expectCode(engram.agent('sealed', { encryptionKey: 'cd'.repeat(32) }), 'INVALID_ARGUMENT');
    expect(wrong.message).toMatch(/wrong encryption key/);
    await engram.close();
    const again = await Engram.open({ dir, driver: 'turso', embedder });
    expect(await (await again.agent('plain')).memories.count()).toBe(1);
    await again.close();
  });
});

describe.each(DRIVER_NAMES)('agent objects (%s)', (driver) => {
  it('are not kept for every id ever opened, but stay the same object while held', async () => {
    const script = fileURLToPath(new URL('./fixtures/agent-objects.mjs', import.meta.url));
    const out = execFileSync(process.execPath, ['--expose-gc', script, tempDir(), driver, '50'], { encoding: 'utf8' });
    const { held, same } = JSON.parse(out) as { held: number; same: boolean };
    expect(same).toBe(true);
    expect(held).toBeLessThan(10); // 51 agents were opened
  });

  it('forget a key that failed to open the agent', async () => {
    if (driver !== 'turso') return;
    const engram = await openEngram(driver);
    await (await engram.agent('plain-2')).memories.remember({ text: 'x' });
    await engram.agent('plain-2').then((a) => a.close());
    await expectCode(engram.agent('plain-2', { encryptionKey: 'ef'.repeat(32) }), 'INVALID_ARGUMENT');
    expect(await (await engram.agent('plain-2')).memories.count()).toBe(1);
  });
});

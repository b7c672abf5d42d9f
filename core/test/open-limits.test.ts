/**
 * How many agents an Engram keeps open by default (sized per engine: a Turso handle costs
 * several MB) and the checks on its count and duration options.
 */
import { describe, expect, it } from 'vitest';
import { Engram } from '../src/engram.js';
import { HashEmbedder } from '../src/embedders/hash-embedder.js';
import { DEFAULT_MAX_OPEN_AGENTS, DEFAULT_MAX_OPEN_BYTES, HANDLE_MEMORY } from '../src/runtime/open-limits.js';
import { DRIVER_NAMES, expectCode, openEngram, tempDir } from './helpers.js';

describe.each(DRIVER_NAMES)('open limits (%s)', (driver) => {
  it('keeps at most the engine default of agents open', async () => {
    expect(DEFAULT_MAX_OPEN_AGENTS).toEqual({ turso: 64, sqlite: 256 });
    const engram = await openEngram(driver);
    const max = DEFAULT_MAX_OPEN_AGENTS[driver];
    const n = driver === 'turso' ? max + 6 : 12; // sqlite's 256 is not reached here
    for (let i = 0; i < n; i++) await engram.agent(`a-${i}`);
    await new Promise((r) => setTimeout(r, 50)); // eviction closes handles in the background
    expect(engram.openAgents).toBe(Math.min(n, max));
  }, 120_000);

  it('refuses counts and durations that are not sane, before creating anything', async () => {
    const embedder = new HashEmbedder({ dims: 16 });
    for (const bad of [
      { maxOpenAgents: 0 },
      { maxOpenAgents: 1.5 },
      { maxOpenBytes: 0 },
      { maxOpenBytes: -1 },
      { maxOpenBytes: 1.5 },
      { maxOpenBytes: NaN },
      { maxOpenBytes: Infinity },
      { maxOpenBytes: '1000000' as unknown as number },
      { idleTimeoutMs: 1e20 },
      { idleTimeoutMs: -1 },
      { idleTimeoutMs: NaN },
      { lockTimeoutMs: NaN },
      { lockTimeoutMs: Infinity },
      { lockTimeoutMs: 8.64e15 },
    ]) {
      await expectCode(Engram.open({ dir: tempDir(), driver, embedder, ...bad }), 'INVALID_ARGUMENT');
    }
    const fine = await Engram.open({ dir: tempDir(), driver, embedder, idleTimeoutMs: 2 ** 31 - 1, lockTimeoutMs: 0 });
    await (await fine.agent('x')).kv.set('k', 1);
    await fine.close();
  });

  it('keeps the estimated memory of open handles within maxOpenBytes', async () => {
    const probe = await openEngram(driver);
    await probe.agent('probe');
    const one = probe.openAgentBytes;
    // An empty agent: the engine's base cost plus its small file.
    expect(one).toBeGreaterThanOrEqual(HANDLE_MEMORY[driver].base);
    expect(one).toBeLessThan(HANDLE_MEMORY[driver].base + 2 ** 20);
    await probe.close();

    const budget = Math.floor(one * 2.5);
    const engram = await openEngram(driver, { maxOpenBytes: budget });
    for (let i = 0; i < 6; i++) await (await engram.agent(`a-${i}`)).kv.set('n', i);
    await new Promise((r) => setTimeout(r, 50)); // eviction closes handles in the background
    expect(engram.openAgents).toBe(2);
    expect(engram.openAgentBytes).toBeLessThanOrEqual(budget);
    // Evicted agents reopen transparently, their data intact.
    for (let i = 0; i < 6; i++) expect(await (await engram.agent(`a-${i}`)).kv.get('n')).toBe(i);
    await new Promise((r) => setTimeout(r, 50));
    expect(engram.openAgents).toBe(2);
  });

  it('keeps the most recent agent open even when it alone exceeds maxOpenBytes', async () => {
    const engram = await openEngram(driver, { maxOpenBytes: 1 });
    const a = await engram.agent('a');
    await a.kv.set('k', 'a');
    await new Promise((r) => setTimeout(r, 50));
    expect(engram.openAgents).toBe(1);
    const b = await engram.agent('b');
    await b.kv.set('k', 'b');
    await new Promise((r) => setTimeout(r, 50));
    expect(engram.openAgents).toBe(1);
    expect(await a.kv.get('k')).toBe('a');
    expect(await b.kv.get('k')).toBe('b');
  });

  it('estimates a larger agent as costing more memory, and defaults the budget', async () => {
    expect(DEFAULT_MAX_OPEN_BYTES).toBe(512 * 2 ** 20);
    const engram = await openEngram(driver, { maxOpenAgents: 1 });
    await engram.agent('empty');
    const empty = engram.openAgentBytes;
    const big = await engram.agent('big');
    await big.memories.remember(Array.from({ length: 400 }, (_, i) => ({ text: `memory number ${i} about the garden and the budget` })));
    await engram.close();
    const again = await openEngram(driver, { maxOpenAgents: 1, dir: engram.root });
    await again.agent('big');
    expect(again.openAgentBytes).toBeGreaterThan(empty + 50_000);
  });
});

/**
 * How many agents an Engram keeps open by default (sized per engine: a Turso handle costs
 * several MB) and the checks on its count and duration options.
 */
import { describe, expect, it } from 'vitest';
import { Engram } from '../src/engram.js';
import { HashEmbedder } from '../src/embedders/hash-embedder.js';
import { DEFAULT_MAX_OPEN_AGENTS } from '../src/runtime/open-limits.js';
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
});

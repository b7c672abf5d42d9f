/**
 * A freshly opened handle learns that an agent is small from its file size (too small to hold
 * INDEX_MIN_VECTORS vectors) instead of a statement; an agent that grew past that, through this
 * handle or another Engram, must still get its first-pass index.
 */
import { describe, expect, it } from 'vitest';
import { Engram } from '../src/engram.js';
import { HashEmbedder } from '../src/embedders/hash-embedder.js';
import type { Agent } from '../src/agent.js';
import type { DriverName } from '../src/drivers/types.js';
import type { AgentState } from '../src/runtime/agent-state.js';
import { INDEX_MIN_VECTORS } from '../src/search/vector-index-store.js';
import { vectorCache } from '../src/search/vector-cache.js';
import { DRIVER_NAMES, onCleanup, tempDir } from './helpers.js';

const dims = 16;
const open = async (dir: string, driver: DriverName) => {
  const engram = await Engram.open({ dir, driver, embedder: new HashEmbedder({ dims }), maxOpenAgents: 1 });
  onCleanup(() => engram.close());
  return engram;
};
const state = (agent: Agent): Promise<AgentState> => agent.use(async (s) => s);
const grow = async (agent: Agent, n: number) => {
  for (let i = 0; i < n; i += 1000) {
    await agent.memories.remember(Array.from({ length: Math.min(1000, n - i) }, (_, j) => ({ text: `filler ${i + j} about kelp` })));
  }
};
/** Closes the agent's handle: maxOpenAgents is 1, so opening another evicts it. */
const reopen = async (engram: Engram) => {
  await engram.agent('other');
  await new Promise((r) => setTimeout(r, 50));
};

describe.each(DRIVER_NAMES)('first recall on a fresh handle (%s)', (driver) => {
  it('knows a small agent without asking, and still indexes one that grew on this handle or elsewhere', async () => {
    const dir = tempDir();
    const engram = await open(dir, driver);
    const agent = await engram.agent('a');
    const [cat] = (await agent.memories.remember([{ text: 'the cat sleeps on the windowsill' }, { text: 'quarterly revenue grew' }])) as {
      id: string;
    }[];
    await reopen(engram);

    const first = await agent.memories.recall('cat windowsill', { limit: 1 });
    expect(first[0]!.memory.id).toBe(cat!.id);
    let s = await state(agent);
    expect(vectorCache(s).index).toBeUndefined();
    expect(vectorCache(s).smallAtVersion).toBe(String(s.meta.vectors_version));

    // Grown past the threshold by another Engram: this handle's next recall sees the new version.
    const other = await open(dir, driver);
    await grow(await other.agent('a'), INDEX_MIN_VECTORS + 50);
    await other.close();
    expect((await agent.memories.recall('cat windowsill', { limit: 1 }))[0]!.memory.id).toBe(cat!.id);
    s = await state(agent);
    expect(vectorCache(s).index?.size).toBe(INDEX_MIN_VECTORS + 52);

    // Grown on a fresh handle before its first recall: the file size says large.
    await engram.agent('b').then((b) => b.memories.remember({ text: 'seed' }));
    const b = await engram.agent('b');
    await reopen(engram);
    await grow(b, INDEX_MIN_VECTORS + 10);
    await b.memories.recall('kelp', { limit: 3 });
    expect(vectorCache(await state(b)).index?.size).toBe(INDEX_MIN_VECTORS + 11);
  }, 120_000);
});

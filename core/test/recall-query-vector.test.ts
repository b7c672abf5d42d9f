import { describe, expect, it } from 'vitest';
import { HashEmbedder } from '../src/embedders/hash-embedder.js';
import { DRIVER_NAMES, expectCode, openEngram } from './helpers.js';

describe.each(DRIVER_NAMES)('recall with a queryVector on %s', (driver) => {
  it('ranks by the given vector, with filters applied before the cut', async () => {
    const engram = await openEngram(driver);
    const agent = await engram.agent('qv');
    const texts = ['the cat sleeps on the windowsill', 'quarterly revenue grew', 'the dog barks at the mailman', 'cats purr when happy'];
    const stored = await agent.memories.remember(texts.map((text, i) => ({ text, metadata: { n: i } })));
    const [cat] = await new HashEmbedder({ dims: 64 }).embed(['the cat sleeps on the windowsill']);

    const byVector = await agent.memories.recall('', { mode: 'vector', queryVector: Array.from(cat!), limit: 2 });
    const byText = await agent.memories.recall('the cat sleeps on the windowsill', { mode: 'vector', limit: 2 });
    expect(byVector.map((r) => r.memory.id)).toEqual(byText.map((r) => r.memory.id));
    expect(byVector[0]!.memory.id).toBe(stored[0]!.id);
    expect(byVector[0]!.parts.vector!.similarity).toBeCloseTo(1, 5);

    const filtered = await agent.memories.recall('', { mode: 'vector', queryVector: cat!, metadata: { n: { $gte: 1 } }, limit: 1 });
    expect(filtered.map((r) => r.memory.metadata.n)).not.toContain(0);
    expect(filtered).toHaveLength(1);

    const hybrid = await agent.memories.recall('purr', { queryVector: cat!, limit: 4 });
    expect(hybrid.map((r) => r.memory.id)).toContain(stored[3]!.id);
  });

  it('refuses a wrong size, a text-mode vector and an empty query without one', async () => {
    const engram = await openEngram(driver);
    const agent = await engram.agent('qv-bad');
    await agent.memories.remember({ text: 'something' });
    await expectCode(agent.memories.recall('', { mode: 'vector', queryVector: [1, 2, 3] }), 'INVALID_ARGUMENT');
    await expectCode(agent.memories.recall('x', { mode: 'text', queryVector: new Array(64).fill(1) }), 'INVALID_ARGUMENT');
    await expectCode(agent.memories.recall('', { mode: 'vector', queryVector: new Array(64).fill(0) }), 'INVALID_ARGUMENT');
    await expectCode(agent.memories.recall('', { mode: 'vector' }), 'INVALID_ARGUMENT');
  });
});

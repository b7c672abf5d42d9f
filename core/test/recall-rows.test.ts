/**
 * Recall's memory rows on a small agent: the exact vector scan reads the rows it ranks and
 * recall reads only the others (text-only candidates), so every result must carry the stored
 * memory exactly as get() returns it, whichever retriever found it, on a fresh handle and a warm one.
 */
import { describe, expect, it } from 'vitest';
import { DRIVER_NAMES, openEngram } from './helpers.js';

describe.each(DRIVER_NAMES)('recall rows on a small agent (%s)', (driver) => {
  it('returns the stored memories, from the vector scan and from the text index alike', async () => {
    const engram = await openEngram(driver, { maxOpenAgents: 1 });
    const agent = await engram.agent('rows');
    // 80 memories: more than the 30 candidates each retriever brings for limit 10, so the text
    // index finds memories outside the vector list.
    const stored = await agent.memories.remember(
      Array.from({ length: 80 }, (_, i) => ({
        text: i % 20 === 7 ? `zebra crossing number ${i}` : `note ${i} about ${['tea', 'trains', 'taxes', 'tulips'][i % 4]} and more`,
        context: `ctx ${i}`,
        tags: [`t${i % 3}`],
        metadata: { n: i },
        importance: (i % 10) / 10,
      })),
    );
    expect(stored).toHaveLength(80);
    const check = async () => {
      const results = await agent.memories.recall('zebra crossing', { limit: 10 });
      const zebras = results.filter((r) => r.memory.text.startsWith('zebra'));
      expect(zebras).toHaveLength(4);
      expect(zebras.every((r) => r.parts.text !== undefined)).toBe(true);
      for (const r of results) expect(r.memory).toEqual(await agent.memories.get(r.memory.id));
      const vectorOnly = await agent.memories.recall('tea trains', { mode: 'vector', limit: 5, tags: ['t1'] });
      expect(vectorOnly).toHaveLength(5);
      for (const r of vectorOnly) {
        expect(r.memory.tags).toEqual(['t1']);
        expect(r.memory).toEqual(await agent.memories.get(r.memory.id));
      }
    };
    await check(); // warm handle
    await engram.agent('other'); // maxOpenAgents 1: closes 'rows'
    await new Promise((r) => setTimeout(r, 50));
    await check(); // freshly opened handle
  });
});

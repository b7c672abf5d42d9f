import { HashEmbedder } from '@engram/core';
import { describe, expect, it } from 'vitest';
import { EngramEmbeddings, fromLangChainEmbeddings } from '../src/embeddings.js';
import { DRIVER_NAMES, WordHashEmbeddings, expectCode, openEngram } from './helpers.js';

describe('embeddings both ways', () => {
  it('EngramEmbeddings embeds documents and queries with an Engram embedder', async () => {
    const embedder = new HashEmbedder({ dims: 16 });
    const embeddings = new EngramEmbeddings(embedder);
    const [doc] = await embeddings.embedDocuments(['green tea']);
    expect(doc).toEqual(Array.from((await embedder.embed(['green tea']))[0]!));
    expect(await embeddings.embedQuery('green tea')).toEqual(doc);
    expect(await embeddings.embedDocuments([])).toEqual([]);
  });

  it('fromLangChainEmbeddings checks and normalises what the model returns', async () => {
    const embedder = fromLangChainEmbeddings(new WordHashEmbeddings(8), { id: 'word-hash@1', dims: 8 });
    expect(embedder.id).toBe('word-hash@1');
    const [v] = await embedder.embed(['tea tea']);
    expect(Math.hypot(...v!)).toBeCloseTo(1, 5);
    await expectCode(fromLangChainEmbeddings(new WordHashEmbeddings(8), { id: 'x', dims: 9 }).embed(['tea']), 'INVALID_ARGUMENT');
    const own = new HashEmbedder({ dims: 16 });
    expect(fromLangChainEmbeddings(new EngramEmbeddings(own), { id: own.id, dims: 16 })).toBe(own);
  });

  it.each(DRIVER_NAMES)('an Engram on %s embeds memories with a LangChain model', async (driver) => {
    const engram = await openEngram(driver, {
      embedder: fromLangChainEmbeddings(new WordHashEmbeddings(64), { id: 'word-hash@1', dims: 64 }),
    });
    const agent = await engram.agent('lc-embedded');
    await agent.memories.remember([{ text: 'Alice prefers green tea' }, { text: 'Bob rides a red bike' }]);
    const [best] = await agent.memories.recall('green tea', { mode: 'vector', limit: 1 });
    expect(best!.memory.text).toBe('Alice prefers green tea');
    expect((await agent.info()).embedder).toEqual({ id: 'word-hash@1', dims: 64 });
  });
});

import { Document } from '@langchain/core/documents';
import { maximalMarginalRelevance } from '@langchain/core/utils/math';
import { FakeVectorStore } from '@langchain/core/utils/testing';
import { describe, expect, it } from 'vitest';
import { fromLangChainEmbeddings } from '../src/embeddings.js';
import { EngramVectorStore } from '../src/vector-store.js';
import { DRIVER_NAMES, WordHashEmbeddings, expectCode, openEngram } from './helpers.js';

const DOCS = [
  { pageContent: 'cats purr and sleep in the sun', metadata: { topic: 'pets', n: 1 } },
  { pageContent: 'dogs bark at the mail carrier', metadata: { topic: 'pets', n: 2 } },
  { pageContent: 'the stock market fell on monday', metadata: { topic: 'finance', n: 3 } },
  { pageContent: 'interest rates rise again as markets wobble', metadata: { topic: 'finance', n: 4 } },
  { pageContent: 'a cat chased the neighbour dog up a tree', metadata: { topic: 'pets', n: 5 } },
  { pageContent: 'bake bread with flour water salt and yeast', metadata: { topic: 'cooking', n: 6 } },
  { pageContent: 'the sun sets late in june', metadata: { topic: 'weather', n: 7 } },
  { pageContent: 'sleep well: cats nap sixteen hours a day', metadata: { topic: 'pets', n: 8 } },
];
const QUERIES = ['cats sleeping in the sun', 'market rates', 'how to bake bread', 'dog and cat'];

/** An agent whose embedder is the same LangChain embeddings the stores use. */
async function setup(driver: (typeof DRIVER_NAMES)[number]) {
  const embeddings = new WordHashEmbeddings(256);
  const engram = await openEngram(driver, { embedder: fromLangChainEmbeddings(embeddings, { id: 'word-hash@1', dims: 256 }) });
  const agent = await engram.agent('docs');
  return { embeddings, agent };
}

const round = (pairs: [{ pageContent: string }, number][]) => pairs.map(([d, s]) => [d.pageContent, Number(s.toFixed(5))] as const);

/**
 * Same scores in the same order, and the same documents wherever the reference has no tie
 * (the reference holds one result more than `actual`, to see ties across the cut).
 */
function expectSameRanking(actual: [{ pageContent: string }, number][], reference: [{ pageContent: string }, number][]) {
  const a = round(actual);
  const r = round(reference);
  expect(a.map(([, s]) => s)).toEqual(r.slice(0, a.length).map(([, s]) => s));
  a.forEach((_, i) => {
    if (r.filter(([, s]) => s === r[i]![1]).length === 1) expect(a[i]![0]).toBe(r[i]![0]);
  });
}

describe.each(DRIVER_NAMES)('EngramVectorStore on %s', (driver) => {
  it('gives the same top results and scores as LangChain in-memory store', async () => {
    const { embeddings, agent } = await setup(driver);
    const engram = await EngramVectorStore.fromDocuments(
      DOCS.map((d) => new Document(d)),
      embeddings,
      { agent },
    );
    const memory = await FakeVectorStore.fromDocuments(
      DOCS.map((d) => new Document(d)),
      embeddings,
    );
    for (const q of QUERIES) {
      expectSameRanking(await engram.similaritySearchWithScore(q, 3), await memory.similaritySearchWithScore(q, 4));
    }
    const docs = await engram.similaritySearch('cats sleeping in the sun', 2);
    expect(docs[0]!.metadata).toEqual({ topic: 'pets', n: 1 });
    expect(docs[0]!.id).toMatch(/^mem_/);
  });

  it('applies metadata filters before the top-k cut, like a filtered in-memory search', async () => {
    const { embeddings, agent } = await setup(driver);
    const engram = await EngramVectorStore.fromDocuments(
      DOCS.map((d) => new Document(d)),
      embeddings,
      { agent },
    );
    const memory = await FakeVectorStore.fromDocuments(
      DOCS.map((d) => new Document(d)),
      embeddings,
    );
    const finance = (d: Document) => d.metadata.topic === 'finance';
    const got = await engram.similaritySearchWithScore('cats sleeping in the sun', 2, { topic: 'finance' });
    expect(got).toHaveLength(2);
    expectSameRanking(got, await memory.similaritySearchWithScore('cats sleeping in the sun', 3, finance as never));
    const ranged = await engram.similaritySearch('cats', 8, { n: { $gte: 5 }, topic: { $in: ['pets', 'weather'] } });
    expect(ranged.map((d) => d.metadata.n).sort()).toEqual([5, 7, 8]);
  });

  it('searches by maximal marginal relevance over stored candidates', async () => {
    const { embeddings, agent } = await setup(driver);
    const twin = { pageContent: 'cats purr and sleep in the sun', metadata: { topic: 'pets', n: 9 } };
    const store = await EngramVectorStore.fromDocuments(
      [...DOCS, twin].map((d) => new Document(d)),
      embeddings,
      { agent },
    );
    const similar = await store.similaritySearch('cats purr and sleep in the sun', 2);
    expect(similar.map((d) => d.pageContent)).toEqual([twin.pageContent, twin.pageContent]);
    const diverse = await store.maxMarginalRelevanceSearch('cats purr and sleep in the sun', { k: 2, fetchK: 6, lambda: 0.3 });
    expect(diverse[0]!.pageContent).toBe(twin.pageContent);
    expect(diverse[1]!.pageContent).not.toBe(twin.pageContent);
    // Same picks as LangChain's own MMR over the same candidates.
    const query = await embeddings.embedQuery('cats purr and sleep in the sun');
    const candidates = await store.similaritySearchVectorWithScore(query, 6);
    const picks = maximalMarginalRelevance(query, await embeddings.embedDocuments(candidates.map(([d]) => d.pageContent)), 0.3, 2);
    expect(diverse.map((d) => d.id)).toEqual(picks.map((i) => candidates[i]![0].id));
    const retriever = store.asRetriever({ k: 2, searchType: 'mmr', searchKwargs: { fetchK: 6, lambda: 0.3 } });
    expect((await retriever.invoke('cats purr and sleep in the sun')).map((d) => d.id)).toEqual(diverse.map((d) => d.id));
  });

  it('keeps caller ids: replaces on re-add, deletes by id, by filter or all', async () => {
    const { embeddings, agent } = await setup(driver);
    const store = new EngramVectorStore(embeddings, { agent });
    const ids = await store.addDocuments(
      DOCS.slice(0, 3).map((d) => new Document(d)),
      { ids: ['a', 'b', 'c'] },
    );
    expect(ids).toEqual(['a', 'b', 'c']);
    expect(
      await store.addDocuments([new Document({ id: 'a', pageContent: 'cats now sleep indoors', metadata: { topic: 'pets' } })]),
    ).toEqual(['a']);
    const hits = await store.similaritySearch('cats sleep', 5);
    expect(hits.filter((d) => d.id === 'a').map((d) => d.pageContent)).toEqual(['cats now sleep indoors']);
    expect(hits.find((d) => d.id === 'a')!.metadata).toEqual({ topic: 'pets' });
    // A result's id works for replacing and deleting even when Engram chose it.
    const [auto] = await store.addDocuments([new Document({ pageContent: 'bake bread slowly', metadata: {} })]);
    const [found] = await store.similaritySearch('bake bread', 1);
    expect(found!.id).toBe(auto);
    await store.addDocuments([new Document({ ...found!, pageContent: 'bake bread quickly' })]);
    expect((await store.similaritySearch('bake bread', 5)).filter((d) => d.id === auto).map((d) => d.pageContent)).toEqual([
      'bake bread quickly',
    ]);

    await store.delete({ ids: ['a', auto!] });
    const left = await store.similaritySearch('cats sleep bread', 10);
    expect(left.map((d) => d.id).sort()).toEqual(['b', 'c']);
    expect(await agent.memories.count({ kinds: ['document'], includeSuperseded: true })).toBe(2);
    await store.delete({ filter: { topic: 'finance' } });
    expect((await store.similaritySearch('anything', 10)).map((d) => d.id)).toEqual(['b']);
    await store.delete({ deleteAll: true });
    expect(await store.similaritySearch('anything', 10)).toEqual([]);
  });

  it("uses the agent's own embedder when given no embeddings, and keeps other memories out", async () => {
    const engram = await openEngram(driver);
    const agent = await engram.agent('own');
    await agent.memories.remember({ text: 'Alice prefers green tea' });
    const store = await EngramVectorStore.fromTexts(['green tea is a drink', 'tea grows on bushes'], [{ a: 1 }, { a: 2 }], undefined, {
      agent,
    });
    const docs = await store.asRetriever({ k: 5 }).invoke('green tea');
    expect(docs.map((d) => d.pageContent).sort()).toEqual(['green tea is a drink', 'tea grows on bushes']);
    const facts = new EngramVectorStore(undefined, { agent, kind: 'fact' });
    expect((await facts.similaritySearch('green tea', 5)).map((d) => d.pageContent)).toEqual(['Alice prefers green tea']);
  });

  it('refuses wrong dimensions, bad filters and bad arguments without writing', async () => {
    const engram = await openEngram(driver); // hash embedder, 64 dimensions
    const agent = await engram.agent('bad');
    const store = new EngramVectorStore(new WordHashEmbeddings(32), { agent });
    const err = await expectCode(store.addDocuments([new Document({ pageContent: 'x', metadata: {} })]), 'INVALID_ARGUMENT');
    expect(err.message).toMatch(/32 dimensions.*64 dimensions.*fromLangChainEmbeddings/);
    await expectCode(store.similaritySearch('x', 4), 'INVALID_ARGUMENT');
    const own = new EngramVectorStore(undefined, { agent });
    await own.addDocuments([new Document({ pageContent: 'kept', metadata: { n: 1 } })]);
    await expectCode(own.similaritySearch('x', 4, { n: { $near: 1 } } as never), 'INVALID_ARGUMENT');
    await expectCode(own.similaritySearch('x', 4, { 'bad key!': 1 }), 'INVALID_ARGUMENT');
    await expectCode(own.similaritySearch('x', 0), 'INVALID_ARGUMENT');
    await expectCode(own.similaritySearch('x', 201), 'INVALID_ARGUMENT');
    await expectCode(own.addDocuments([new Document({ pageContent: 'y', metadata: { lc_id: 'z' } })]), 'INVALID_ARGUMENT');
    await expectCode(own.addDocuments([new Document({ pageContent: 'y', metadata: {} })], { ids: ['p', 'q'] }), 'INVALID_ARGUMENT');
    await expectCode(own.addVectors([[1, 2]], []), 'INVALID_ARGUMENT');
    await expectCode(own.delete({}), 'INVALID_ARGUMENT');
    await expectCode(own.delete({ filter: {} }), 'INVALID_ARGUMENT');
    expect(await agent.memories.count()).toBe(1);
  });
});

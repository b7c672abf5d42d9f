import {
  InMemoryStore,
  type GetOperation,
  type ListNamespacesOperation,
  type PutOperation,
  type SearchItem,
} from '@langchain/langgraph-checkpoint';
import { describe, expect, it } from 'vitest';
import { EngramStore } from '../src/store/engram-store.js';
import { DRIVER_NAMES, WordHashEmbeddings, expectCode, openEngram } from './helpers.js';

const ITEMS: [string[], string, Record<string, unknown>][] = [
  [['users', 'alice', 'memories'], 'tea', { text: 'Alice prefers green tea in the morning', kind: 'preference', score: 5 }],
  [['users', 'alice', 'memories'], 'city', { text: 'Alice lives in Lisbon near the river', kind: 'fact', score: 3 }],
  [['users', 'alice', 'profile'], 'name', { text: 'Alice Smith, engineer', kind: 'fact', score: 4 }],
  [['users', 'alice2', 'memories'], 'tea', { text: 'Alice2 hates green tea', kind: 'preference', score: 1 }],
  [['users', 'bob', 'memories'], 'coffee', { text: 'Bob drinks black coffee in the morning', kind: 'preference', score: 2 }],
  [['docs', 'v1'], 'readme', { text: 'How to install the river app', kind: 'doc', score: 0 }],
];

async function fill(store: { put: InMemoryStore['put'] }) {
  for (const [ns, key, value] of ITEMS) await store.put(ns, key, value);
}

const summary = (items: SearchItem[]) =>
  items.map((i) => [i.namespace.join('/'), i.key, i.score === undefined ? undefined : Number(i.score.toFixed(5))]);

describe.each(DRIVER_NAMES)('EngramStore on %s', (driver) => {
  async function agent(name = 'store') {
    return (await openEngram(driver)).agent(name);
  }

  it('puts, gets, updates and deletes items by namespace and key', async () => {
    const store = new EngramStore({ agent: await agent(), index: false });
    expect(await store.get(['users', 'alice'], 'tea')).toBeNull();
    await store.put(['users', 'alice'], 'tea', { text: 'green tea', n: 1 });
    const first = await store.get(['users', 'alice'], 'tea');
    expect(first).toMatchObject({ namespace: ['users', 'alice'], key: 'tea', value: { text: 'green tea', n: 1 } });
    expect(first!.createdAt).toBeInstanceOf(Date);
    await new Promise((r) => setTimeout(r, 5));
    await store.put(['users', 'alice'], 'tea', { text: 'oolong', n: 2 });
    const second = await store.get(['users', 'alice'], 'tea');
    expect(second!.value).toEqual({ text: 'oolong', n: 2 });
    expect(second!.createdAt).toEqual(first!.createdAt);
    expect(second!.updatedAt.getTime()).toBeGreaterThan(first!.updatedAt.getTime());
    expect(await store.get(['users'], 'tea')).toBeNull();
    await store.delete(['users', 'alice'], 'tea');
    expect(await store.get(['users', 'alice'], 'tea')).toBeNull();
  });

  it('searches a namespace prefix with filters, limit and offset, newest first', async () => {
    const store = new EngramStore({ agent: await agent(), index: false });
    await fill(store);
    const alice = await store.search(['users', 'alice']);
    expect(alice.map((i) => i.key)).toEqual(['name', 'city', 'tea']);
    expect(alice.every((i) => i.score === undefined)).toBe(true);
    expect((await store.search(['users'], { filter: { kind: 'preference' } })).map((i) => i.namespace[1])).toEqual([
      'bob',
      'alice2',
      'alice',
    ]);
    expect((await store.search([], { filter: { score: { $gte: 3, $lt: 5 } } })).map((i) => i.key)).toEqual(['name', 'city']);
    expect((await store.search(['users'], { filter: { kind: { $ne: 'fact' }, score: { $in: [1, 2, 5] } } })).map((i) => i.key)).toEqual([
      'coffee',
      'tea',
      'tea',
    ]);
    expect((await store.search(['users'], { filter: { score: '5' } })).length).toBe(0); // typed equality
    expect((await store.search(['users'], { limit: 2, offset: 1 })).map((i) => i.key)).toEqual(['tea', 'name']);
  });

  it('ranks by meaning like the in-memory store, best field first, unindexed items last', async () => {
    const embeddings = new WordHashEmbeddings(256);
    const index = { embeddings, dims: 256, fields: ['text'] };
    const store = new EngramStore({ agent: await agent(), index });
    const memory = new InMemoryStore({ index });
    await fill(store);
    await fill(memory);
    for (const query of ['green tea in the morning', 'river', 'who is an engineer']) {
      for (const prefix of [[], ['users'], ['users', 'alice']]) {
        const got = await store.search(prefix, { query, limit: 3 });
        expect(summary(got)).toEqual(summary(await memory.search(prefix, { query, limit: 3 })));
      }
    }
    const filtered = await store.search(['users'], { query: 'green tea', filter: { kind: 'preference' }, limit: 2 });
    expect(summary(filtered)).toEqual(
      summary(await memory.search(['users'], { query: 'green tea', filter: { kind: 'preference' }, limit: 2 })),
    );

    // Several fields per item: the best one ranks it; an item put with index false comes after.
    await store.put(['notes'], 'trip', { title: 'holiday plans', chapters: ['pack green tea', 'book the train'] }, [
      'title',
      'chapters[*]',
    ]);
    await store.put(['notes'], 'raw', { title: 'green tea green tea' }, false);
    const notes = await store.search(['notes'], { query: 'train booking', limit: 5 });
    expect(notes.map((i) => i.key)).toEqual(['trip', 'raw']);
    expect(notes[0]!.score).toBeGreaterThan(0);
    expect(notes[1]!.score).toBeUndefined();
    expect((await store.search(['notes'], { query: 'train', limit: 1, offset: 1 })).map((i) => i.key)).toEqual(['raw']);
  });

  it("searches by meaning with the agent's own embedder by default, and survives reopening", async () => {
    const a = await agent();
    const store = new EngramStore({ agent: a });
    await fill(store);
    await a.close();
    const [best] = await store.search(['users', 'alice'], { query: 'green tea', limit: 1 });
    expect(best!.key).toBe('tea');
    expect(best!.score).toBeGreaterThan(0);
  });

  it('lists namespaces by prefix, suffix, wildcard and depth, like the in-memory store', async () => {
    const store = new EngramStore({ agent: await agent(), index: false });
    const memory = new InMemoryStore();
    await fill(store);
    await fill(memory);
    const cases = [
      {},
      { prefix: ['users'] },
      { prefix: ['users', '*', 'memories'] },
      { suffix: ['memories'] },
      { prefix: ['users'], suffix: ['profile'] },
      { maxDepth: 2 },
      { prefix: ['users'], maxDepth: 2, limit: 2, offset: 1 },
      { prefix: ['nope'] },
    ];
    for (const options of cases) expect(await store.listNamespaces(options)).toEqual(await memory.listNamespaces(options));
  });

  it('runs a batch: reads see the store before it, writes land together, the last put wins', async () => {
    const store = new EngramStore({ agent: await agent(), index: false });
    await store.put(['a'], 'k', { v: 1 });
    const ops: [GetOperation, PutOperation, PutOperation, ListNamespacesOperation] = [
      { namespace: ['a'], key: 'k' },
      { namespace: ['a'], key: 'k', value: { v: 2 } },
      { namespace: ['a'], key: 'k', value: { v: 3 } },
      { matchConditions: undefined, limit: 10, offset: 0 },
    ];
    const [read, , , listed] = await store.batch(ops);
    expect(read!.value).toEqual({ v: 1 });
    expect(listed).toEqual([['a']]);
    expect((await store.get(['a'], 'k'))!.value).toEqual({ v: 3 });
  });

  it('refuses bad namespaces, filters, values and vectors without writing', async () => {
    const a = await agent();
    const store = new EngramStore({ agent: a, index: false });
    await expect(store.put([], 'k', { v: 1 })).rejects.toThrow(/Namespace cannot be empty/);
    await expect(store.put(['a.b'], 'k', { v: 1 })).rejects.toThrow(/periods/);
    await expect(store.put(['langgraph'], 'k', { v: 1 })).rejects.toThrow(/langgraph/);
    await expectCode(store.put(['a'], '', { v: 1 }), 'INVALID_ARGUMENT');
    await expectCode(store.put(['a'], 'k', [1, 2] as never), 'INVALID_ARGUMENT');
    await expectCode(store.search(['a'], { filter: { v: { $near: 1 } } }), 'INVALID_ARGUMENT');
    await expectCode(store.search(['a'], { filter: { v: { nested: 1 } } }), 'INVALID_ARGUMENT');
    await expectCode(store.search(['a'], { filter: { 'bad"key': 1 } }), 'INVALID_ARGUMENT');
    await expectCode(store.search(['a'], { limit: 0 }), 'INVALID_ARGUMENT');
    await expectCode(store.listNamespaces({ maxDepth: 0 }), 'INVALID_ARGUMENT');
    expect(() => new EngramStore({ agent: a, index: { embeddings: new WordHashEmbeddings(8) } })).toThrow(/dims/);
    expect(() => new EngramStore({ agent: a, index: { dims: 3 } })).toThrow(/64-dimension/);
    const wrong = new EngramStore({ agent: a, index: { embeddings: new WordHashEmbeddings(8), dims: 16 } });
    await expectCode(wrong.batch([{ namespace: ['a'], key: 'k', value: { text: 'hello' } }]), 'INVALID_ARGUMENT');
    expect(await store.search([])).toEqual([]);
  });
});

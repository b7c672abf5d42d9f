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

  it('searches a namespace prefix with filters, limit and offset in the in-memory store order', async () => {
    const store = new EngramStore({ agent: await agent(), index: false });
    const memory = new InMemoryStore();
    await fill(store);
    await fill(memory);
    // An update keeps an item's place; a delete and put again moves it last in its namespace, in both stores.
    for (const s of [store, memory]) {
      await s.put(['users', 'alice', 'memories'], 'tea', { text: 'Alice now drinks oolong', kind: 'preference', score: 6 });
      await s.delete(['users', 'alice', 'memories'], 'tea');
      await s.put(['users', 'alice', 'memories'], 'tea', { text: 'Alice drinks oolong again', kind: 'preference', score: 6 });
    }
    const cases: [string[], Parameters<EngramStore['search']>[1]][] = [
      [['users', 'alice'], {}],
      [[], {}],
      [['users'], { filter: { kind: 'preference' } }],
      [[], { filter: { score: { $gte: 3, $lt: 6 } } }],
      [['users'], { filter: { kind: { $ne: 'fact' }, score: { $in: [1, 2, 6] } } }],
      [['users'], { filter: { score: '5' } }],
      [['users'], { filter: { kind: { $nin: [] }, score: { $in: [] } } }],
      [['users'], { filter: { missing: undefined } }],
      [['users'], { filter: { kind: {} } }],
      [['users'], { limit: 2, offset: 1 }],
      [['users'], { limit: 0 }],
      [['users'], { offset: 10 }],
    ];
    for (const [prefix, options] of cases) {
      expect(summary(await store.search(prefix, options))).toEqual(summary(await memory.search(prefix, options)));
    }
  });

  it('filters on array and object values by deep equality (InMemoryStore.js compares them by reference and never matches)', async () => {
    const store = new EngramStore({ agent: await agent(), index: false });
    await store.put(['a'], '1', { tags: ['x', 'y'], where: { city: 'Lisbon', geo: { lat: 38.7 } }, n: 1 });
    await store.put(['a'], '2', { tags: ['y', 'x'], where: { geo: { lat: 38.7 }, city: 'Lisbon' }, n: 2 });
    await store.put(['a'], '3', { tags: ['x'], where: { city: 'Lisbon', geo: { lat: 38.7 }, extra: null }, n: 3 });
    await store.put(['a'], '4', { tags: [], where: {}, n: '4' });
    const keys = async (filter: Record<string, unknown>) => (await store.search(['a'], { filter })).map((i) => i.key);
    expect(await keys({ tags: ['x', 'y'] })).toEqual(['1']);
    expect(await keys({ tags: [] })).toEqual(['4']);
    expect(await keys({ where: { city: 'Lisbon', geo: { lat: 38.7 } } })).toEqual(['1', '2']);
    expect(await keys({ where: { $eq: {} } })).toEqual(['4']);
    expect(await keys({ tags: { $ne: ['x'] } })).toEqual(['1', '2', '4']);
    expect(await keys({ tags: { $in: [['x'], ['y', 'x']] } })).toEqual(['2', '3']);
    expect(await keys({ 'where.geo': { lat: 38.7 } })).toEqual(['1', '2', '3']);
    expect(await keys({ n: { $in: [1, '4'] } })).toEqual(['1', '4']);
  });

  it('embeds the texts InMemoryStore embeds for every index path', async () => {
    const value = {
      text: 'plain',
      title: 'Title',
      n: 7,
      ok: false,
      none: null,
      empty: '',
      nested: { a: 'deep a', b: { c: 'deeper c' }, list: ['n1', 'n2'] },
      items: [{ text: 'first' }, { text: 'second', extra: 1 }, 'loose'],
      matrix: [
        ['m00', 'm01'],
        ['m10', 'm11'],
      ],
      $: 'dollar key',
    };
    const paths = [
      '$',
      '',
      'text',
      '$.text',
      '$.nested.a',
      'title',
      'n',
      'ok',
      'none',
      'empty',
      'missing',
      'nested',
      'nested.a',
      'nested.b.c',
      'nested.list',
      'nested.list[*]',
      'nested.list[0]',
      'nested.list[-1]',
      'nested.list[5]',
      'items[*].text',
      'items[1]',
      'items[*]',
      '*',
      'nested.*',
      '{text,title}',
      '{text,nested.b.c,none,missing}',
      'items[*].{text,extra}',
      'matrix[*][1]',
      'matrix[-1][*]',
      'text[0]',
      'n.x',
      '[0]',
    ];
    const record = () => {
      const texts: string[] = [];
      const embeddings = new WordHashEmbeddings(16);
      const recording = Object.assign(Object.create(embeddings) as WordHashEmbeddings, {
        embedDocuments: async (batch: string[]) => (texts.push(...batch), embeddings.embedDocuments(batch)),
      });
      return { texts, index: { embeddings: recording, dims: 16 } };
    };
    for (const path of paths) {
      const ours = record();
      const theirs = record();
      await new EngramStore({ agent: await agent(`paths-${paths.indexOf(path)}`), index: { ...ours.index, fields: [path] } }).put(
        ['p'],
        'k',
        value,
      );
      await new InMemoryStore({ index: { ...theirs.index, fields: [path] } }).put(['p'], 'k', value);
      expect([path, ours.texts.sort()]).toEqual([path, theirs.texts.sort()]);
    }
  });

  it('accepts an empty key, limit 0 and depth 0', async () => {
    const store = new EngramStore({ agent: await agent(), index: false });
    const memory = new InMemoryStore();
    for (const s of [store, memory]) {
      await s.put(['a'], '', { v: 1 });
      await s.put(['a', 'b'], 'k', { v: 2 });
    }
    expect((await store.get(['a'], ''))?.value).toEqual({ v: 1 });
    expect(summary(await store.search(['a']))).toEqual(summary(await memory.search(['a'])));
    expect(await store.search(['a'], { limit: 0 })).toEqual([]);
    expect(await store.search(['a'], { limit: Number.MAX_SAFE_INTEGER })).toHaveLength(2);
    const indexed = new EngramStore({ agent: await agent('indexed') });
    await indexed.put(['a'], '', { text: 'tea' });
    await indexed.put(['a'], 'x', { text: 'coffee' }, false);
    expect((await indexed.search(['a'], { query: 'tea', limit: Number.MAX_SAFE_INTEGER })).map((i) => i.key)).toEqual(['', 'x']);
    expect(await indexed.search(['a'], { query: 'tea', limit: 0 })).toEqual([]);
    expect(await store.listNamespaces({ limit: 0 })).toEqual(await memory.listNamespaces({ limit: 0 }));
    // Depth 0 cuts every namespace to no labels: one empty namespace (InMemoryStore.js gives [['']]).
    expect(await store.listNamespaces({ maxDepth: 0 })).toEqual([[]]);
    await store.delete(['a'], '');
    expect(await store.get(['a'], '')).toBeNull();
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
      { limit: 0 },
      { maxDepth: 1, offset: 1 },
    ];
    for (const options of cases) expect(await store.listNamespaces(options)).toEqual(await memory.listNamespaces(options));
    // Sorted as InMemoryStore sorts (localeCompare of the joined labels), not by bytes.
    for (const ns of [['Zeta'], ['alpha'], ['alpha-beta'], ['alpha', 'beta'], ['Émile'], ['émile'], ['_x'], ['10'], ['9']]) {
      await store.put(ns, 'k', { v: 1 });
      await memory.put(ns, 'k', { v: 1 });
    }
    expect(await store.listNamespaces({})).toEqual(await memory.listNamespaces({}));
    expect(await store.listNamespaces({ maxDepth: 1 })).toEqual(await memory.listNamespaces({ maxDepth: 1 }));
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
    await expectCode(store.put(['a'], 'k'.repeat(1025), { v: 1 }), 'INVALID_ARGUMENT');
    await expectCode(store.put(['a'], 'k', [1, 2] as never), 'INVALID_ARGUMENT');
    await expectCode(store.search(['a'], { filter: { v: { $near: 1 } } }), 'INVALID_ARGUMENT');
    await expectCode(store.search(['a'], { filter: { v: { $eq: 1, nested: 1 } } }), 'INVALID_ARGUMENT');
    await expectCode(store.search(['a'], { filter: { v: { $gt: [1] } } }), 'INVALID_ARGUMENT');
    await expectCode(store.search(['a'], { filter: { 'bad"key': 1 } }), 'INVALID_ARGUMENT');
    await expectCode(store.search(['a'], { limit: -1 }), 'INVALID_ARGUMENT');
    await expectCode(store.search(['a'], { offset: 1.5 }), 'INVALID_ARGUMENT');
    await expectCode(store.listNamespaces({ maxDepth: -1 }), 'INVALID_ARGUMENT');
    expect(() => new EngramStore({ agent: a, index: { embeddings: new WordHashEmbeddings(8) } })).toThrow(/dims/);
    expect(() => new EngramStore({ agent: a, index: { dims: 3 } })).toThrow(/64-dimension/);
    const wrong = new EngramStore({ agent: a, index: { embeddings: new WordHashEmbeddings(8), dims: 16 } });
    await expectCode(wrong.batch([{ namespace: ['a'], key: 'k', value: { text: 'hello' } }]), 'INVALID_ARGUMENT');
    expect(await store.search([])).toEqual([]);
  });
});

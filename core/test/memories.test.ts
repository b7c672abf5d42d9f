import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Agent } from '../src/agent.js';
import type { Memory } from '../src/memories/types.js';
import { DRIVER_NAMES, expectCode, openEngram, suiteSetup } from './helpers.js';

describe.each(DRIVER_NAMES)('memories on %s', (driver) => {
  let agent: Agent;
  let mem: Agent['memories'];
  beforeEach(async () => {
    agent = await (await openEngram(driver)).agent('alice');
    mem = agent.memories;
  });

  describe('remember, get, list and count', () => {
    let m: Memory;
    beforeEach(async () => {
      m = await mem.remember({
        text: 'Alice prefers green tea in the morning',
        kind: 'preference',
        tags: ['drinks', 'alice'],
        metadata: { topic: 'food', score: 3, nested: { ok: true } },
        importance: 0.8,
        source: 'chat-1',
      });
      await mem.remember([
        { text: 'Bob moved to Paris last year', kind: 'event' },
        { text: 'Always answer in French', kind: 'instruction' },
      ]);
    });

    it('remember returns the stored memory with its id and fields, and get returns it equal', async () => {
      expect(m.id).toMatch(/^mem_[0-9a-f]{32}$/);
      expect(m).toMatchObject({ kind: 'preference', tags: ['drinks', 'alice'], importance: 0.8, source: 'chat-1', validTo: null });
      expect(await mem.get(m.id)).toEqual(m);
    });

    it('remember takes a batch and returns one memory per item; count counts them all', async () => {
      const batch = await mem.remember([{ text: 'one more' }, { text: 'and another' }]);
      expect(batch).toHaveLength(2);
      expect(await mem.count()).toBe(5);
    });

    it('list filters by kind', async () => {
      expect((await mem.list({ kinds: ['event'] })).map((x) => x.text)).toEqual(['Bob moved to Paris last year']);
    });

    it('list filters by tags, all of which must match', async () => {
      expect((await mem.list({ tags: ['drinks', 'alice'] })).map((x) => x.id)).toEqual([m.id]);
      expect(await mem.list({ tags: ['drinks', 'nope'] })).toEqual([]);
    });

    it('list filters by metadata, nested paths included', async () => {
      expect((await mem.list({ metadata: { 'nested.ok': true } })).map((x) => x.id)).toEqual([m.id]);
    });

    it('list filters by metadata operators: $gte, $gt, $in, $exists and $ne', async () => {
      expect((await mem.list({ metadata: { score: { $gte: 3 } } })).map((x) => x.id)).toEqual([m.id]);
      expect(await mem.list({ metadata: { score: { $gt: 3 } } })).toEqual([]);
      expect((await mem.list({ metadata: { topic: { $in: ['food', 'x'] } } })).length).toBe(1);
      expect((await mem.list({ metadata: { topic: { $exists: false } } })).length).toBe(2);
      expect((await mem.list({ metadata: { topic: { $ne: 'food' } } })).length).toBe(2);
    });

    it('list orders oldest first on request, with a limit', async () => {
      expect(await mem.count()).toBe(3);
      expect((await mem.list({ order: 'oldest', limit: 1 }))[0]!.id).toBe(m.id);
    });
  });

  it('applies filters before the top-k cut', async () => {
    const many = Array.from({ length: 60 }, (_, i) => ({
      text: `note about project apollo number ${i}`,
      kind: 'fact',
      metadata: { n: i },
    }));
    const rare = Array.from({ length: 5 }, (_, i) => ({ text: `unrelated recipe for soup ${i}`, kind: 'event', metadata: { n: 100 + i } }));
    await agent.memories.remember([...many, ...rare]);
    for (const mode of ['hybrid', 'vector', 'text'] as const) {
      const events = await agent.memories.recall('project apollo soup', { mode, kinds: ['event'], limit: 5 });
      expect(events.map((r) => r.memory.kind)).toEqual(['event', 'event', 'event', 'event', 'event']);
      const meta = await agent.memories.recall('project apollo', { mode, metadata: { n: { $gte: 55, $lt: 60 } }, limit: 10 });
      expect(meta).toHaveLength(5);
    }
  });

  describe('supersedes', () => {
    let v1: Memory, v2: Memory;
    beforeEach(async () => {
      v1 = await mem.remember({ text: 'Alice lives in Berlin' });
      await new Promise((r) => setTimeout(r, 5)); // distinct valid-from times
      v2 = await mem.remember({ text: 'Alice lives in Lisbon', supersedes: v1.id });
    });

    it('closes the old memory instead of deleting it, pointing to the new one', async () => {
      const old = await mem.get(v1.id);
      expect(old!.validTo).not.toBeNull();
      expect(old!.supersededBy).toBe(v2.id);
    });

    it('recall returns only the current memory, unless includeSuperseded', async () => {
      const recalled = await mem.recall('where does Alice live', { limit: 5 });
      expect(recalled.map((r) => r.memory.id)).toEqual([v2.id]);
      const all = await mem.recall('where does Alice live', { limit: 5, includeSuperseded: true });
      expect(all.map((r) => r.memory.id).sort()).toEqual([v1.id, v2.id].sort());
    });

    it('list asOf returns what was true then', async () => {
      const asOf = await mem.list({ asOf: v1.validFrom });
      expect(asOf.map((m) => m.id)).toEqual([v1.id]);
    });

    it('history gives the whole chain from either end', async () => {
      expect((await mem.history(v2.id)).map((m) => m.id)).toEqual([v1.id, v2.id]);
      expect((await mem.history(v1.id)).map((m) => m.id)).toEqual([v1.id, v2.id]);
    });

    it('refuses to supersede a closed memory (CONFLICT) or a missing one (NOT_FOUND)', async () => {
      await expectCode(mem.remember({ text: 'Alice lives in Rome', supersedes: v1.id }), 'CONFLICT');
      await expectCode(mem.remember({ text: 'x', supersedes: 'mem_' + '0'.repeat(32) }), 'NOT_FOUND');
      expect(await mem.count()).toBe(1);
    });
  });

  describe('update and forget', () => {
    let m: Memory;
    beforeEach(async () => {
      m = await mem.remember({ text: 'The sky is green', tags: ['wrong'] });
      await mem.remember([
        { text: 'keep me', kind: 'fact' },
        { text: 'drop me', kind: 'event' },
      ]);
    });

    it('update changes the text and re-embeds it', async () => {
      const updated = await mem.update(m.id, { text: 'The sky is blue', tags: ['right'] });
      expect(updated.text).toBe('The sky is blue');
      expect((await mem.recall('sky blue', { mode: 'vector', limit: 1 }))[0]!.memory.id).toBe(m.id);
      expect(await mem.recall('green', { mode: 'text' })).toEqual([]);
    });

    it('forget by filter and by id returns how many it removed', async () => {
      expect(await mem.forget({ kinds: ['event'] })).toBe(1);
      expect(await mem.forget(m.id)).toBe(1);
      expect(await mem.forget(m.id)).toBe(0);
      expect((await mem.list()).map((x) => x.text)).toEqual(['keep me']);
    });

    it('forget with an empty filter is INVALID_ARGUMENT; all: true forgets everything', async () => {
      await expectCode(mem.forget({}), 'INVALID_ARGUMENT');
      expect(await mem.forget({ all: true })).toBe(3);
    });

    it('update of a forgotten memory is NOT_FOUND', async () => {
      await mem.forget(m.id);
      await expectCode(mem.update(m.id, { text: 'gone' }), 'NOT_FOUND');
      expect(await mem.forget({ all: true })).toBe(2);
    });
  });

  it('never returns expired memories', async () => {
    const gone = await agent.memories.remember({ text: 'temporary code is 1234', ttlMs: 30 });
    const past = await agent.memories.remember({ text: 'old code is 9999', expiresAt: new Date(Date.now() + 40) });
    const kept = await agent.memories.remember({ text: 'permanent code is 5678' });
    await new Promise((r) => setTimeout(r, 80));
    expect(await agent.memories.get(gone.id)).toBeNull();
    expect(await agent.memories.get(past.id)).toBeNull();
    for (const mode of ['hybrid', 'vector', 'text'] as const) {
      const r = await agent.memories.recall('code', { mode, limit: 10 });
      expect(r.map((x) => x.memory.id)).toEqual([kept.id]);
    }
    expect(await agent.memories.count()).toBe(1);
    expect(await agent.memories.purgeExpired()).toBe(2);
  });

  describe('bad input is refused with a typed error and keeps stored rows', () => {
    let m: Memory;
    beforeEach(async () => {
      agent = await (await openEngram(driver, { limits: { maxTextBytes: 1000 } })).agent('bad');
      mem = agent.memories;
      m = await mem.remember({ text: 'safe and sound' });
    });
    const unchanged = async () => expect((await mem.list()).map((x) => x.id)).toEqual([m.id]);

    it('remember refuses blank or oversized text, bad kinds, importance, tags, metadata, times and fields', async () => {
      await expectCode(mem.remember({ text: '   ' }), 'INVALID_ARGUMENT');
      await expectCode(mem.remember({ text: 'x'.repeat(1001) }), 'LIMIT_EXCEEDED');
      await expectCode(mem.remember({ text: 'ok', kind: 'Bad Kind' }), 'INVALID_ARGUMENT');
      await expectCode(mem.remember({ text: 'ok', importance: 2 }), 'INVALID_ARGUMENT');
      await expectCode(mem.remember({ text: 'ok', tags: 'x' as never }), 'INVALID_ARGUMENT');
      await expectCode(mem.remember({ text: 'ok', metadata: [] as never }), 'INVALID_ARGUMENT');
      await expectCode(mem.remember({ text: 'ok', ttlMs: -1 }), 'INVALID_ARGUMENT');
      await expectCode(mem.remember({ text: 'ok', validFrom: 'not a date' }), 'INVALID_ARGUMENT');
      await expectCode(mem.remember({ text: 'ok', colour: 'red' } as never), 'INVALID_ARGUMENT');
      await unchanged();
    });

    it('a batch with one bad item stores nothing', async () => {
      await expectCode(mem.remember([{ text: 'fine' }, { text: '' }]), 'INVALID_ARGUMENT');
      await unchanged();
    });

    it('recall refuses an empty query, a zero limit, unknown modes, fields, metadata keys, operators and weights', async () => {
      await expectCode(mem.recall(''), 'INVALID_ARGUMENT');
      await expectCode(mem.recall('x', { limit: 0 }), 'INVALID_ARGUMENT');
      await expectCode(mem.recall('x', { mode: 'fuzzy' as never }), 'INVALID_ARGUMENT');
      await expectCode(mem.recall('x', { colour: 'red' } as never), 'INVALID_ARGUMENT');
      await expectCode(mem.recall('x', { metadata: { 'bad key!': 1 } }), 'INVALID_ARGUMENT');
      await expectCode(mem.recall('x', { metadata: { a: { $regex: 'x' } } as never }), 'INVALID_ARGUMENT');
      await expectCode(mem.recall('x', { weights: { recency: 0.7, importance: 0.5 } }), 'INVALID_ARGUMENT');
      await unchanged();
    });

    it('get refuses an id that is not a memory id', async () => {
      await expectCode(mem.get("mem_' OR 1=1 --"), 'INVALID_ARGUMENT');
      await unchanged();
    });
  });

  it('searches a memory together with its context but returns them apart', async () => {
    const reply = await agent.memories.remember({ text: 'Yes, twice a week since spring.', context: 'Do you still go rock climbing?' });
    await agent.memories.remember({ text: 'The quarterly report is due Friday.' });
    expect(reply.text).toBe('Yes, twice a week since spring.');
    expect(reply.context).toBe('Do you still go rock climbing?');
    for (const mode of ['text', 'hybrid'] as const) {
      expect((await agent.memories.recall('rock climbing', { mode, limit: 1 }))[0]!.memory.id).toBe(reply.id);
    }
    const updated = await agent.memories.update(reply.id, { context: 'Do you still swim?' });
    expect(updated.context).toBe('Do you still swim?');
    expect(await agent.memories.recall('climbing', { mode: 'text' })).toEqual([]);
    expect((await agent.memories.recall('swim', { mode: 'text' }))[0]!.memory.id).toBe(reply.id);
    await expectCode(agent.memories.remember({ text: 'x', context: 42 as never }), 'INVALID_ARGUMENT');
  });

  it('counts a word of the context at half the weight of one in the text', async () => {
    // Same words, same length: only which field holds them differs.
    const said = await agent.memories.remember({ text: 'We hiked up to the waterfall', context: 'Sounds lovely' });
    const heard = await agent.memories.remember({ text: 'Sounds lovely', context: 'We hiked up to the waterfall' });
    const hits = await agent.memories.recall('hiked waterfall', { mode: 'text' });
    expect(hits.map((h) => h.memory.id)).toEqual([said.id, heard.id]);
    expect(hits[0]!.parts.text!.bm25).toBeGreaterThan(hits[1]!.parts.text!.bm25 * 1.2);
    // An update moves the words between fields, and the ranking follows.
    await agent.memories.update(said.id, { text: 'Sounds lovely', context: 'We hiked up to the waterfall' });
    await agent.memories.update(heard.id, { text: 'We hiked up to the waterfall', context: 'Sounds lovely' });
    expect((await agent.memories.recall('hiked waterfall', { mode: 'text' })).map((h) => h.memory.id)).toEqual([heard.id, said.id]);
  });

  describe('time hints', () => {
    const day = 86_400_000;
    // The same words at three times: only the time can tell them apart.
    const text = 'We went camping by the lake';
    let june: Memory, october: Memory, recent: Memory;
    const first = async (query: string, options: Parameters<Agent['memories']['recall']>[1] = {}) => (await mem.recall(query, options))[0]!;
    beforeEach(async () => {
      [june, october, recent] = (await mem.remember([
        { text, validFrom: Date.UTC(2023, 5, 20) },
        { text, validFrom: Date.UTC(2023, 9, 2) },
        { text, validFrom: Date.now() - 9 * day },
      ])) as [Memory, Memory, Memory];
      await mem.remember([{ text: 'The quarterly report is due Friday' }, { text: 'Dinner with Sam at eight' }]);
    });

    it.each(['hybrid', 'text', 'vector'] as const)('prefer memories from the month a query names (%s), saying so', async (mode) => {
      const inJune = await first('When did we go camping in June?', { mode });
      expect(inJune.memory.id).toBe(june.id);
      expect(inJune.parts.timeHint).toBe('in June');
    });

    it.each(['hybrid', 'text', 'vector'] as const)('prefer memories from a date, last week, or a year a query names (%s)', async (mode) => {
      expect((await first('camping on 3 October 2023', { mode })).memory.id).toBe(october.id);
      expect((await first('camping last week', { mode })).memory.id).toBe(recent.id);
      expect((await first('camping in 2023', { mode })).memory.id).not.toBe(recent.id);
    });

    it('when turned off, the memories tie (oldest first) and no part says a hint applied', async () => {
      const off = await mem.recall('camping on 3 October 2023', { mode: 'text', timeHints: false });
      expect(new Set(off.slice(0, 3).map((h) => h.score)).size).toBe(1);
      expect(off.slice(0, 3).map((h) => h.memory.id)).toEqual([june.id, october.id, recent.id]);
      expect(off.every((h) => h.parts.timeHint === undefined)).toBe(true);
    });

    it('count relative times back from the time travelled to with asOf', async () => {
      expect((await first('camping last week', { asOf: Date.UTC(2023, 9, 10) })).memory.id).toBe(october.id);
    });

    it('refuse a timeHints option that is not a boolean', async () => {
      await expectCode(mem.recall('x', { timeHints: 'yes' as never }), 'INVALID_ARGUMENT');
    });
  });

  it('fuses the two lists with configurable weights', async () => {
    await agent.memories.remember([{ text: 'green tea with honey' }, { text: 'black coffee, no sugar' }]);
    const [best] = await agent.memories.recall('green tea', { fusion: { k: 60, text: 1, vector: 1 } });
    expect(best!.parts.fused).toBeCloseTo(1, 5); // first in both lists
    const textOnly = await agent.memories.recall('green tea', { fusion: { vector: 0 } });
    expect(textOnly[0]!.memory.text).toBe('green tea with honey');
    await expectCode(agent.memories.recall('x', { fusion: { k: -1 } }), 'INVALID_ARGUMENT');
    await expectCode(agent.memories.recall('x', { fusion: { text: 0, vector: 0 } }), 'INVALID_ARGUMENT');
    await expectCode(agent.memories.recall('x', { fusion: { rrf: 1 } as never }), 'INVALID_ARGUMENT');
  });

  it('prefers memories matching a soft filter without excluding the rest', async () => {
    await agent.memories.remember([
      { text: 'I love hiking in the mountains', metadata: { speaker: 'bo' } },
      { text: 'I love hiking near the lake', metadata: { speaker: 'ann' } },
    ]);
    for (const mode of ['hybrid', 'vector', 'text'] as const) {
      const hits = await agent.memories.recall('love hiking mountains', { mode, prefer: { metadata: { speaker: 'ann' }, weight: 1 } });
      expect(hits.map((h) => h.memory.metadata.speaker)).toEqual(['ann', 'bo']);
      expect(hits[0]!.parts.preferred).toBe(true);
      expect(hits[1]!.parts.preferred).toBeUndefined();
    }
    await expectCode(agent.memories.recall('x', { prefer: {} }), 'INVALID_ARGUMENT');
    await expectCode(agent.memories.recall('x', { prefer: { kinds: ['fact'], weight: 2 } }), 'INVALID_ARGUMENT');
  });

  it('weights recency and importance when asked', async () => {
    const day = 86_400_000;
    const old = await agent.memories.remember({
      text: 'the launch code word is falcon',
      validFrom: Date.now() - 365 * day,
      importance: 0.1,
    });
    const recent = await agent.memories.remember({ text: 'the launch code word is falcon', validFrom: Date.now() - day, importance: 0.9 });
    const r = await agent.memories.recall('launch code word falcon', { weights: { recency: 0.5 } });
    expect(r[0]!.memory.id).toBe(recent.id);
    expect(r[0]!.parts.recency).toBeGreaterThan(r[1]!.parts.recency!);
    const i = await agent.memories.recall('launch code word falcon', { weights: { importance: 0.5 } });
    expect(i[0]!.memory.id).toBe(recent.id);
    expect(i.map((x) => x.memory.id)).toContain(old.id);
  });
});

describe('term index (turso keeps its own full-text index)', () => {
  it('keeps postings, document frequencies and totals consistent through every kind of write', async () => {
    const engram = await openEngram('turso');
    const agent = await engram.agent('terms');
    const a = await agent.memories.remember({ text: 'red fox jumps over the red fence' });
    const [b] = await agent.memories.remember([
      { text: 'blue fox sleeps', kind: 'event' },
      { text: 'green turtle swims', ttlMs: 20 },
    ]);
    await agent.memories.update(a.id, { text: 'red fox naps under a tree' });
    await agent.memories.remember({ text: 'blue fox wakes up', supersedes: b!.id });
    await agent.memories.forget({ kinds: ['event'] });
    await new Promise((r) => setTimeout(r, 40));
    await agent.memories.purgeExpired();
    const state = await agent.use(async (s) => ({
      postings: await s.conn.all<{ term: string; n: number }>('SELECT term, count(*) AS n FROM memories_terms GROUP BY term ORDER BY term'),
      df: await s.conn.all<{ term: string; n: number }>('SELECT term, df AS n FROM memories_term_df ORDER BY term'),
      docs: await s.conn.get<{ value: string }>(`SELECT value FROM engram_meta WHERE key = 'memories_text_docs'`),
      terms: await s.conn.get<{ value: string }>(`SELECT value FROM engram_meta WHERE key = 'memories_text_terms'`),
      rows: await s.conn.get<{ n: number; len: number }>('SELECT count(*) AS n, sum(text_len) AS len FROM memories'),
    }));
    expect(state.df).toEqual(state.postings);
    expect(Number(state.docs!.value)).toBe(Number(state.rows!.n));
    expect(Number(state.terms!.value)).toBe(Number(state.rows!.len));
    expect(state.postings.map((p) => p.term)).toEqual(['blue', 'fox', 'nap', 'red', 'tree', 'under', 'up', 'wake']);
    expect((await agent.memories.recall('fox naps', { mode: 'text' }))[0]!.memory.text).toBe('red fox naps under a tree');
  });
});

// Set up once per block (suiteSetup): these tests only read it.
describe.each(DRIVER_NAMES)('memories recalled on %s', (driver) => {
  let mem: Agent['memories'];

  describe('recall', () => {
    beforeAll(() =>
      suiteSetup(async () => {
        mem = (await (await openEngram(driver)).agent('recall')).memories;
        await mem.remember([
          { text: 'The cat sleeps on the warm windowsill', kind: 'fact' },
          { text: 'Quarterly revenue grew by twelve percent', kind: 'fact' },
          { text: 'The user is allergic to peanuts', kind: 'fact', tags: ['health'] },
          { text: 'Meeting with the design team on Tuesday', kind: 'event' },
        ]);
      }),
    );

    it('by words ranks the matching memory first, with its text rank', async () => {
      const text = await mem.recall('peanuts allergy', { mode: 'text' });
      expect(text[0]!.memory.text).toContain('peanuts');
      expect(text[0]!.parts.text!.rank).toBe(1);
      expect(text[0]!.score).toBeGreaterThan(0);
    });

    it('by meaning ranks the closest memory first, with its similarity', async () => {
      const vector = await mem.recall('the cat sleeps on the windowsill', { mode: 'vector' });
      expect(vector[0]!.memory.text).toContain('cat');
      expect(vector[0]!.parts.vector!.similarity).toBeGreaterThan(0.5);
    });

    it('hybrid fuses both lists and reports both parts', async () => {
      const hybrid = await mem.recall('design team meeting', { limit: 2 });
      expect(hybrid).toHaveLength(2);
      expect(hybrid[0]!.memory.text).toContain('design');
      expect(hybrid[0]!.parts.fused).toBeGreaterThan(hybrid[1]!.parts.fused ?? 0);
      expect(hybrid[0]!.parts.vector).toBeDefined();
      expect(hybrid[0]!.parts.text).toBeDefined();
    });

    it('reads punctuation and query syntax as plain words, never a parse error', async () => {
      const odd = await mem.recall(`what's "the" (cat) AND OR NOT * ^ -:`, { mode: 'text' });
      expect(odd[0]!.memory.text).toContain('cat');
    });

    it('minScore drops weak results', async () => {
      const strict = await mem.recall('the cat sleeps on the windowsill', { mode: 'vector', minScore: 0.99 });
      expect(strict.every((r) => r.score >= 0.99)).toBe(true);
    });
  });
});

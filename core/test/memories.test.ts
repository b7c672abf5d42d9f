import { describe, expect, it } from 'vitest';
import { DRIVER_NAMES, expectCode, openEngram } from './helpers.js';

describe.each(DRIVER_NAMES)('memories on %s', (driver) => {
  it('histogram() counts memories per whole-day period of valid-from time, with filters', async () => {
    const engram = await openEngram(driver);
    const agent = await engram.agent('hist');
    expect(await agent.memories.histogram()).toEqual({ start: null, bucketMs: 86_400_000, counts: [] });
    const day = 86_400_000;
    const base = Date.UTC(2026, 0, 10, 15, 30);
    const at = (d: number, kind = 'fact') => ({ text: `memory on day ${d}`, kind, validFrom: base + d * day });
    await agent.memories.remember([at(0), at(0, 'event'), at(1), at(4), at(9, 'event')]);
    const daily = await agent.memories.histogram({ buckets: 30 });
    expect(daily.start).toBe('2026-01-10T00:00:00.000Z');
    expect(daily.bucketMs).toBe(day);
    expect(daily.counts).toEqual([2, 1, 0, 0, 1, 0, 0, 0, 0, 1]);
    const coarse = await agent.memories.histogram({ buckets: 3 }); // 10 days in buckets of 4 days
    expect(coarse.bucketMs).toBe(4 * day);
    expect(coarse.counts).toEqual([3, 1, 1]);
    expect((await agent.memories.histogram({ kinds: ['event'] })).counts).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect(coarse.counts.reduce((a, b) => a + b)).toBe(await agent.memories.count());
    await expectCode(agent.memories.histogram({ buckets: 0 }), 'INVALID_ARGUMENT');
    await expectCode(agent.memories.histogram({ bucket: 3 } as never), 'INVALID_ARGUMENT');
  });

  it('remembers, gets, lists and counts', async () => {
    const engram = await openEngram(driver);
    const agent = await engram.agent('alice');
    const m = await agent.memories.remember({
      text: 'Alice prefers green tea in the morning',
      kind: 'preference',
      tags: ['drinks', 'alice'],
      metadata: { topic: 'food', score: 3, nested: { ok: true } },
      importance: 0.8,
      source: 'chat-1',
    });
    expect(m.id).toMatch(/^mem_[0-9a-f]{32}$/);
    expect(m).toMatchObject({ kind: 'preference', tags: ['drinks', 'alice'], importance: 0.8, source: 'chat-1', validTo: null });
    expect(await agent.memories.get(m.id)).toEqual(m);
    const batch = await agent.memories.remember([
      { text: 'Bob moved to Paris last year', kind: 'event' },
      { text: 'Always answer in French', kind: 'instruction' },
    ]);
    expect(batch).toHaveLength(2);
    expect(await agent.memories.count()).toBe(3);
    expect((await agent.memories.list({ kinds: ['event'] })).map((x) => x.text)).toEqual(['Bob moved to Paris last year']);
    expect((await agent.memories.list({ tags: ['drinks', 'alice'] })).map((x) => x.id)).toEqual([m.id]);
    expect(await agent.memories.list({ tags: ['drinks', 'nope'] })).toEqual([]);
    expect((await agent.memories.list({ metadata: { 'nested.ok': true } })).map((x) => x.id)).toEqual([m.id]);
    expect((await agent.memories.list({ metadata: { score: { $gte: 3 } } })).map((x) => x.id)).toEqual([m.id]);
    expect(await agent.memories.list({ metadata: { score: { $gt: 3 } } })).toEqual([]);
    expect((await agent.memories.list({ metadata: { topic: { $in: ['food', 'x'] } } })).length).toBe(1);
    expect((await agent.memories.list({ metadata: { topic: { $exists: false } } })).length).toBe(2);
    expect((await agent.memories.list({ metadata: { topic: { $ne: 'food' } } })).length).toBe(2);
    expect((await agent.memories.list({ order: 'oldest', limit: 1 }))[0]!.id).toBe(m.id);
  });

  it('recalls by meaning, by words and both, with score parts', async () => {
    const engram = await openEngram(driver);
    const agent = await engram.agent('recall');
    await agent.memories.remember([
      { text: 'The cat sleeps on the warm windowsill', kind: 'fact' },
      { text: 'Quarterly revenue grew by twelve percent', kind: 'fact' },
      { text: 'The user is allergic to peanuts', kind: 'fact', tags: ['health'] },
      { text: 'Meeting with the design team on Tuesday', kind: 'event' },
    ]);
    const text = await agent.memories.recall('peanuts allergy', { mode: 'text' });
    expect(text[0]!.memory.text).toContain('peanuts');
    expect(text[0]!.parts.text!.rank).toBe(1);
    expect(text[0]!.score).toBeGreaterThan(0);
    const vector = await agent.memories.recall('the cat sleeps on the windowsill', { mode: 'vector' });
    expect(vector[0]!.memory.text).toContain('cat');
    expect(vector[0]!.parts.vector!.similarity).toBeGreaterThan(0.5);
    const hybrid = await agent.memories.recall('design team meeting', { limit: 2 });
    expect(hybrid).toHaveLength(2);
    expect(hybrid[0]!.memory.text).toContain('design');
    expect(hybrid[0]!.parts.fused).toBeGreaterThan(hybrid[1]!.parts.fused ?? 0);
    expect(hybrid[0]!.parts.vector).toBeDefined();
    expect(hybrid[0]!.parts.text).toBeDefined();
    // Punctuation and query syntax are plain words, never a parse error.
    const odd = await agent.memories.recall(`what's "the" (cat) AND OR NOT * ^ -:`, { mode: 'text' });
    expect(odd[0]!.memory.text).toContain('cat');
    // minScore drops weak results
    const strict = await agent.memories.recall('the cat sleeps on the windowsill', { mode: 'vector', minScore: 0.99 });
    expect(strict.every((r) => r.score >= 0.99)).toBe(true);
  });

  it('applies filters before the top-k cut', async () => {
    const engram = await openEngram(driver);
    const agent = await engram.agent('filters');
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

  it('supersedes instead of deleting, and keeps history', async () => {
    const engram = await openEngram(driver);
    const agent = await engram.agent('update');
    const v1 = await agent.memories.remember({ text: 'Alice lives in Berlin' });
    await new Promise((r) => setTimeout(r, 5)); // distinct valid-from times
    const v2 = await agent.memories.remember({ text: 'Alice lives in Lisbon', supersedes: v1.id });
    const old = await agent.memories.get(v1.id);
    expect(old!.validTo).not.toBeNull();
    expect(old!.supersededBy).toBe(v2.id);
    const recalled = await agent.memories.recall('where does Alice live', { limit: 5 });
    expect(recalled.map((r) => r.memory.id)).toEqual([v2.id]);
    const all = await agent.memories.recall('where does Alice live', { limit: 5, includeSuperseded: true });
    expect(all.map((r) => r.memory.id).sort()).toEqual([v1.id, v2.id].sort());
    const asOf = await agent.memories.list({ asOf: v1.validFrom });
    expect(asOf.map((m) => m.id)).toEqual([v1.id]);
    expect((await agent.memories.history(v2.id)).map((m) => m.id)).toEqual([v1.id, v2.id]);
    expect((await agent.memories.history(v1.id)).map((m) => m.id)).toEqual([v1.id, v2.id]);
    await expectCode(agent.memories.remember({ text: 'Alice lives in Rome', supersedes: v1.id }), 'CONFLICT');
    await expectCode(agent.memories.remember({ text: 'x', supersedes: 'mem_' + '0'.repeat(32) }), 'NOT_FOUND');
    expect(await agent.memories.count()).toBe(1);
  });

  it('updates re-embed, forget by id and by filter', async () => {
    const engram = await openEngram(driver);
    const agent = await engram.agent('edit');
    const m = await agent.memories.remember({ text: 'The sky is green', tags: ['wrong'] });
    await agent.memories.remember([
      { text: 'keep me', kind: 'fact' },
      { text: 'drop me', kind: 'event' },
    ]);
    const updated = await agent.memories.update(m.id, { text: 'The sky is blue', tags: ['right'] });
    expect(updated.text).toBe('The sky is blue');
    expect((await agent.memories.recall('sky blue', { mode: 'vector', limit: 1 }))[0]!.memory.id).toBe(m.id);
    expect(await agent.memories.recall('green', { mode: 'text' })).toEqual([]);
    expect(await agent.memories.forget({ kinds: ['event'] })).toBe(1);
    expect(await agent.memories.forget(m.id)).toBe(1);
    expect(await agent.memories.forget(m.id)).toBe(0);
    expect((await agent.memories.list()).map((x) => x.text)).toEqual(['keep me']);
    await expectCode(agent.memories.forget({}), 'INVALID_ARGUMENT');
    await expectCode(agent.memories.update(m.id, { text: 'gone' }), 'NOT_FOUND');
    expect(await agent.memories.forget({ all: true })).toBe(1);
  });

  it('never returns expired memories', async () => {
    const engram = await openEngram(driver);
    const agent = await engram.agent('ttl');
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

  it('rejects bad input with typed errors and keeps stored rows', async () => {
    const engram = await openEngram(driver, { limits: { maxTextBytes: 1000 } });
    const agent = await engram.agent('bad');
    const m = await agent.memories.remember({ text: 'safe and sound' });
    await expectCode(agent.memories.remember({ text: '   ' }), 'INVALID_ARGUMENT');
    await expectCode(agent.memories.remember({ text: 'x'.repeat(1001) }), 'LIMIT_EXCEEDED');
    await expectCode(agent.memories.remember({ text: 'ok', kind: 'Bad Kind' }), 'INVALID_ARGUMENT');
    await expectCode(agent.memories.remember({ text: 'ok', importance: 2 }), 'INVALID_ARGUMENT');
    await expectCode(agent.memories.remember({ text: 'ok', tags: 'x' as never }), 'INVALID_ARGUMENT');
    await expectCode(agent.memories.remember({ text: 'ok', metadata: [] as never }), 'INVALID_ARGUMENT');
    await expectCode(agent.memories.remember({ text: 'ok', ttlMs: -1 }), 'INVALID_ARGUMENT');
    await expectCode(agent.memories.remember({ text: 'ok', validFrom: 'not a date' }), 'INVALID_ARGUMENT');
    await expectCode(agent.memories.remember({ text: 'ok', colour: 'red' } as never), 'INVALID_ARGUMENT');
    // a batch with one bad item stores nothing
    await expectCode(agent.memories.remember([{ text: 'fine' }, { text: '' }]), 'INVALID_ARGUMENT');
    await expectCode(agent.memories.recall(''), 'INVALID_ARGUMENT');
    await expectCode(agent.memories.recall('x', { limit: 0 }), 'INVALID_ARGUMENT');
    await expectCode(agent.memories.recall('x', { mode: 'fuzzy' as never }), 'INVALID_ARGUMENT');
    await expectCode(agent.memories.recall('x', { colour: 'red' } as never), 'INVALID_ARGUMENT');
    await expectCode(agent.memories.recall('x', { metadata: { 'bad key!': 1 } }), 'INVALID_ARGUMENT');
    await expectCode(agent.memories.recall('x', { metadata: { a: { $regex: 'x' } } as never }), 'INVALID_ARGUMENT');
    await expectCode(agent.memories.recall('x', { weights: { recency: 0.7, importance: 0.5 } }), 'INVALID_ARGUMENT');
    await expectCode(agent.memories.get("mem_' OR 1=1 --"), 'INVALID_ARGUMENT');
    expect((await agent.memories.list()).map((x) => x.id)).toEqual([m.id]);
  });

  it('searches a memory together with its context but returns them apart', async () => {
    const engram = await openEngram(driver);
    const agent = await engram.agent('context');
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
    const engram = await openEngram(driver);
    const agent = await engram.agent('context-weight');
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

  it('prefers memories from the times a query names', async () => {
    const engram = await openEngram(driver);
    const agent = await engram.agent('time-hints');
    const day = 86_400_000;
    // The same words at three times: only the time can tell them apart.
    const text = 'We went camping by the lake';
    const [june, october, recent] = await agent.memories.remember([
      { text, validFrom: Date.UTC(2023, 5, 20) },
      { text, validFrom: Date.UTC(2023, 9, 2) },
      { text, validFrom: Date.now() - 9 * day },
    ]);
    await agent.memories.remember([{ text: 'The quarterly report is due Friday' }, { text: 'Dinner with Sam at eight' }]);
    const first = async (query: string, options: Parameters<typeof agent.memories.recall>[1] = {}) =>
      (await agent.memories.recall(query, options))[0]!;
    for (const mode of ['hybrid', 'text', 'vector'] as const) {
      const inJune = await first('When did we go camping in June?', { mode });
      expect(inJune.memory.id).toBe(june!.id);
      expect(inJune.parts.timeHint).toBe('in June');
      expect((await first('camping on 3 October 2023', { mode })).memory.id).toBe(october!.id);
      expect((await first('camping last week', { mode })).memory.id).toBe(recent!.id);
      expect((await first('camping in 2023', { mode })).memory.id).not.toBe(recent!.id);
    }
    // Off: the three tie (and ties go to the older memory, the same in every run), and no part says a hint applied.
    const off = await agent.memories.recall('camping on 3 October 2023', { mode: 'text', timeHints: false });
    expect(new Set(off.slice(0, 3).map((h) => h.score)).size).toBe(1);
    expect(off.slice(0, 3).map((h) => h.memory.id)).toEqual([june!.id, october!.id, recent!.id]);
    expect(off.every((h) => h.parts.timeHint === undefined)).toBe(true);
    // Relative times count back from the time travelled to.
    expect((await first('camping last week', { asOf: Date.UTC(2023, 9, 10) })).memory.id).toBe(october!.id);
    await expectCode(agent.memories.recall('x', { timeHints: 'yes' as never }), 'INVALID_ARGUMENT');
  });

  it('fuses the two lists with configurable weights', async () => {
    const engram = await openEngram(driver);
    const agent = await engram.agent('fusion');
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
    const engram = await openEngram(driver);
    const agent = await engram.agent('prefer');
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
    const engram = await openEngram(driver);
    const agent = await engram.agent('weights');
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

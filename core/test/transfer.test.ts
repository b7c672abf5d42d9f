import { describe, expect, it } from 'vitest';
import type { Agent } from '../src/agent.js';
import { HashEmbedder } from '../src/embedders/hash-embedder.js';
import { exportAgent, importAgent, parseImport, type ExportRecord } from '../src/transfer/index.js';
import { agentStats } from '../src/transfer/stats.js';
import { DRIVER_NAMES, expectCode, openEngram } from './helpers.js';

/** Fills an agent with every kind of data an export carries. */
async function populate(agent: Agent): Promise<void> {
  const m = agent.memories;
  const first = await m.remember({
    text: 'Alice lives in Paris',
    context: 'from the onboarding chat',
    kind: 'fact',
    tags: ['alice', 'home'],
    metadata: { speaker: 'Alice', n: 1, nested: { ok: true } },
    importance: 0.8,
    source: 'chat-1',
    validFrom: '2024-03-01T10:00:00.000Z',
  });
  const second = await m.remember({ text: 'Alice moved to Lyon', supersedes: first.id, validFrom: '2024-06-01T00:00:00.000Z' });
  await m.remember({ text: 'Alice moved to Nice', supersedes: second.id, tags: ['alice'] });
  await m.remember({ text: 'Prefers green tea', kind: 'preference', expiresAt: '2999-01-01T00:00:00.000Z' });
  await m.remember({ text: 'expired already', ttlMs: 1 });
  await agent.files.mkdir('/empty/dir', { recursive: true });
  await agent.files.writeFile('/notes/todo.md', '# Todo\n\n- buy milk\n- call Bob\n', { parents: true });
  await agent.files.writeFile('/bin/blob.bin', Buffer.from([0, 1, 2, 255, 254, 0, 10, 13]), { parents: true });
  await agent.kv.set('user:prefs', { theme: 'dark', langs: ['en', 'fr'] });
  await agent.kv.set('session', 'abc', { ttlMs: 3_600_000 });
  await agent.kv.set('nothing', null);
  const a = await agent.tasks.create({ title: 'research', priority: 2, payload: { q: 'x' } });
  const b = await agent.tasks.create({
    title: 'write',
    dependsOn: [a.id],
    description: 'after research',
    dueAt: '2030-01-01T00:00:00.000Z',
  });
  await agent.tasks.create({ title: 'sub', parentId: b.id, assignee: 'bob' });
  await agent.tasks.claim({ worker: 'w1', leaseMs: 60_000 });
  const done = await agent.tasks.create({ title: 'finished' });
  await agent.tasks.claim({ worker: 'w2', id: done.id });
  await agent.tasks.complete(done.id, { worker: 'w2', result: { ok: 1 } });
  const root = await agent.actions.record({ name: 'plan', input: { goal: 'x' }, output: 'ok', durationMs: 12.5, runId: 'r1' });
  await agent.actions.record({
    name: 'search',
    input: ['q'],
    error: { message: 'boom' },
    parentId: (root as { id: string }).id,
    metadata: { tool: 'web' },
  });
}

async function records(agent: Agent): Promise<ExportRecord[]> {
  const out: ExportRecord[] = [];
  for await (const r of exportAgent(agent, { pageSize: 2 })) out.push(r);
  return out;
}

/** An export without what differs between two agents holding the same data. */
const comparable = (rs: ExportRecord[]) => rs.map((r) => (r.type === 'header' ? { ...r, agentId: '', exportedAt: '' } : r));

describe.each(DRIVER_NAMES)('export and import on %s', (driver) => {
  it('round-trips everything an agent holds, ids, times, links and vectors included', async () => {
    const engram = await openEngram(driver);
    const source = await engram.agent('source');
    await populate(source);
    const exported = await records(source);
    const kinds = exported.map((r) => r.type);
    expect(kinds[0]).toBe('header');
    expect(kinds.at(-1)).toBe('end');
    const end = exported.at(-1) as Extract<ExportRecord, { type: 'end' }>;
    expect(end.counts).toEqual({ memory: 4, directory: 4, file: 2, kv: 3, task: 4, action: 2 });
    // JSON text, as a file carries it
    const parsed = parseImport(exported.map((r) => JSON.stringify(r)).join('\n'));
    expect(parsed.format).toBe('engram');
    const copy = await engram.agent('copy');
    const result = await importAgent(copy, (parsed as { records: ExportRecord[] }).records);
    expect(result.reembedded).toBe(0);
    expect(result.counts.memory).toBe(4);
    expect(comparable(await records(copy))).toEqual(comparable(exported));
    expect(await agentStats(copy)).toEqual(await agentStats(source));

    // What was imported works: recall (both lists), the chain, files, tasks' dependencies.
    const [hit] = await copy.memories.recall('where does Alice live now', { limit: 1 });
    expect(hit!.memory.text).toBe('Alice moved to Nice');
    expect(hit!.parts.text).toBeDefined();
    expect(hit!.parts.vector).toBeDefined();
    expect((await copy.memories.history(hit!.memory.id)).map((x) => x.text)).toEqual([
      'Alice lives in Paris',
      'Alice moved to Lyon',
      'Alice moved to Nice',
    ]);
    expect(await copy.files.readFile('/bin/blob.bin')).toEqual(Buffer.from([0, 1, 2, 255, 254, 0, 10, 13]));
    expect((await copy.files.search('milk'))[0]!.path).toBe('/notes/todo.md');
    expect((await copy.tasks.ready()).map((t) => t.title)).toEqual(['sub']);
    expect(await copy.kv.get('user:prefs')).toEqual({ theme: 'dark', langs: ['en', 'fr'] });
  });

  it('refuses to import over data the agent holds, and writes nothing', async () => {
    const engram = await openEngram(driver);
    const source = await engram.agent('source');
    await populate(source);
    const exported = await records(source);
    const copy = await engram.agent('copy');
    await importAgent(copy, exported);
    const before = await agentStats(copy);
    await expectCode(importAgent(copy, exported), 'CONFLICT');
    expect(await agentStats(copy)).toEqual(before);
    // a key clash alone is refused too, after files and memories were checked
    const kvOnly: ExportRecord[] = exported.filter((r) => r.type === 'header' || r.type === 'kv');
    kvOnly.push({ type: 'end', counts: { memory: 0, directory: 0, file: 0, kv: 3, task: 0, action: 0 } });
    const other = await engram.agent('other');
    await other.memories.remember({ text: 'kept' });
    await other.kv.set('session', 'mine');
    await expectCode(importAgent(other, kvOnly), 'CONFLICT');
    expect(await other.kv.get('session')).toBe('mine');
    expect(await agentStats(other)).toMatchObject({ memories: 1, kv: 1 });
  });

  it('refuses cut-off, damaged and foreign-version files', async () => {
    const engram = await openEngram(driver);
    const source = await engram.agent('source');
    await populate(source);
    const exported = await records(source);
    const target = await engram.agent('target');
    await expectCode(importAgent(target, exported.slice(0, -3)), 'INVALID_ARGUMENT');
    await expectCode(importAgent(target, [{ ...exported[0]!, version: 99 } as ExportRecord, ...exported.slice(1)]), 'UNSUPPORTED');
    const damaged = exported.map((r) =>
      r.type === 'file' && r.path === '/bin/blob.bin' ? { ...r, data: Buffer.from('other').toString('base64') } : r,
    );
    await expectCode(importAgent(target, damaged), 'INVALID_ARGUMENT');
    const badMemory = exported.map((r) => (r.type === 'memory' ? { ...r, kind: 'Not A Kind' } : r));
    await expectCode(importAgent(target, badMemory), 'INVALID_ARGUMENT');
    const badPath = exported.map((r) => (r.type === 'file' ? { ...r, path: '/../escape' } : r));
    await expectCode(importAgent(target, badPath), 'INVALID_ARGUMENT');
    expect(await agentStats(target)).toMatchObject({ memories: 0, files: 0, directories: 0, kv: 0, tasks: 0, actions: 0 });
  });

  it('imports more memories than one batch of term postings, all searchable', async () => {
    const engram = await openEngram(driver);
    const source = await engram.agent('source');
    const note = (i: number) => ({ text: `note number ${i} about topic${i % 7} word${i}` });
    await source.memories.remember(Array.from({ length: 550 }, (_, i) => note(i)));
    await source.memories.remember(Array.from({ length: 550 }, (_, i) => note(550 + i)));
    const copy = await engram.agent('copy');
    expect((await importAgent(copy, await records(source))).counts.memory).toBe(1100);
    for (const i of [0, 499, 500, 1099]) {
      const [hit] = await copy.memories.recall(`word${i}`, { mode: 'text', limit: 1 });
      expect(hit!.memory.text).toBe(`note number ${i} about topic${i % 7} word${i}`);
    }
    expect(await copy.memories.count({ kinds: ['fact'] })).toBe(1100);
  });

  it('re-embeds memories when the file comes from another embedder', async () => {
    const engram = await openEngram(driver);
    const source = await engram.agent('source');
    await populate(source);
    const exported = await records(source);
    const other = await openEngram(driver, { embedder: new HashEmbedder({ dims: 32 }) });
    const copy = await other.agent('copy');
    const progress: string[] = [];
    const result = await importAgent(copy, exported, { onProgress: (p) => progress.push(p.phase) });
    expect(result.reembedded).toBe(4);
    expect(progress).toContain('embed');
    expect(progress.at(-1)).toBe('write');
    const again = await records(copy);
    const vector = (again.find((r) => r.type === 'memory') as { vector: string }).vector;
    expect(Buffer.from(vector, 'base64').length).toBe(32 * 4);
    expect((await copy.memories.recall('green tea', { mode: 'vector', limit: 1 }))[0]!.memory.text).toBe('Prefers green tea');
  });
});

describe('foreign formats', () => {
  it('reads an MCP memory server graph', () => {
    const text = [
      '{"type":"entity","name":"John_Smith","entityType":"person","observations":["Speaks fluent Spanish","Graduated in 2019"]}',
      '{"type":"entity","name":"Anthropic","entityType":"organization","observations":[]}',
      '{"type":"relation","from":"John_Smith","to":"Anthropic","relationType":"works_at"}',
    ].join('\n');
    const parsed = parseImport(text);
    expect(parsed.format).toBe('mcp-memory');
    const memories = (parsed as { memories: { text: string; kind?: string; context?: string }[] }).memories;
    expect(memories.map((m) => [m.kind, m.text])).toEqual([
      ['fact', 'Speaks fluent Spanish'],
      ['fact', 'Graduated in 2019'],
      ['entity', 'Anthropic is a organization'],
      ['relation', 'John Smith works at Anthropic'],
    ]);
    expect(memories[0]!.context).toBe('John Smith (person)');
    expect(() => parseImport('{"type":"entity","name":"x"}\n{"type":"entity"}')).toThrow(/entityType/);
  });

  it('reads a mem0 export, as a list or as get_all results', () => {
    const list = [
      {
        id: '9f1c',
        memory: 'Likes hiking',
        user_id: 'alice',
        metadata: { topic: 'hobby' },
        categories: ['hobbies'],
        created_at: '2024-07-20T01:50:33.123456-07:00',
      },
    ];
    for (const text of [JSON.stringify(list, null, 2), JSON.stringify({ results: list })]) {
      const parsed = parseImport(text);
      expect(parsed.format).toBe('mem0');
      expect((parsed as { memories: unknown[] }).memories).toEqual([
        {
          text: 'Likes hiking',
          kind: 'fact',
          source: 'mem0',
          tags: ['hobbies'],
          metadata: { topic: 'hobby', mem0_id: '9f1c', user_id: 'alice' },
          validFrom: Date.parse('2024-07-20T08:50:33.123Z'),
        },
      ]);
    }
    expect(() => parseImport('[{"memory": 3}]')).toThrow(/non-empty string/);
    expect(() => parseImport('nonsense')).toThrow(/not JSON/);
  });
});

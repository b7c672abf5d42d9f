/**
 * Every tool and resource through the SDK's real Client over an in-memory transport, on both
 * engines: schemas, results, hostile ids and paths, and bad arguments coming back as tool
 * errors a model can read.
 */
import type { Engram, Memory, RecallResult } from '@engram/core';
import { suiteSetup } from '@engram/test-support';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DRIVER_NAMES, call, callError, inMemoryClient, openEngram, textOf } from './helpers.js';

const TOOLS = [
  'action_list',
  'action_record',
  'action_stats',
  'agent_info',
  'branch_create',
  'branch_diff',
  'branch_finish',
  'branch_list',
  'file_delete',
  'file_list',
  'file_read',
  'file_search',
  'file_write',
  'kv_delete',
  'kv_get',
  'kv_list',
  'kv_set',
  'memory_forget',
  'memory_history',
  'memory_list',
  'memory_recall',
  'memory_remember',
  'memory_update',
  'task_claim',
  'task_create',
  'task_finish',
  'task_list',
];

describe.each(DRIVER_NAMES)('tools over MCP (%s)', (driver) => {
  let engram: Engram;
  let client: Client;
  beforeEach(async () => {
    engram = await openEngram(driver);
    client = await inMemoryClient(engram, 'agent-1');
  });

  describe('memory_list, memory_history, memory_update and memory_forget', () => {
    let moved: Memory;
    beforeEach(async () => {
      const { memories } = await call<{ memories: Memory[] }>(client, 'memory_remember', {
        memories: [
          { text: 'The user lives in Berlin', tags: ['profile'] },
          { text: 'Temporary note one', tags: ['tmp'] },
          { text: 'Temporary note two', tags: ['tmp'] },
        ],
      });
      const [berlin] = memories;
      const next = await call<{ memories: Memory[] }>(client, 'memory_remember', {
        memories: [{ text: 'The user moved to Lisbon', tags: ['profile'], supersedes: berlin!.id }],
      });
      moved = next.memories[0]!;
    });

    it('memory_list leaves superseded memories out and gives the total', async () => {
      const page = await call<{ memories: Memory[]; total: number }>(client, 'memory_list', { tags: ['profile'] });
      expect(page.total).toBe(1);
      expect(page.memories.map((m) => m.text)).toEqual(['The user moved to Lisbon']);
    });

    it('memory_list includes superseded memories on request, one page at a time', async () => {
      const all = await call<{ memories: Memory[]; total: number }>(client, 'memory_list', {
        includeSuperseded: true,
        limit: 2,
        order: 'oldest',
      });
      expect(all.total).toBe(4);
      expect(all.memories).toHaveLength(2);
    });

    it('memory_history shows the chain of versions', async () => {
      const history = await client.callTool({ name: 'memory_history', arguments: { id: moved.id } });
      expect((history.structuredContent as { memories: Memory[] }).memories.map((m) => m.text)).toEqual([
        'The user lives in Berlin',
        'The user moved to Lisbon',
      ]);
      expect(textOf(history)).toContain(`superseded`);
    });

    it('memory_update changes the text, the metadata and the expiry', async () => {
      const updated = await call<{ memory: Memory }>(client, 'memory_update', {
        id: moved.id,
        text: 'The user moved to Lisbon in 2024',
        metadata: { city: 'Lisbon' },
        expiresAt: null,
      });
      expect(updated.memory).toMatchObject({ text: 'The user moved to Lisbon in 2024', metadata: { city: 'Lisbon' }, expiresAt: null });
    });

    it('memory_forget by filter, by id and all, counting what it forgot', async () => {
      expect(await call(client, 'memory_forget', { tags: ['tmp'] })).toEqual({ forgotten: 2 });
      expect(await call(client, 'memory_forget', { id: moved.id })).toEqual({ forgotten: 1 });
      expect(await call(client, 'memory_forget', { id: moved.id })).toEqual({ forgotten: 0 });
      expect(await call(client, 'memory_forget', { all: true })).toEqual({ forgotten: 1 });
      expect(await call(client, 'memory_list')).toEqual({ memories: [], total: 0 });
    });
  });

  it('agent_info names the agent and counts its memories, without its file path', async () => {
    const agent7 = await inMemoryClient(engram, 'agent-7');
    await call(agent7, 'memory_remember', { memories: [{ text: 'one' }, { text: 'two' }] });
    const info = await call<Record<string, unknown>>(agent7, 'agent_info');
    expect(info).toMatchObject({ id: 'agent-7', driver, memories: 2, embedder: { id: 'hash-64@1', dims: 64 } });
    expect(info).not.toHaveProperty('path');
  });

  describe("the agent's files", () => {
    let written: { file: { path: string; size: number; isText: boolean } };
    beforeEach(async () => {
      written = await call<{ file: { path: string; size: number; isText: boolean } }>(client, 'file_write', {
        path: 'notes/deploy.md',
        content: '# Deploy\nRun the migrations first.\nThen restart the workers.\n',
      });
      await call(client, 'file_write', { path: '/notes/deploy.md', content: 'Check the dashboards.\n', append: true });
      await call(client, 'file_write', { path: '/notes/todo/today.txt', content: 'call Bob' });
    });

    it('file_write creates the file with its parents and returns its entry', () => {
      expect(written.file).toMatchObject({ path: '/notes/deploy.md', isText: true });
    });

    it('file_write with overwrite: false refuses an existing file with CONFLICT', async () => {
      expect(await callError(client, 'file_write', { path: '/notes/todo/today.txt', content: 'x', overwrite: false })).toMatch(/^CONFLICT/);
    });

    it('file_read returns the text once, as content; the structured result says which lines and how big', async () => {
      const whole = await client.callTool({ name: 'file_read', arguments: { path: '/notes/deploy.md' } });
      expect(textOf(whole)).toBe('# Deploy\nRun the migrations first.\nThen restart the workers.\nCheck the dashboards.\n');
      expect(whole.structuredContent).toEqual({ path: '/notes/deploy.md', startLine: 1, lines: 4, bytes: 83 });
      const part = await client.callTool({ name: 'file_read', arguments: { path: '/notes/deploy.md', startLine: 2, endLine: 3 } });
      expect(textOf(part)).toBe('Run the migrations first.\nThen restart the workers.');
      expect(part.structuredContent).toEqual({ path: '/notes/deploy.md', startLine: 2, lines: 2, bytes: 51 });
    });

    it('file_list lists a tree as readable text, and filters by glob', async () => {
      const listed = await client.callTool({ name: 'file_list', arguments: { path: '/notes', recursive: true } });
      expect(textOf(listed)).toMatch(/^3 entries in \/notes:\n- \/notes\/deploy\.md {2}\d+ B {2}text\/markdown/);
      const md = await call<{ entries: { path: string }[] }>(client, 'file_list', { path: '/notes', recursive: true, glob: '*.md' });
      expect(md.entries.map((e) => e.path)).toEqual(['/notes/deploy.md']);
    });

    it('file_search finds a file by its words, with the line', async () => {
      const found = await call<{ results: { path: string; startLine: number }[] }>(client, 'file_search', {
        query: 'migrations',
        mode: 'text',
      });
      expect(found.results[0]).toMatchObject({ path: '/notes/deploy.md', startLine: 1 });
    });

    it('file_delete refuses a non-empty directory, pointing to recursive', async () => {
      expect(await callError(client, 'file_delete', { path: '/notes/todo' })).toMatch(/^CONFLICT: .*recursive/);
    });

    it('file_delete with recursive removes a tree, and reading it then is NOT_FOUND', async () => {
      expect(await call(client, 'file_delete', { path: '/notes', recursive: true })).toEqual({ removed: 4 });
      expect(await call(client, 'file_list')).toEqual({ entries: [] });
      expect(await callError(client, 'file_read', { path: '/notes/deploy.md' })).toMatch(/^NOT_FOUND/);
    });
  });

  it('refuses hostile file paths with readable errors and writes nothing', async () => {
    for (const path of ['../../etc/passwd', '/a/../../b', 'C:\\Windows\\system32', '/a\u0000b', '', '/x'.repeat(2000)]) {
      expect(await callError(client, 'file_write', { path, content: 'pwned' }), path).toMatch(/^INVALID_ARGUMENT: /);
      expect(await callError(client, 'file_read', { path }), path).toMatch(/^INVALID_ARGUMENT: /);
      expect(await callError(client, 'file_delete', { path, recursive: true }), path).toMatch(/^INVALID_ARGUMENT: /);
    }
    expect(await callError(client, 'file_delete', { path: '/', recursive: true })).toMatch(/^INVALID_ARGUMENT: the root/);
    expect(await call(client, 'file_list', { recursive: true })).toEqual({ entries: [] });
  });

  describe('key-value state', () => {
    let set: unknown;
    beforeEach(async () => {
      set = await call(client, 'kv_set', { key: 'settings:theme', value: { dark: true, size: 14 } });
      await call(client, 'kv_set', { key: 'settings:lang', value: 'en', ttlMs: 60_000 });
      await call(client, 'kv_set', { key: 'progress', value: null });
    });

    it('kv_set answers with the key', () => {
      expect(set).toEqual({ key: 'settings:theme' });
    });

    it('kv_get returns the value, null as a found value, and found: false for a missing key', async () => {
      expect(await call(client, 'kv_get', { key: 'settings:theme' })).toEqual({
        key: 'settings:theme',
        found: true,
        value: { dark: true, size: 14 },
      });
      expect(await call(client, 'kv_get', { key: 'progress' })).toEqual({ key: 'progress', found: true, value: null });
      expect(await call(client, 'kv_get', { key: 'nope' })).toEqual({ key: 'nope', found: false });
    });

    it('kv_list prints the keys under a prefix with their values', async () => {
      const listed = await client.callTool({ name: 'kv_list', arguments: { prefix: 'settings:', values: true } });
      expect(textOf(listed)).toBe('- settings:lang = "en"\n- settings:theme = {"dark":true,"size":14}');
    });

    it('kv_delete tells whether it deleted the key', async () => {
      expect(await call(client, 'kv_delete', { key: 'settings:lang' })).toEqual({ deleted: true });
      expect(await call(client, 'kv_delete', { key: 'settings:lang' })).toEqual({ deleted: false });
      const keys = await call<{ entries: { key: string }[] }>(client, 'kv_list');
      expect(keys.entries.map((e) => e.key)).toEqual(['progress', 'settings:theme']);
    });

    it('kv_set refuses a missing value, an empty key and an oversized value', async () => {
      expect(await callError(client, 'kv_set', { key: 'x' })).toMatch(/Input validation error.* at value/);
      expect(await callError(client, 'kv_set', { key: '', value: 1 })).toMatch(/^INVALID_ARGUMENT: key must be/);
      expect(await callError(client, 'kv_set', { key: 'big', value: 'x'.repeat(300_000) })).toMatch(/^LIMIT_EXCEEDED/);
    });
  });

  describe('tasks', () => {
    type T = { task: { id: string; status: string; result?: unknown; attempts: number } };
    let fetch: T, sum: T;
    beforeEach(async () => {
      fetch = await call<T>(client, 'task_create', { title: 'Fetch the pages', priority: 5, payload: { urls: ['a'] } });
      sum = await call<T>(client, 'task_create', { title: 'Summarise', dependsOn: [fetch.task.id] });
    });

    it('task_list with ready lists the tasks that can start, as readable text', async () => {
      const ready = await client.callTool({ name: 'task_list', arguments: { ready: true } });
      expect((ready.structuredContent as { tasks: { id: string }[] }).tasks.map((t) => t.id)).toEqual([fetch.task.id]);
      expect(textOf(ready)).toMatch(/^- \[task_\S+\] \(pending, priority 5\) Fetch the pages$/);
    });

    it('task_claim takes the ready task; nothing more is ready while its dependent waits', async () => {
      const claimed = await call<T>(client, 'task_claim', { worker: 'w1' });
      expect(claimed.task).toMatchObject({ id: fetch.task.id, status: 'running' });
      expect(await call(client, 'task_claim', { worker: 'w1' })).toEqual({ task: null });
    });

    it('task_finish done by another worker is CONFLICT; by the holder it stores the result', async () => {
      await call<T>(client, 'task_claim', { worker: 'w1' });
      expect(await callError(client, 'task_finish', { id: fetch.task.id, outcome: 'done', worker: 'w2' })).toMatch(/^CONFLICT/);
      const done = await call<T>(client, 'task_finish', { id: fetch.task.id, outcome: 'done', worker: 'w1', result: { pages: 3 } });
      expect(done.task).toMatchObject({ status: 'done', result: { pages: 3 } });
    });

    describe('once its dependency is done', () => {
      beforeEach(async () => {
        await call<T>(client, 'task_claim', { worker: 'w1' });
        await call<T>(client, 'task_finish', { id: fetch.task.id, outcome: 'done', worker: 'w1', result: { pages: 3 } });
      });

      it('task_claim by id takes the dependent task', async () => {
        expect((await call<T>(client, 'task_claim', { worker: 'w1', id: sum.task.id })).task.status).toBe('running');
      });

      it('task_finish failed needs an error; released puts the task back; failed with an error fails it', async () => {
        await call<T>(client, 'task_claim', { worker: 'w1', id: sum.task.id });
        expect(await callError(client, 'task_finish', { id: sum.task.id, outcome: 'failed', worker: 'w1' })).toMatch(/^INVALID_ARGUMENT/);
        expect((await call<T>(client, 'task_finish', { id: sum.task.id, outcome: 'released', worker: 'w1' })).task.status).toBe('pending');
        expect((await call<T>(client, 'task_finish', { id: sum.task.id, outcome: 'failed', error: 'no pages' })).task).toMatchObject({
          status: 'failed',
          attempts: 1,
        });
      });

      it('task_list filters by several statuses', async () => {
        await call<T>(client, 'task_finish', { id: sum.task.id, outcome: 'failed', error: 'no pages' });
        const all = await call<{ tasks: { status: string }[] }>(client, 'task_list', { status: ['done', 'failed'] });
        expect(all.tasks.map((t) => t.status).sort()).toEqual(['done', 'failed']);
      });
    });

    it('task_finish cancelled cancels a task with its subtasks', async () => {
      const plan = await call<T>(client, 'task_create', { title: 'Plan' });
      await call(client, 'task_create', { title: 'Step', parentId: plan.task.id });
      const cancelled = await call<{ cancelled: string[] }>(client, 'task_finish', { id: plan.task.id, outcome: 'cancelled' });
      expect(cancelled.cancelled).toHaveLength(2);
    });

    it('task_create refuses an unknown dependency', async () => {
      expect(await callError(client, 'task_create', { title: 'x', dependsOn: ['task_nope'] })).toMatch(/^(INVALID_ARGUMENT|NOT_FOUND)/);
    });
  });

  describe('branches and snapshots', () => {
    beforeEach(async () => {
      await call(client, 'memory_remember', { memories: [{ text: 'kept before the snapshot' }] });
    });

    it('branch_create makes a snapshot, and branch_finish restore brings its state back', async () => {
      expect(await call(client, 'branch_create', { kind: 'snapshot', name: 'before' })).toMatchObject({
        kind: 'snapshot',
        info: { name: 'before' },
      });
      await call(client, 'memory_remember', { memories: [{ text: 'written after the snapshot' }] });
      await call(client, 'branch_finish', { name: 'before', outcome: 'restore' });
      expect((await call<{ total: number }>(client, 'memory_list')).total).toBe(1);
    });

    it('branch_list lists branches and snapshots apart', async () => {
      await call(client, 'branch_create', { kind: 'snapshot', name: 'before' });
      await call(client, 'branch_create', { kind: 'branch', name: 'try-1' });
      const listed = await call<{ branches: { name: string }[]; snapshots: { name: string }[] }>(client, 'branch_list');
      expect(listed.branches.map((b) => b.name)).toEqual(['try-1']);
      expect(listed.snapshots.map((b) => b.name)).toEqual(['before']);
    });

    it('branch_diff of an untouched branch shows no changes', async () => {
      await call(client, 'branch_create', { kind: 'branch', name: 'try-1' });
      expect(await call(client, 'branch_diff', { name: 'try-1' })).toMatchObject({ parentMoved: false, tables: [] });
    });

    it('branch_finish discard drops a branch', async () => {
      await call(client, 'branch_create', { kind: 'branch', name: 'try-1' });
      expect(await call(client, 'branch_finish', { name: 'try-1', outcome: 'discard' })).toMatchObject({ existed: true });
    });

    it('refuses a hostile branch name and an unknown branch', async () => {
      expect(await callError(client, 'branch_create', { kind: 'branch', name: '../evil' })).toMatch(/^INVALID_ARGUMENT/);
      expect(await callError(client, 'branch_diff', { name: 'nope' })).toMatch(/^NOT_FOUND/);
    });
  });

  describe('actions', () => {
    type A = { id: string; name: string; status: string; durationMs: number };
    let ok: A, failed: A;
    beforeEach(async () => {
      ok = await call<A>(client, 'action_record', { name: 'web_search', input: { q: 'tea' }, output: ['a'], durationMs: 120, runId: 'r1' });
      failed = await call<A>(client, 'action_record', { name: 'web_search', error: 'timeout', durationMs: 300, parentId: ok.id });
    });

    it('action_record logs a finished call, or a failed one', () => {
      expect(ok).toMatchObject({ name: 'web_search', status: 'ok', durationMs: 120 });
      expect(failed.status).toBe('error');
    });

    it('action_record refuses an unknown parent and an empty name', async () => {
      expect(await callError(client, 'action_record', { name: 'x', parentId: 'act_' + '0'.repeat(32) })).toMatch(/^NOT_FOUND/);
      expect(await callError(client, 'action_record', { name: '' })).toMatch(/^INVALID_ARGUMENT/);
    });

    it('action_list filters by status', async () => {
      const listed = await call<{ actions: A[] }>(client, 'action_list', { status: 'error' });
      expect(listed.actions.map((a) => a.id)).toEqual([failed.id]);
    });

    it('action_stats gives per-tool counts, errors and percentiles', async () => {
      const stats = await call<{ stats: { name: string; count: number; errors: number; p95Ms: number }[] }>(client, 'action_stats', {});
      expect(stats.stats).toEqual([expect.objectContaining({ name: 'web_search', count: 2, errors: 1, p95Ms: 300 })]);
    });
  });

  it('remembers one memory given as text plus its fields, or a batch as memories; never both', async () => {
    const client = await inMemoryClient(await openEngram(driver), 'agent-1');
    const { tools } = await client.listTools();
    const remember = tools.find((t) => t.name === 'memory_remember')!;
    expect(Object.keys(remember.inputSchema.properties!)).toEqual(
      expect.arrayContaining(['text', 'kind', 'tags', 'metadata', 'supersedes', 'expiresAt', 'memories']),
    );
    expect(remember.inputSchema.required ?? []).toEqual([]);
    expect(remember.description).toMatch(/One memory: pass text/);
    expect(remember.description).toMatch(/memories: \[/);
    const one = await call<{ memories: Memory[] }>(client, 'memory_remember', {
      text: 'Dana takes her coffee black',
      kind: 'preference',
      tags: ['dana'],
      importance: 0.8,
    });
    expect(one.memories).toHaveLength(1);
    expect(one.memories[0]).toMatchObject({ text: 'Dana takes her coffee black', kind: 'preference', tags: ['dana'], importance: 0.8 });
    const next = await call<{ memories: Memory[] }>(client, 'memory_remember', {
      text: 'Dana now takes oat milk',
      supersedes: one.memories[0]!.id,
    });
    expect(next.memories[0]!.supersedes).toBe(one.memories[0]!.id);
    expect(await callError(client, 'memory_remember', { text: 'x', memories: [{ text: 'y' }] })).toMatch(
      /^INVALID_ARGUMENT: pass either text .* not both/,
    );
    expect(await callError(client, 'memory_remember', { kind: 'fact', memories: [{ text: 'y' }] })).toMatch(
      /not both; got memories and kind/,
    );
    expect(await callError(client, 'memory_remember', {})).toMatch(/^INVALID_ARGUMENT: pass text \(one memory/);
    expect(await callError(client, 'memory_remember', { kind: 'fact', tags: ['a'] })).toMatch(/^INVALID_ARGUMENT: text is missing/);
    expect(await callError(client, 'memory_remember', { text: 'x', colour: 'red' })).toMatch(/Unrecognized key.*colour/s);
    expect((await call<{ total: number }>(client, 'memory_list')).total).toBe(1);
  });

  it('answers malformed percent-escapes in resource URIs as invalid params, without a stack trace', async () => {
    const client = await inMemoryClient(await openEngram(driver), 'agent-1');
    await call(client, 'file_write', { path: '/100%/a.md', content: 'percent' });
    for (const uri of ['engram://files/docs/%E0%A4%A', 'engram://files/%zz', 'engram://files/%', 'engram://files/a%2']) {
      await expect(client.readResource({ uri }), uri).rejects.toThrow(
        /^MCP error -32602: INVALID_ARGUMENT: invalid file URI path .*percent-escape|^MCP error -32602: INVALID_ARGUMENT: invalid file URI/,
      );
    }
    const ok = await client.readResource({ uri: 'engram://files/100%25/a.md' });
    expect(ok.contents[0]).toMatchObject({ text: 'percent' });
    await expect(client.readResource({ uri: 'engram://memories/%zz' })).rejects.toThrow(/^MCP error -32602: INVALID_ARGUMENT/);
  });

  describe('resources', () => {
    let memories: Memory[];
    beforeEach(async () => {
      ({ memories } = await call<{ memories: Memory[] }>(client, 'memory_remember', { memories: [{ text: 'Carol likes jazz' }] }));
    });

    it('serves the recent memories as markdown', async () => {
      const { resources } = await client.listResources();
      expect(resources.map((r) => r.uri)).toEqual(['engram://memories/recent']);
      const recent = await client.readResource({ uri: 'engram://memories/recent' });
      expect(recent.contents[0]).toMatchObject({ mimeType: 'text/markdown' });
      expect((recent.contents[0] as { text: string }).text).toContain('Carol likes jazz');
    });

    it('offers templates for one memory and one file', async () => {
      const { resourceTemplates } = await client.listResourceTemplates();
      expect(resourceTemplates.map((t) => t.uriTemplate)).toEqual(['engram://memories/{id}', 'engram://files{+path}']);
    });

    it('serves one memory by id, refusing a malformed id and a missing one', async () => {
      const one = await client.readResource({ uri: `engram://memories/${memories[0]!.id}` });
      expect(JSON.parse((one.contents[0] as { text: string }).text)).toMatchObject({ text: 'Carol likes jazz' });
      await expect(client.readResource({ uri: 'engram://memories/mem_0123' })).rejects.toThrow(
        /^MCP error -32602: INVALID_ARGUMENT: invalid memory id/,
      );
      await expect(client.readResource({ uri: `engram://memories/mem_${'0'.repeat(32)}` })).rejects.toThrow(/NOT_FOUND/);
    });

    it('serves one file by its percent-encoded path, refusing a missing or escaping path', async () => {
      await call(client, 'file_write', { path: '/docs/read me.md', content: '# Hello' });
      const file = await client.readResource({ uri: 'engram://files/docs/read%20me.md' });
      expect(file.contents[0]).toMatchObject({ mimeType: 'text/markdown', text: '# Hello' });
      await expect(client.readResource({ uri: 'engram://files/docs/missing.md' })).rejects.toThrow(/NOT_FOUND/);
      await expect(client.readResource({ uri: 'engram://files/docs/..%2F..%2Fetc%2Fpasswd' })).rejects.toThrow(
        /^MCP error -32602: INVALID_ARGUMENT: invalid path/,
      );
    });
  });

  describe('bad arguments come back as tool errors a model can read, and change nothing', () => {
    // Nothing stored anything, and the server still answers.
    const nothingStored = async () => expect(await call(client, 'memory_list')).toEqual({ memories: [], total: 0 });

    it('missing, mistyped and unknown fields are refused by the schema, naming the field', async () => {
      expect(await callError(client, 'memory_recall', {})).toMatch(/Input validation error.*query/s);
      expect(await callError(client, 'memory_recall', { query: 42 })).toMatch(/query/);
      expect(await callError(client, 'memory_recall', { query: 'x', tag: ['a'] })).toMatch(/Unrecognized key.*tag/);
      expect(await callError(client, 'memory_recall', { query: 'x', mode: 'fuzzy' })).toMatch(/mode/);
      expect(await callError(client, 'memory_remember', { memories: [{ txt: 'typo' }] })).toMatch(/text|txt/);
      await nothingStored();
    });

    it('arguments that are not an object are a JSON-RPC error, not a crash', async () => {
      await expect(client.callTool({ name: 'memory_remember', arguments: 'x' as never })).rejects.toThrow(/expected record/);
      await nothingStored();
    });

    it("values core refuses come back with core's code and message", async () => {
      expect(await callError(client, 'memory_remember', { memories: [{ text: '   ' }] })).toMatch(
        /^INVALID_ARGUMENT: memory 0: memory text is empty/,
      );
      expect(await callError(client, 'memory_remember', { memories: [{ text: 'x', importance: 7 }] })).toMatch(
        /^INVALID_ARGUMENT: .*importance/,
      );
      expect(await callError(client, 'memory_recall', { query: 'x', limit: 1e9 })).toMatch(/^INVALID_ARGUMENT/);
      expect(await callError(client, 'memory_recall', { query: 'x', metadata: { 'a;DROP TABLE memories': 1 } })).toMatch(
        /^INVALID_ARGUMENT: metadata filter key/,
      );
      expect(await callError(client, 'memory_recall', { query: 'x', metadata: { a: { $regex: '.*' } } })).toMatch(
        /unknown operator "\$regex"/,
      );
      expect(await callError(client, 'memory_forget', {})).toMatch(/^INVALID_ARGUMENT: .*all: true/);
      expect(await callError(client, 'memory_forget', { id: `mem_${'0'.repeat(32)}`, tags: ['a'] })).toMatch(
        /^INVALID_ARGUMENT: .*not both/,
      );
      await nothingStored();
    });

    it('hostile memory ids never reach a query or a path', async () => {
      for (const id of ['../../etc/passwd', "mem_' OR 1=1 --", 'mem_' + 'f'.repeat(10_000), '']) {
        expect(await callError(client, 'memory_history', { id })).toMatch(/^INVALID_ARGUMENT: invalid memory id/);
        expect(await callError(client, 'memory_update', { id, text: 'x' })).toMatch(/^INVALID_ARGUMENT: invalid memory id/);
        expect(await callError(client, 'memory_forget', { id })).toMatch(/^INVALID_ARGUMENT: invalid memory id/);
      }
      expect(await callError(client, 'memory_update', { id: `mem_${'0'.repeat(32)}`, text: 'x' })).toMatch(/^NOT_FOUND/);
      await nothingStored();
    });

    it("huge payloads hit core's limits as readable errors", async () => {
      expect(await callError(client, 'memory_remember', { memories: [{ text: 'x'.repeat(1 << 20) }] })).toMatch(/^LIMIT_EXCEEDED: .*bytes/);
      const tooMany = Array.from({ length: 1001 }, (_, i) => ({ text: `m${i}` }));
      expect(await callError(client, 'memory_remember', { memories: tooMany })).toMatch(/^LIMIT_EXCEEDED: a batch holds at most 1000/);
      const wide = { memories: [{ text: 'x', tags: Array.from({ length: 100_001 }, () => 't') }] };
      expect(await callError(client, 'memory_remember', wide)).toMatch(/more than the maximum of 100000 elements/);
      await nothingStored();
    });

    it('an unknown tool is a tool error too', async () => {
      expect(await callError(client, 'memory_delete_everything', {})).toMatch(/Tool memory_delete_everything not found/);
      await nothingStored();
    });
  });

  it("keeps agents apart: a server bound to one agent never sees another agent's memories", async () => {
    const alice = await inMemoryClient(engram, 'alice');
    const bob = await inMemoryClient(engram, 'bob');
    const { memories } = await call<{ memories: Memory[] }>(alice, 'memory_remember', {
      memories: [{ text: 'Alice secret: the vault code is 1234' }],
    });
    expect(await call(bob, 'memory_recall', { query: 'vault code' })).toEqual({ results: [] });
    expect(await callError(bob, 'memory_history', { id: memories[0]!.id })).toMatch(/^NOT_FOUND/);
    expect(await call(bob, 'memory_forget', { id: memories[0]!.id })).toEqual({ forgotten: 0 });
    expect((await call<{ total: number }>(alice, 'memory_list')).total).toBe(1);
  });
});

// Set up once per block (suiteSetup): these tests only read what the server offers and holds.
describe.each(DRIVER_NAMES)('tools over MCP, read only (%s)', (driver) => {
  let client: Client;

  describe('tools/list', () => {
    let tools: Tool[];
    let byName: Record<string, Tool>;
    beforeAll(() =>
      suiteSetup(async () => {
        ({ tools } = await (await inMemoryClient(await openEngram(driver), 'agent-1')).listTools());
        byName = Object.fromEntries(tools.map((t) => [t.name, t]));
      }),
    );

    it('lists every tool', () => {
      expect(tools.map((t) => t.name).sort()).toEqual(TOOLS);
    });

    it('gives every tool an input schema with properties, an output schema, annotations and a description', () => {
      expect(tools).toHaveLength(TOOLS.length);
      for (const tool of tools) {
        expect(tool.inputSchema.type).toBe('object');
        expect(tool.inputSchema.properties, tool.name).toBeTypeOf('object');
        expect(tool.outputSchema?.properties, tool.name).toBeTypeOf('object');
        expect(tool.annotations?.readOnlyHint, tool.name).toBeTypeOf('boolean');
        expect(tool.description!.length, tool.name).toBeGreaterThan(40);
        // zod/SDK version skew empties schemas silently (typescript-sdk #1158, #1987): a tool with
        // arguments must list them.
        if (tool.name !== 'agent_info') expect(Object.keys(tool.inputSchema.properties!).length, tool.name).toBeGreaterThan(0);
      }
    });

    it('memory_recall requires a query and offers its filters', () => {
      const recall = byName.memory_recall!.inputSchema;
      expect(recall.required).toEqual(['query']);
      expect(Object.keys(recall.properties!)).toEqual(
        expect.arrayContaining(['query', 'limit', 'mode', 'tags', 'kinds', 'metadata', 'asOf']),
      );
    });

    it('memory_remember takes a list of memories whose text is required', () => {
      const remember = byName.memory_remember!.inputSchema.properties!.memories as { items: { properties: object; required: string[] } };
      expect(Object.keys(remember.items.properties)).toEqual(expect.arrayContaining(['text', 'kind', 'tags', 'metadata', 'supersedes']));
      expect(remember.items.required).toEqual(['text']);
    });

    it('annotations mark memory_forget destructive and memory_remember neither destructive nor idempotent', () => {
      expect(byName.memory_forget!.annotations).toMatchObject({ destructiveHint: true, readOnlyHint: false });
      expect(byName.memory_remember!.annotations).toMatchObject({ destructiveHint: false, readOnlyHint: false, idempotentHint: false });
    });
  });

  describe('memory_remember and memory_recall', () => {
    let one: { memories: Memory[] };
    let batch: { memories: Memory[] };
    beforeAll(() =>
      suiteSetup(async () => {
        client = await inMemoryClient(await openEngram(driver), 'agent-1');
        one = await call<{ memories: Memory[] }>(client, 'memory_remember', {
          memories: [{ text: 'Alice prefers green tea', kind: 'preference', tags: ['alice'], importance: 0.9 }],
        });
        batch = await call<{ memories: Memory[] }>(client, 'memory_remember', {
          memories: [
            { text: 'Bob drinks espresso every morning', kind: 'preference', tags: ['bob'], metadata: { team: 'core', level: 3 } },
            { text: 'The quarterly report is due in March', kind: 'event', validFrom: '2024-01-15T09:00:00Z', context: 'planning call' },
          ],
        });
      }),
    );

    it('memory_remember stores one memory and returns it with its id', () => {
      expect(one.memories).toHaveLength(1);
      expect(one.memories[0]!.id).toMatch(/^mem_/);
    });

    it('memory_remember stores a batch, keeping each kind and context', () => {
      expect(batch.memories.map((m) => m.kind)).toEqual(['preference', 'event']);
      expect(batch.memories[1]!.context).toBe('planning call');
    });

    it('memory_recall answers with numbered text lines and structured results', async () => {
      const result = await client.callTool({ name: 'memory_recall', arguments: { query: 'green tea', limit: 2 } });
      expect(textOf(result)).toMatch(
        /^1\. \d\.\d{3} \[mem_[0-9a-f]{32}\] \(preference, \d{4}-\d\d-\d\d \d\d:\d\d, tags: alice, importance 0\.9\) Alice prefers green tea/,
      );
      const { results } = result.structuredContent as { results: RecallResult[] };
      expect(results[0]!.memory.text).toBe('Alice prefers green tea');
    });

    it('memory_recall searches by words and by meaning', async () => {
      const text = await call<{ results: RecallResult[] }>(client, 'memory_recall', { query: 'espresso', mode: 'text' });
      expect(text.results.map((r) => r.memory.text)).toEqual(['Bob drinks espresso every morning']);
      const vector = await call<{ results: RecallResult[] }>(client, 'memory_recall', { query: 'espresso', mode: 'vector', limit: 3 });
      expect(vector.results[0]!.parts.vector).toBeDefined();
    });

    it('memory_recall filters by kind and metadata, with weights', async () => {
      const filtered = await call<{ results: RecallResult[] }>(client, 'memory_recall', {
        query: 'drink',
        kinds: ['preference'],
        metadata: { level: { $gte: 3 } },
        weights: { recency: 0.2 },
      });
      expect(filtered.results.map((r) => r.memory.text)).toEqual(['Bob drinks espresso every morning']);
    });

    it('memory_recall filters by time', async () => {
      const old = await call<{ results: RecallResult[] }>(client, 'memory_recall', { query: 'report', until: '2024-02-01', mode: 'text' });
      expect(old.results.map((r) => r.memory.kind)).toEqual(['event']);
    });

    it('memory_recall reads a time named in the query, unless timeHints is false', async () => {
      const dated = await call<{ results: RecallResult[] }>(client, 'memory_recall', { query: 'what was due in January 2024?' });
      expect(dated.results[0]!.memory.kind).toBe('event');
      expect(dated.results[0]!.parts.timeHint).toBe('January 2024');
      const undated = await call<{ results: RecallResult[] }>(client, 'memory_recall', {
        query: 'what was due in January 2024?',
        timeHints: false,
      });
      expect(undated.results.every((r) => r.parts.timeHint === undefined)).toBe(true);
    });

    it('memory_recall says so when nothing matched', async () => {
      const none = await client.callTool({ name: 'memory_recall', arguments: { query: 'report', tags: ['nobody'] } });
      expect(textOf(none)).toBe('No memories matched.');
    });
  });
});

describe('createEngramServer', () => {
  it('offers only the tool groups asked for', async () => {
    const engram = await openEngram('turso');
    const client = await inMemoryClient(engram, 'agent-1', ['kv', 'files']);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(TOOLS.filter((t) => /^(agent_|kv_|file_)/.test(t)));
    expect((await client.listResourceTemplates()).resourceTemplates.map((t) => t.uriTemplate)).toEqual(['engram://files{+path}']);
    expect(client.getInstructions()).not.toContain('memory_recall');
    await expect(inMemoryClient(engram, 'agent-1', ['memories', 'bogus' as never])).rejects.toThrow(/unknown tool group "bogus"/);
  });

  it('refuses a hostile agent id before anything is opened', async () => {
    const engram = await openEngram('turso');
    for (const id of ['../x', 'A', '', 'a/b', 'x'.repeat(129)]) {
      await expect(inMemoryClient(engram, id)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    }
    expect(await engram.list()).toEqual([]);
  });
});

/**
 * The migration path a new user takes, through the real bin: import an MCP memory file and a
 * mem0 export, recall from the CLI, export, re-import into a new agent and compare; on both
 * engines. Also what must not happen: a clash or a cut-off file changes nothing.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DRIVER_NAMES, tempDir } from '../helpers.js';
import { MCP_MEMORY_COUNT, MCP_MEMORY_JSONL, MEM0_EXPORT, populate } from './fixtures.js';
import { cli, json, onTty } from './run-cli.js';

type Rec = Record<string, unknown> & { type: string };
const lines = (text: string): Rec[] =>
  text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Rec);
/** An export without what differs between two agents holding the same data. */
const comparable = (text: string) => lines(text).map((r) => (r.type === 'header' ? { ...r, agentId: '', exportedAt: '' } : r));

describe.each(DRIVER_NAMES)('engram import / export on %s', (driver) => {
  it('imports an MCP memory.jsonl, recalls from it, and round-trips it through export into a new agent', async () => {
    const dir = tempDir();
    const d = ['--dir', dir, '--driver', driver];
    const file = join(dir, 'memory.jsonl');
    writeFileSync(file, MCP_MEMORY_JSONL);

    const imported = await cli(['import', 'me', file, ...d, '--json']);
    expect(imported.code, imported.stderr).toBe(0);
    expect(json(imported)).toMatchObject({ agent: 'me', format: 'mcp-memory', counts: { memory: MCP_MEMORY_COUNT } });
    // no terminal: no progress bar on stderr
    expect(imported.stderr).toBe('');

    const recall = await cli(['recall', 'me', 'where does the user work', ...d, '--json', '--limit', '3']);
    expect(recall.code, recall.stderr).toBe(0);
    const hits = json<{
      results: { memory: { text: string; metadata: Record<string, unknown> }; parts: { vector?: unknown; text?: unknown } }[];
    }>(recall).results;
    const relation = hits.find((h) => h.memory.text === 'default user works at Acme Corp');
    expect(relation, JSON.stringify(hits.map((h) => h.memory.text))).toBeDefined();
    expect(relation!.memory.metadata).toEqual({ from: 'default_user', to: 'Acme_Corp', relationType: 'works_at' });
    expect(relation!.parts.vector).toBeDefined();
    expect(relation!.parts.text).toBeDefined();

    const text = await cli(['recall', 'me', 'what is the user allergic to', ...d, '--limit', '1']);
    expect(text.stdout).toContain('Allergic to peanuts');
    expect(text.stdout).toContain('context: default user (person)');
    expect(text.stdout).toMatch(/why: vector #\d+ \(cos [\d.]+\) · text #1 \(bm25 [\d.]+\) · fused [\d.]+/);

    const out = join(dir, 'me.jsonl');
    const exported = await cli(['export', 'me', '--out', out, ...d]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toBe('');
    expect(exported.stderr).toContain(`exported agent me to ${out}: ${MCP_MEMORY_COUNT} memories`);
    const reimported = await cli(['import', 'me-copy', out, ...d]);
    expect(reimported.code, reimported.stderr).toBe(0);
    const first = await cli(['export', 'me', ...d]);
    const second = await cli(['export', 'me-copy', ...d]);
    expect(comparable(second.stdout)).toEqual(comparable(first.stdout));
    expect(comparable(first.stdout)).toEqual(comparable(readFileSync(out, 'utf8')));
    const again = await cli(['recall', 'me-copy', 'where does the user work', ...d, '--json', '--limit', '3']);
    expect(json(again)).toEqual({ ...json<object>(recall), agent: 'me-copy' });
  });

  it('round-trips an agent holding every kind of data: export, import, re-export, compare', async () => {
    const dir = tempDir();
    const d = ['--dir', dir, '--driver', driver];
    await populate(dir, driver, 'full');
    const first = await cli(['export', 'full', ...d]);
    expect(first.code, first.stderr).toBe(0);
    const records = lines(first.stdout);
    expect(records.at(-1)).toEqual({ type: 'end', counts: { memory: 4, directory: 4, file: 2, kv: 2, task: 2, action: 2 } });
    const imported = await cli(['import', 'full-copy', '-', ...d, '--json'], { input: first.stdout });
    expect(imported.code, imported.stderr).toBe(0);
    expect(json(imported)).toMatchObject({ format: 'engram', reembedded: 0 });
    const second = await cli(['export', 'full-copy', ...d]);
    expect(comparable(second.stdout)).toEqual(comparable(first.stdout));

    // what came back works as it did
    const history = await cli([
      'history',
      'full-copy',
      String(records.find((r) => r.text === 'The user lives in Paris')!.id),
      ...d,
      '--json',
    ]);
    expect(json<{ versions: { text: string }[] }>(history).versions.map((v) => v.text)).toEqual([
      'The user lives in Paris',
      'The user moved to Lyon',
      'The user moved to Nice',
    ]);
    const blob = await cli(['files', 'full-copy', 'cat', '/data/blob.bin', ...d]);
    expect(blob.raw).toEqual(Buffer.from([0, 255, 1, 254, 0, 13, 10, 128]));
    const ready = await cli(['tasks', 'full-copy', '--ready', ...d, '--json']);
    expect(json<unknown[]>(ready)).toEqual([]); // "write" waits for "research", which is running
    const tasks = json<{ title: string; status: string; worker: string | null }[]>(await cli(['tasks', 'full-copy', ...d, '--json']));
    expect(tasks.map((t) => [t.title, t.status, t.worker])).toEqual([
      ['research', 'running', 'w1'],
      ['write', 'pending', null],
    ]);
    expect(JSON.parse((await cli(['kv', 'full-copy', 'get', 'user:prefs', ...d])).stdout)).toEqual({ theme: 'dark', units: 'metric' });
  });

  it('refuses a clash (exit 4) and a cut-off file (exit 2) without changing anything', async () => {
    const dir = tempDir();
    const d = ['--dir', dir, '--driver', driver];
    await populate(dir, driver, 'full');
    const file = join(dir, 'full.jsonl');
    expect((await cli(['export', 'full', '--out', file, ...d])).code).toBe(0);
    // an existing --out is not replaced without --force
    const again = await cli(['export', 'full', '--out', file, ...d]);
    expect(again.code).toBe(4);
    const before = (await cli(['export', 'full', ...d])).stdout;

    const clash = await cli(['import', 'full', file, ...d, '--json']);
    expect(clash.code).toBe(4);
    expect(clash.stdout).toBe('');
    expect(JSON.parse(clash.stderr)).toMatchObject({ error: { code: 'CONFLICT', exitCode: 4 } });
    expect(comparable((await cli(['export', 'full', ...d])).stdout)).toEqual(comparable(before));

    const cut = join(dir, 'cut.jsonl');
    writeFileSync(cut, readFileSync(file, 'utf8').split('\n').slice(0, 4).join('\n'));
    const refused = await cli(['import', 'fresh', cut, ...d]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/incomplete|cut off/);
    expect((await cli(['info', 'fresh', ...d])).code).toBe(3); // the agent made for it is gone again
  });
});

describe('engram import of a mem0 export', () => {
  it('keeps user ids, metadata, categories and creation times', async () => {
    const dir = tempDir();
    const file = join(dir, 'mem0.json');
    writeFileSync(file, MEM0_EXPORT);
    const imported = await cli(['import', 'coach', file, '--dir', dir]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stderr).toContain('imported 3 memories into agent coach (mem0)');
    const alice = json<{
      total: number;
      memories: { text: string; tags: string[]; metadata: Record<string, unknown>; validFrom: string; source: string }[];
    }>(await cli(['memories', 'coach', '--meta', 'user_id=alice', '--oldest', '--dir', dir, '--json']));
    expect(alice.total).toBe(2);
    expect(alice.memories[0]).toMatchObject({
      text: 'Is a vegetarian and avoids dairy',
      tags: ['food', 'health'],
      metadata: { food: 'vegetarian', user_id: 'alice', mem0_id: '892db2ae-06d9-49e5-8b3e-585ef9b85b8e' },
      validFrom: '2024-07-20T08:50:33.123Z',
      source: 'mem0',
    });
    expect(alice.memories[1]!.metadata).toEqual({ user_id: 'alice', agent_id: 'coach', mem0_id: '0e4e7a3c-1d2b-4c9e-9f7a-2b1c3d4e5f60' });
    const wrong = await cli(['import', 'coach2', file, '--format', 'mcp-memory', '--dir', dir]);
    expect(wrong.code).toBe(2);
    expect(existsSync(join(dir, 'agents'))).toBe(true);
    expect((await cli(['info', 'coach2', '--dir', dir])).code).toBe(3);
  });

  it('shows a progress bar on a terminal only', async () => {
    const dir = tempDir();
    const file = join(dir, 'mem0.json');
    writeFileSync(file, MEM0_EXPORT);
    const tty = await onTty(['import', 'coach', file, '--dir', dir]);
    expect(tty.code).toBe(0);
    expect(tty.screen).toMatch(/import coach █+ 100% 3\/3/);
    expect(tty.screen).toContain('imported 3 memories');
    const piped = await cli(['export', 'coach', '--out', join(dir, 'c.jsonl'), '--dir', dir]);
    expect(piped.stderr).not.toContain('█');
    const ttyExport = await onTty(['export', 'coach', '--out', join(dir, 'd.jsonl'), '--dir', dir]);
    expect(ttyExport.screen).toMatch(/export coach █+ 100% 3\/3/);
  });
});

/**
 * files, kv, tasks, actions (with --follow while another process writes) and branch, through
 * the real bin.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engram } from '@engram/core';
import { describe, expect, it } from 'vitest';
import { CLI, tempDir } from '../helpers.js';
import { populate } from './fixtures.js';
import { cli, json } from './run-cli.js';

describe('engram store commands', () => {
  it('files: put from a file and from stdin, ls, cat (binary safe), search, rm', async () => {
    const dir = tempDir();
    const d = ['--dir', dir];
    const local = join(dir, 'photo.bin');
    const bytes = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 37) % 256));
    writeFileSync(local, bytes);
    expect((await cli(['files', 'fa', 'put', '/media/photo.bin', local, ...d])).code).toBe(0);
    const put = await cli(['files', 'fa', 'put', '/notes/todo.md', ...d], { input: '# Todo\n\n- renew the passport\n- book flights\n' });
    expect(put.code, put.stderr).toBe(0);
    expect(put.stderr).toContain('wrote /notes/todo.md');

    const ls = await cli(['files', 'fa', 'ls', '-r', ...d]);
    expect(ls.stdout.split('\n')[0]).toMatch(/^TYPE\s+SIZE\s+MODIFIED\s+PATH$/);
    expect(ls.stdout).toMatch(/file\s+300 B\s+\S+ \S+\s+\/media\/photo\.bin/);
    const entries = json<{ path: string }[]>(await cli(['files', 'fa', 'ls', '/notes', ...d, '--json']));
    expect(entries.map((e) => e.path)).toEqual(['/notes/todo.md']);
    expect((await cli(['files', 'fa', 'cat', '/media/photo.bin', ...d])).raw).toEqual(bytes);
    expect(json<{ base64: string }>(await cli(['files', 'fa', 'cat', '/media/photo.bin', ...d, '--json'])).base64).toBe(
      bytes.toString('base64'),
    );
    expect((await cli(['files', 'fa', 'cat', '/notes/todo.md', ...d])).stdout).toContain('- renew the passport');
    const found = json<{ path: string; startLine: number }[]>(await cli(['files', 'fa', 'search', 'passport renewal', ...d, '--json']));
    expect(found[0]!.path).toBe('/notes/todo.md');

    expect((await cli(['files', 'fa', 'cat', '/nope.txt', ...d])).code).toBe(3);
    expect((await cli(['files', 'fa', 'cat', '/notes', ...d])).code).toBe(2);
    expect((await cli(['files', 'fa', 'put', '/../etc/passwd', local, ...d])).code).toBe(2);
    expect((await cli(['files', 'fa', 'frobnicate', ...d])).code).toBe(2);
    expect((await cli(['files', 'fa', 'rm', '/media', ...d])).code).not.toBe(0); // a non-empty directory needs -r
    expect((await cli(['files', 'fa', 'rm', '/media', '-r', ...d])).code).toBe(0);
    expect(json<unknown[]>(await cli(['files', 'fa', 'ls', ...d, '--json'])).length).toBe(1);
  });

  it('kv: set with JSON or text values and a TTL, get, ls, rm', async () => {
    const dir = tempDir();
    const d = ['--dir', dir];
    expect((await cli(['kv', 'k', 'set', 'prefs', '{"theme":"dark","n":2}', ...d])).code).toBe(0);
    expect((await cli(['kv', 'k', 'set', 'greeting', 'hello world', ...d])).code).toBe(0);
    expect((await cli(['kv', 'k', 'set', 'zip', '01234', '--string', ...d])).code).toBe(0);
    expect((await cli(['kv', 'k', 'set', 'session', '"abc"', '--ttl', '3600000', ...d])).code).toBe(0);
    expect(JSON.parse((await cli(['kv', 'k', 'get', 'prefs', ...d])).stdout)).toEqual({ theme: 'dark', n: 2 });
    expect(JSON.parse((await cli(['kv', 'k', 'get', 'greeting', ...d])).stdout)).toBe('hello world');
    expect(JSON.parse((await cli(['kv', 'k', 'get', 'zip', ...d])).stdout)).toBe('01234');
    const listed = json<{ key: string; expiresAt: string | null; value: unknown }[]>(
      await cli(['kv', 'k', 'ls', '--values', ...d, '--json']),
    );
    expect(listed.map((e) => e.key)).toEqual(['greeting', 'prefs', 'session', 'zip']);
    expect(listed.find((e) => e.key === 'session')!.expiresAt).not.toBeNull();
    expect(json<unknown[]>(await cli(['kv', 'k', 'ls', '--prefix', 'pr', ...d, '--json']))).toHaveLength(1);
    expect((await cli(['kv', 'k', 'rm', 'prefs', ...d])).code).toBe(0);
    expect((await cli(['kv', 'k', 'get', 'prefs', ...d])).code).toBe(3);
    expect((await cli(['kv', 'k', 'rm', 'prefs', ...d])).code).toBe(3);
    expect((await cli(['kv', 'k', 'set', 'x', '1', '--ttl', '-5', ...d])).code).toBe(2);
  });

  it('tasks and actions list what an agent did; branch ls, diff, merge and discard', async () => {
    const dir = tempDir();
    const d = ['--dir', dir];
    await populate(dir, 'turso', 'busy');
    const tasks = await cli(['tasks', 'busy', ...d]);
    expect(tasks.stdout).toMatch(/task_[0-9a-f]{32}\s+running\s+2\s+research\s+-\s+w1/);
    expect(tasks.stdout).toMatch(/write\s+task_[0-9a-f]{32}/);
    expect(json<unknown[]>(await cli(['tasks', 'busy', '--status', 'pending', ...d, '--json']))).toHaveLength(1);
    expect((await cli(['tasks', 'busy', '--status', 'sleeping', ...d])).code).toBe(2);
    const actions = await cli(['actions', 'busy', ...d]);
    const lines = actions.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/ok\s+plan\s+12\.5 ms\s+act_/);
    expect(lines[1]).toMatch(/error\s+search .*timeout\s+parent act_/);
    expect(json<unknown[]>(await cli(['actions', 'busy', '--status', 'error', ...d, '--json']))).toHaveLength(1);

    expect((await cli(['branch', 'busy', 'create', 'draft', ...d])).stdout).toBe('draft\n');
    expect((await cli(['branch', 'busy', 'create', 'scratch', ...d])).code).toBe(0);
    const engram = await Engram.open({ dir });
    const branch = await (await engram.agent('busy')).branches.open('draft');
    await branch.kv.set('plan', 'B');
    await engram.close();
    const ls = json<{ name: string }[]>(await cli(['branch', 'busy', 'ls', ...d, '--json']));
    expect(ls.map((b) => b.name).sort()).toEqual(['draft', 'scratch']);
    const diff = await cli(['branch', 'busy', 'diff', 'draft', ...d]);
    expect(diff.stdout).toMatch(/kv\s+1\s+0\s+0/);
    expect(diff.stdout).toContain('+ kv plan');
    const merged = await cli(['branch', 'busy', 'merge', 'draft', ...d]);
    expect(merged.code, merged.stderr).toBe(0);
    expect(JSON.parse((await cli(['kv', 'busy', 'get', 'plan', ...d])).stdout)).toBe('B');
    expect((await cli(['branch', 'busy', 'discard', 'scratch', ...d])).code).toBe(5);
    expect((await cli(['branch', 'busy', 'discard', 'scratch', '--yes', ...d])).code).toBe(0);
    expect((await cli(['branch', 'busy', 'diff', 'scratch', ...d])).code).toBe(3);
  });

  it('actions --follow prints actions another process records, until interrupted', async () => {
    const dir = tempDir();
    const engram = await Engram.open({ dir });
    const agent = await engram.agent('live');
    await agent.actions.record({ name: 'first', input: {} });
    await agent.close();
    const child = spawn(process.execPath, [CLI, 'actions', 'live', '--follow', '--interval', '100', '--json', '--dir', dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    const seen = async (name: string) => {
      for (let i = 0; i < 200 && !stdout.includes(`"name":"${name}"`); i++) await new Promise((r) => setTimeout(r, 50));
      expect(stdout).toContain(`"name":"${name}"`);
    };
    try {
      await seen('first');
      await agent.actions.record({ name: 'second', input: { n: 2 } });
      await agent.close();
      await seen('second');
      await agent.actions.record({ name: 'third', input: {} });
      await agent.close();
      await seen('third');
    } finally {
      await engram.close();
    }
    const exit = new Promise<number | null>((r) => child.on('close', r));
    child.kill('SIGINT');
    expect(await exit).toBe(0);
    const names = stdout
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { name: string }).name);
    expect(names).toEqual(['first', 'second', 'third']);
  });
});

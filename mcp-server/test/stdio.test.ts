/**
 * `engram mcp` as a client starts it: a child process speaking MCP on stdin/stdout. Needs the
 * built CLI (`npm run build`, which `npm test` runs first).
 */
import { spawn } from 'node:child_process';
import { Engram } from '@engram/core';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { Memory, RecallResult } from '@engram/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CLI, DRIVER_NAMES, agentFiles, call, callError, connected, newClient, onCleanup, tempDir } from './helpers.js';

/**
 * Runs the CLI with `input` on stdin. stdin is then closed, or, with `signalWhen`, left open
 * until stdout shows that text, and the process gets SIGTERM.
 */
function run(args: string[], input = '', signalWhen?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (signalWhen !== undefined && stdout.includes(signalWhen)) child.kill('SIGTERM');
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
    child.stdin.write(input);
    if (signalWhen === undefined) child.stdin.end();
  });
}

const rpc = (id: number | undefined, method: string, params: object = {}) =>
  `${JSON.stringify({ jsonrpc: '2.0', ...(id === undefined ? {} : { id }), method, params })}\n`;
const handshake =
  rpc(1, 'initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } }) +
  rpc(undefined, 'notifications/initialized');

describe.each(DRIVER_NAMES)('engram mcp over stdio (%s)', (driver) => {
  it('serves an agent to the SDK client: the chosen tool groups, remember, recall, list', async () => {
    const dir = tempDir();
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [CLI, 'mcp', '--agent', 'desk-1', '--dir', dir, '--driver', driver, '--tools', 'memories,kv'],
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const client = await connected(newClient(), transport);
    expect(client.getServerVersion()?.name).toBe('engram');
    expect(client.getInstructions()).toContain('desk-1');
    const { tools } = await client.listTools();
    expect(tools.filter((t) => !/^(agent_|memory_|kv_)/.test(t.name))).toEqual([]);
    expect(tools.find((t) => t.name === 'memory_recall')!.inputSchema.properties).toHaveProperty('query');
    await call(client, 'memory_remember', { text: 'The user prefers dark mode in every editor', kind: 'preference' });
    const { results } = await call<{ results: RecallResult[] }>(client, 'memory_recall', { query: 'which theme does the user like?' });
    expect(results[0]!.memory.text).toBe('The user prefers dark mode in every editor');
    expect(await callError(client, 'memory_history', { id: 'nope' })).toMatch(/^INVALID_ARGUMENT/);
    expect((await call<{ total: number }>(client, 'memory_list')).total).toBe(1);
    await expect(client.readResource({ uri: 'engram://memories/%E0%A4%A' })).rejects.toThrow(/^MCP error -32602: INVALID_ARGUMENT/);
    await client.close();
    expect(stderr).toContain(`[engram] serving agent desk-1 from ${dir} (driver ${driver}) over stdio`);
  });
});

describe('engram mcp: stdout carries the protocol only', () => {
  it('answers JSON-RPC on stdout, logs on stderr, and exits 0 when stdin closes', async () => {
    const dir = tempDir();
    const input =
      handshake +
      rpc(2, 'tools/call', { name: 'memory_remember', arguments: { memories: [{ text: 'stdout is sacred' }] } }) +
      rpc(3, 'tools/call', { name: 'memory_recall', arguments: { query: 42 } }) +
      rpc(4, 'tools/call', { name: 'no_such_tool', arguments: {} }) +
      '{ this is not json\n' +
      rpc(5, 'tools/list');
    const { code, stdout, stderr } = await run(['mcp', '--agent', 'pure', '--dir', dir], input);
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    const messages = lines.map(
      (l) => JSON.parse(l) as { jsonrpc: string; id?: number | null; result?: { isError?: boolean }; error?: { code: number } },
    );
    expect(messages.every((m) => m.jsonrpc === '2.0')).toBe(true);
    expect(
      messages
        .filter((m) => typeof m.id === 'number')
        .map((m) => m.id)
        .sort(),
    ).toEqual([1, 2, 3, 4, 5]);
    // The line that is not JSON gets a parse error (id null), and the session goes on.
    expect(messages.filter((m) => m.id === null)).toEqual([{ jsonrpc: '2.0', id: null, error: expect.objectContaining({ code: -32700 }) }]);
    expect(stderr).toContain('[engram] stdio: a line that is not JSON');
    expect(messages.find((m) => m.id === 3)!.result!.isError).toBe(true);
    expect(messages.find((m) => m.id === 4)!.result!.isError).toBe(true);
    expect(stderr).toContain('[engram] serving agent pure');
    expect(stdout).not.toContain('[engram]');
  });

  it('checkpoints and exits 0 on SIGTERM, keeping what was remembered', async () => {
    const dir = tempDir();
    const input = handshake + rpc(2, 'tools/call', { name: 'memory_remember', arguments: { memories: [{ text: 'survives shutdown' }] } });
    const { code, stdout, stderr } = await run(['mcp', '--agent', 'durable', '--dir', dir], input, 'Remembered 1 memory');
    expect(stderr).toContain('SIGTERM: shutting down');
    expect(code).toBe(0);
    expect(stdout).toContain('Remembered 1 memory');
    const engram = await Engram.open({ dir });
    onCleanup(() => engram.close());
    const agent = await engram.agent('durable', { create: false });
    expect((await agent.memories.list()).map((m: Memory) => m.text)).toEqual(['survives shutdown']);
  });

  it('refuses bad command lines with usage on stderr, exit code 2, and nothing created', async () => {
    const dir = tempDir();
    for (const args of [
      ['mcp', '--dir', dir],
      ['mcp', '--agent', '../../etc', '--dir', dir],
      ['mcp', '--agent', 'ok', '--dir', dir, '--driver', 'postgres'],
      ['mcp', '--agent', 'ok', '--dir', dir, '--bogus'],
      ['mcp', '--agent', 'ok', '--dir', dir, '--tools', 'memories,shell'],
      ['frobnicate'],
    ]) {
      const { code, stdout, stderr } = await run(args);
      expect(code, args.join(' ')).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toMatch(/\[engram\] error: .*\n[\s\S]*Usage:/);
    }
    expect(agentFiles(dir)).toEqual([]);
  });
});

describe('engram mcp: malformed request params', () => {
  it('answers each with -32602 Invalid params naming the field, and keeps serving', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [CLI, 'mcp', '--agent', 'p-1', '--dir', tempDir()],
      stderr: 'pipe',
    });
    const client = await connected(newClient(), transport);
    const anything = z.object({}).passthrough();
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['tools/call', { name: 'kv_get', arguments: null }, /params\.arguments: .*expected record, received null/],
      ['tools/call', { name: 'kv_get', arguments: ['key'] }, /params\.arguments: .*received array/],
      ['tools/call', { name: 5, arguments: {} }, /params\.name: .*expected string/],
      ['resources/read', {}, /params\.uri: .*expected string/],
      ['tools/list', { cursor: 5 }, /params\.cursor: .*expected string/],
      ['logging/setLevel', { level: 'loud' }, /params\.level: /],
    ];
    for (const [method, params, message] of cases) {
      const failure = await client.request({ method, params } as never, anything).then(
        () => undefined,
        (err: unknown) => err as { code?: number; message?: string },
      );
      expect(failure?.code, `${method} ${JSON.stringify(params)}`).toBe(-32602);
      expect(failure?.message).toMatch(/Invalid params: /);
      expect(failure?.message).toMatch(message);
    }
    await call(client, 'kv_set', { key: 'still', value: 'serving' });
    expect((await call<{ value: unknown }>(client, 'kv_get', { key: 'still' })).value).toBe('serving');
  });
});

/**
 * Synced agents through the MCP server: two `engram serve` nodes with separate directories and
 * one real sync server (tursodb --sync-server on loopback); a memory written through node A is
 * recalled through node B after a sync interval. And `engram mcp --sync-url` over stdio beside
 * an HTTP node, each with its own replica.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { RecallResult } from '@engram/core';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { describe, expect, it } from 'vitest';
import { SyncServer, tokenGate } from '../../core/test/sync/sync-server.js';
import { CLI, call, callError, connected, newClient, onCleanup, tempDir } from './helpers.js';

const INTERVAL_MS = 300;

async function syncServer(): Promise<SyncServer> {
  const s = await SyncServer.start(join(tempDir(), 'remote.db'));
  onCleanup(() => s.stop());
  return s;
}

/** `engram serve` on a free port with its own directory, synced to `syncUrl`; resolves its URL. */
async function serveNode(syncUrl: string, env: Record<string, string> = {}): Promise<string> {
  const dir = tempDir();
  const child = spawn(
    process.execPath,
    [CLI, 'serve', '--port', '0', '--dir', dir, '--sync-url', syncUrl, '--sync-interval', String(INTERVAL_MS)],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } },
  );
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  onCleanup(async () => {
    child.kill('SIGTERM');
    await exited;
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const match = /Engram MCP server on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
      if (match && stdout.includes('Ctrl+C')) resolve(match[1]!);
    });
    void exited.then((code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
  });
}

async function httpClient(url: string) {
  return connected(newClient(), new StreamableHTTPClientTransport(new URL(url)));
}

async function recallUntil(client: Awaited<ReturnType<typeof httpClient>>, query: string, text: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { results } = await call<{ results: RecallResult[] }>(client, 'memory_recall', { query });
    if (results[0]?.memory.text === text || Date.now() > deadline) return results.map((r) => r.memory.text);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('synced agents through the MCP server', () => {
  it('two serve nodes: a memory written through node A is recalled through node B', async () => {
    const remote = await syncServer();
    const [nodeA, nodeB] = await Promise.all([serveNode(remote.url), serveNode(remote.url)]);
    const a = await httpClient(`${nodeA}/agents/fleet-1/mcp`);
    const b = await httpClient(`${nodeB}/agents/fleet-1/mcp`);
    await call(a, 'memory_remember', { memories: [{ text: 'The deploy window is Tuesday at noon' }] });
    const t0 = Date.now();
    expect(await recallUntil(b, 'when is the deploy window?', 'The deploy window is Tuesday at noon', 10_000)).toContain(
      'The deploy window is Tuesday at noon',
    );
    // One interval on each side (push from A, pull on B), plus the calls themselves.
    expect(Date.now() - t0).toBeLessThan(10_000);
    await call(b, 'memory_remember', { memories: [{ text: 'Node B learned the pager rotation' }] });
    expect(await recallUntil(a, 'pager rotation', 'Node B learned the pager rotation', 10_000)).toContain(
      'Node B learned the pager rotation',
    );
  });

  it('engram mcp --sync-url over stdio beside an HTTP node: a replica each, one agent', async () => {
    const remote = await syncServer();
    const node = await serveNode(remote.url);
    const http = await httpClient(`${node}/agents/desk-2/mcp`);
    await call(http, 'memory_remember', { memories: [{ text: 'Written over HTTP on the server' }] });
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [CLI, 'mcp', '--agent', 'desk-2', '--dir', tempDir(), '--sync-url', remote.url, '--sync-interval', String(INTERVAL_MS)],
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    // Opening the agent bootstraps it from the remote (after node's next push).
    const stdio = await connected(newClient(), transport);
    const seen = await recallUntil(stdio, 'written over HTTP', 'Written over HTTP on the server', 10_000);
    expect(seen, stderr).toContain('Written over HTTP on the server');
    expect(stderr).toContain('synced');
    await call(stdio, 'memory_remember', { memories: [{ text: 'Written from the laptop over stdio' }] });
    expect(await recallUntil(http, 'laptop over stdio', 'Written from the laptop over stdio', 10_000)).toContain(
      'Written from the laptop over stdio',
    );
  });

  it('takes the sync token from ENGRAM_SYNC_TOKEN; a refused token is a SYNC_AUTH tool error', async () => {
    const remote = await syncServer();
    const gate = await tokenGate(remote.url, 'secret-token');
    onCleanup(() => gate.close());
    const good = await httpClient(`${await serveNode(gate.url, { ENGRAM_SYNC_TOKEN: 'secret-token' })}/agents/tok-1/mcp`);
    await call(good, 'memory_remember', { memories: [{ text: 'behind a token' }] });
    const bad = await httpClient(`${await serveNode(gate.url, { ENGRAM_SYNC_TOKEN: 'wrong' })}/agents/tok-1/mcp`);
    expect(await callError(bad, 'memory_list', {})).toMatch(/^SYNC_AUTH/);
  });
});

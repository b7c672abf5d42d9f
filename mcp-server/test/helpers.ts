/** Test helpers: temp dirs, an Engram per driver, and a real SDK client over each transport. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Engram, HashEmbedder, type DriverName } from '@engram/core';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { expect } from 'vitest';
import { onCleanup, tempDir as freshDir } from '@engram/test-support';
import { createEngramServer, type ToolGroup } from '../src/server.js';

export { DRIVER_NAMES, onCleanup } from '@engram/test-support';

export const tempDir = (): string => freshDir('engram-mcp-');

/** The built CLI that `npm run build` writes (spawned by the stdio and serve tests). */
export const CLI = resolve(fileURLToPath(new URL('../dist/cli.js', import.meta.url)));

/** An Engram on `driver` in a fresh temp dir, with the deterministic hash embedder. */
export async function openEngram(driver: DriverName, dir = tempDir()): Promise<Engram> {
  const engram = await Engram.open({ dir, driver, embedder: new HashEmbedder({ dims: 64 }) });
  onCleanup(() => engram.close());
  return engram;
}

/** Every agent database file under a data dir (to check that nothing was created). */
export function agentFiles(dir: string): string[] {
  const root = join(dir, 'agents');
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.db'));
}

/** A connected client, for closing after the test. */
export async function connected(client: Client, transport: Parameters<Client['connect']>[0]): Promise<Client> {
  await client.connect(transport);
  onCleanup(() => client.close());
  return client;
}

export function newClient(): Client {
  return new Client({ name: 'engram-test', version: '1.0.0' });
}

/** A client talking to a server bound to `agentId`, over a linked in-memory pair. */
export async function inMemoryClient(engram: Engram, agentId: string, tools?: ToolGroup[]): Promise<Client> {
  const server = createEngramServer({ engram, agentId, tools });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  onCleanup(() => server.close());
  return connected(newClient(), clientSide);
}

/** The text of a tool result. */
export function textOf(result: unknown): string {
  const { content } = result as CallToolResult;
  return content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}

/** Calls a tool and expects success; returns its structured content. */
export async function call<T = Record<string, unknown>>(client: Client, name: string, args: Record<string, unknown> = {}): Promise<T> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  expect(result.isError, textOf(result)).toBeFalsy();
  expect(textOf(result).length).toBeGreaterThan(0);
  return result.structuredContent as T;
}

/** Calls a tool and expects a tool error (never a thrown protocol error); returns its text. */
export async function callError(client: Client, name: string, args: unknown): Promise<string> {
  const result = (await client.callTool({ name, arguments: args as Record<string, unknown> })) as CallToolResult;
  expect(result.isError, `expected ${name} to fail, got: ${textOf(result)}`).toBe(true);
  return textOf(result);
}

const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
});

/** One raw POST (any headers, e.g. Host, Origin, a session id), loopback only; by default an initialize request. */
export function post(
  url: string,
  headers: Record<string, string> = {},
  body = INITIALIZE,
): Promise<{ status: number; body: string; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers } },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, body: text, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A running `engram serve` / `engram inspect` child: its URL once it printed `ready`, and its output so far. */
export interface CliServer {
  url: string;
  child: ChildProcess;
  exited: Promise<number | null>;
  stdout(): string;
  stderr(): string;
}

/**
 * Starts the built CLI with `args` (killed after the test) and waits until stdout matches
 * `ready` (its first group is the URL) and contains `alsoWait`, if given; rejects if it exits first.
 */
export async function startCli(args: string[], ready: RegExp, alsoWait?: string): Promise<CliServer> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  onCleanup(() => child.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      const match = ready.exec(stdout);
      if (match && (alsoWait === undefined || stdout.includes(alsoWait))) resolve(match[1]!);
    });
    void exited.then((code) => reject(new Error(`${args[0]} exited with ${code}: ${stderr}`)));
  });
  return { url, child, exited, stdout: () => stdout, stderr: () => stderr };
}

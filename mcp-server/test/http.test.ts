/**
 * `engram serve`: Streamable HTTP with one route per agent, sessions bound to their route,
 * bearer tokens, body limits, loopback-only Host/Origin checks, and a graceful shutdown.
 */
import { request } from 'node:http';
import { Engram, type Memory, type RecallResult } from '@engram/core';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { beforeEach, describe, expect, it } from 'vitest';
import { isLoopback, startHttpServer, type HttpServerHandle, type HttpServerOptions } from '../src/http.js';
import { CLI, DRIVER_NAMES, agentFiles, call, connected, newClient, onCleanup, openEngram, startCli, tempDir } from './helpers.js';

async function serve(options: HttpServerOptions): Promise<HttpServerHandle> {
  const handle = await startHttpServer({ port: 0, ...options });
  onCleanup(() => handle.close());
  return handle;
}

function httpClient(url: string, token?: string) {
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: token === undefined ? undefined : { headers: { Authorization: `Bearer ${token}` } },
  });
  return { transport, client: connected(newClient(), transport) };
}

const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
});

/** One raw HTTP request (so tests can set any Host header or body), loopback only. */
function raw(
  url: string,
  { method = 'POST', headers = {}, body = INITIALIZE }: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method, headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers } },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
      },
    );
    req.on('error', reject);
    req.end(method === 'GET' || method === 'DELETE' ? undefined : body);
  });
}

describe.each(DRIVER_NAMES)('engram serve over Streamable HTTP (%s)', (driver) => {
  it('serves each agent on its own route, one session per client', async () => {
    const engram = await openEngram(driver);
    const http = await serve({ engram });
    expect(http.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const alice = httpClient(http.agentUrl('alice'));
    const bob = httpClient(http.agentUrl('bob'));
    const [a, b] = [await alice.client, await bob.client];
    expect(http.sessions).toBe(2);
    const { tools } = await a.listTools();
    expect(Object.keys(tools.find((t) => t.name === 'memory_recall')!.inputSchema.properties!)).toContain('query');
    await call(a, 'memory_remember', { text: 'Alice keeps her keys in the blue bowl' });
    await expect(a.readResource({ uri: 'engram://files/keys%E0%A4%A.md' })).rejects.toThrow(
      /^MCP error -32602: INVALID_ARGUMENT: invalid file URI/,
    );
    const found = await call<{ results: RecallResult[] }>(a, 'memory_recall', { query: 'where are the keys' });
    expect(found.results[0]!.memory.text).toBe('Alice keeps her keys in the blue bowl');
    expect(await call(b, 'memory_recall', { query: 'where are the keys' })).toEqual({ results: [] });
    expect(await call(b, 'agent_info')).toMatchObject({ id: 'bob', memories: 0, driver });
    await bob.transport.terminateSession();
    expect(http.sessions).toBe(1);
  });
});

describe('engram serve: security and limits', () => {
  it('rejects hostile agent ids with 400 or 404 and creates nothing', async () => {
    const engram = await openEngram('turso');
    const http = await serve({ engram });
    const hostile = ['..', '..%2F..%2Fetc', '%2e%2e', 'UPPER', 'a%20b', 'a%00b', '-lead', '_lead', 'x'.repeat(129), '', 'a/b', '..\\..\\x'];
    for (const id of hostile) {
      const { status, body } = await raw(`${http.url}/agents/${id}/mcp`);
      expect([400, 404], `${id}: ${status} ${body}`).toContain(status);
      expect(body).toMatch(/"jsonrpc":"2.0"/);
    }
    expect((await raw(`${http.url}/agents/UPPER/mcp`)).body).toMatch(/invalid agent id/);
    expect(agentFiles(engram.root)).toEqual([]);
    expect(await engram.list()).toEqual([]);
  });

  it("honours a session id only on the route that opened it: another agent's data needs its route", async () => {
    const engram = await openEngram('turso');
    const http = await serve({ engram });
    const alice = httpClient(http.agentUrl('alice'));
    const a = await alice.client;
    await call(a, 'memory_remember', { memories: [{ text: 'Alice private note' }] });
    const sessionId = alice.transport.sessionId!;
    const list = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'memory_list', arguments: {} } });
    const headers = { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' };
    const stolen = await raw(http.agentUrl('mallory'), { headers, body: list });
    expect(stolen.status).toBe(404);
    expect(stolen.body).not.toContain('Alice private note');
    const forged = await raw(http.agentUrl('alice'), { headers: { ...headers, 'mcp-session-id': 'forged' }, body: list });
    expect(forged.status).toBe(404);
    const own = await raw(http.agentUrl('alice'), { headers, body: list });
    expect(own.status).toBe(200);
    expect(own.body).toContain('Alice private note');
    expect(await engram.list()).toEqual(['alice']);
  });

  it('requires the bearer token when one is set: 401 without it or with a wrong one', async () => {
    const engram = await openEngram('turso');
    const http = await serve({ engram, token: 'correct horse battery staple' });
    const url = http.agentUrl('agent-1');
    for (const authorization of [undefined, 'Bearer wrong', 'Bearer correct horse battery stapl', 'Basic Y29ycmVjdA==', 'Bearer ']) {
      const res = await raw(url, { headers: authorization === undefined ? {} : { authorization } });
      expect(res.status, String(authorization)).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    }
    await expect(httpClient(url, 'wrong').client).rejects.toThrow();
    const { client } = httpClient(url, 'correct horse battery staple');
    expect(await call(await client, 'memory_list')).toEqual({ memories: [], total: 0 });
    expect(await engram.list()).toEqual(['agent-1']);
  });

  it('refuses to listen beyond loopback without a token', async () => {
    const engram = await openEngram('turso');
    await expect(startHttpServer({ engram, host: '0.0.0.0', port: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]'].every(isLoopback)).toBe(true);
    expect(['0.0.0.0', '192.168.1.10', '::', 'example.com', '127.example.com'].some(isLoopback)).toBe(false);
  });

  describe('requests it refuses open no session', () => {
    let http: HttpServerHandle;
    let url: string;
    beforeEach(async () => {
      // Without the inspector, which answers every other path (see inspector/inspector-http.test.ts).
      http = await serve({ engram: await openEngram('turso'), inspector: false });
      url = http.agentUrl('agent-1');
    });

    it('413 for a body over the limit', async () => {
      const huge = Buffer.alloc(17 * 1024 * 1024, 'a');
      expect((await raw(url, { body: huge })).status).toBe(413);
      expect(http.sessions).toBe(0);
    });

    it('403 for a foreign Host or Origin, another local page included', async () => {
      expect((await raw(url, { headers: { host: 'evil.example:80' } })).status).toBe(403);
      expect((await raw(url, { headers: { origin: 'https://evil.example' } })).status).toBe(403);
      // Another local page (any other port) is refused; only the server's own origin is a page it serves.
      expect((await raw(url, { headers: { origin: 'http://localhost:3000' } })).status).toBe(403);
      expect(http.sessions).toBe(0);
    });

    it("but an initialize from the server's own origin is served", async () => {
      expect((await raw(url, { headers: { origin: `http://localhost:${http.port}` } })).status).toBe(200);
      expect(http.sessions).toBe(1);
    });

    it('404 for any path but /agents/<id>/mcp', async () => {
      expect((await raw(`${http.url}/`)).status).toBe(404);
      expect((await raw(`${http.url}/agents/agent-1`)).status).toBe(404);
      expect(http.sessions).toBe(0);
    });

    it('400 for a GET without a session, a request before initialize, and a body that is not JSON', async () => {
      expect((await raw(url, { method: 'GET' })).status).toBe(400);
      const notInit = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} });
      expect((await raw(url, { body: notInit })).status).toBe(400);
      expect((await raw(url, { body: '{not json' })).status).toBe(400);
      expect(http.sessions).toBe(0);
    });
  });
});

describe('engram serve (the CLI)', () => {
  it('prints how to connect, serves agents, and checkpoints every agent on SIGTERM', async () => {
    const dir = tempDir();
    const served = await startCli(['serve', '--port', '0', '--dir', dir], /Engram MCP server on (http:\/\/127\.0\.0\.1:\d+)/, 'Ctrl+C');
    const { url, child, exited } = served;
    const stdout = served.stdout();
    expect(stdout).toContain(`${url}/agents/demo-agent/mcp`);
    expect(stdout).toContain(`Web inspector: ${url}/`);
    const desktop = JSON.parse(/over stdio:\n(\{[\s\S]*?\n\})\n/.exec(stdout)![1]!) as unknown;
    expect(desktop).toEqual({ mcpServers: { engram: { command: 'node', args: [CLI, 'mcp', '--agent', 'demo-agent', '--dir', dir] } } });
    expect(stdout).toContain(`claude mcp add engram -- node ${CLI} mcp --agent demo-agent --dir ${dir}`);
    expect(stdout).toContain(`claude mcp add --transport http engram ${url}/agents/demo-agent/mcp`);

    const { client, transport } = httpClient(`${url}/agents/demo-agent/mcp`);
    const c = await client;
    await call<{ memories: Memory[] }>(c, 'memory_remember', { memories: [{ text: 'served over HTTP, kept after shutdown' }] });
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(served.stderr()).toContain('SIGTERM: shutting down');
    await transport.close();
    const engram = await Engram.open({ dir });
    onCleanup(() => engram.close());
    const agent = await engram.agent('demo-agent', { create: false });
    expect((await agent.memories.list()).map((m) => m.text)).toEqual(['served over HTTP, kept after shutdown']);
  });
});

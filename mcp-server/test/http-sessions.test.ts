/**
 * Session floods: sessions that never send a request after initialize expire within seconds;
 * each client (token, or address without tokens) has its own cap, so one cannot starve
 * another; the least recently used idle session is closed before anyone is refused, and 503
 * comes only when every session in the way is busy. Real SDK clients and raw requests.
 */
import { request, type ClientRequest } from 'node:http';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { describe, expect, it, vi } from 'vitest';
import { startHttpServer, type HttpServerHandle, type HttpServerOptions } from '../src/http.js';
import { DRIVER_NAMES, call, connected, newClient, onCleanup, openEngram, post } from './helpers.js';

async function serve(options: HttpServerOptions): Promise<HttpServerHandle> {
  const handle = await startHttpServer({ port: 0, ...options });
  onCleanup(() => handle.close());
  return handle;
}

async function sdkClient(url: string, token?: string) {
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: token === undefined ? undefined : { headers: { Authorization: `Bearer ${token}` } },
  });
  const client = await connected(newClient(), transport);
  return { client, transport };
}

/** Opens a session with a raw initialize (and nothing else); returns its id. */
async function initializeOnly(url: string, headers: Record<string, string> = {}): Promise<{ status: number; sessionId?: string }> {
  const res = await post(url, headers);
  return { status: res.status, sessionId: res.headers['mcp-session-id'] as string | undefined };
}

/** A POST on a session whose body is never finished: the session stays busy until `end()`. */
function holdBusy(url: string, sessionId: string, headers: Record<string, string> = {}): ClientRequest {
  const req = request(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-session-id': sessionId,
      'mcp-protocol-version': '2025-06-18',
      ...headers,
    },
  });
  req.on('error', () => {});
  req.write('{"jsonrpc":"2.0","id":9,');
  return req;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe.each(DRIVER_NAMES)('session floods (%s)', (driver) => {
  it('expires sessions that send no request after initialize within seconds, and keeps working ones', async () => {
    const engram = await openEngram(driver);
    const http = await serve({ engram, sessionInitTimeoutMs: 300 });
    const { client } = await sdkClient(http.agentUrl('agent-1'));
    await call(client, 'memory_remember', { text: 'a working session' });
    const ids: (string | undefined)[] = [];
    for (let i = 0; i < 20; i++) ids.push((await initializeOnly(http.agentUrl('agent-1'))).sessionId);
    expect(ids.every((id) => typeof id === 'string')).toBe(true);
    await vi.waitFor(() => expect(http.sessions).toBe(1), { timeout: 5000, interval: 50 });
    const ping = JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'ping' });
    const headers = { 'mcp-session-id': ids[19]!, 'mcp-protocol-version': '2025-06-18' };
    expect((await post(http.agentUrl('agent-1'), headers, ping)).status).toBe(404);
    expect(await call(client, 'memory_list')).toMatchObject({ total: 1 });
  });

  it("one token's flood of initialize-only sessions never locks out another client", async () => {
    const engram = await openEngram(driver);
    const http = await serve({ engram, tokens: { 'flood-token': '*', 'good-token': '*' }, maxSessions: 50, maxSessionsPerClient: 10 });
    const good = await sdkClient(http.agentUrl('agent-1'), 'good-token');
    await call(good.client, 'memory_remember', { text: 'kept through the flood' });
    const statuses = new Set<number>();
    for (let i = 0; i < 200; i++) statuses.add((await initializeOnly(http.agentUrl('agent-2'), bearer('flood-token'))).status);
    // The flood never got 503: its own least recently used idle sessions made room.
    expect([...statuses]).toEqual([200]);
    expect(http.sessions).toBe(11);
    expect(await call(good.client, 'memory_list')).toMatchObject({ total: 1 });
    const late = await sdkClient(http.agentUrl('agent-3'), 'good-token');
    expect(await call(late.client, 'agent_info')).toMatchObject({ id: 'agent-3' });
  });
});

describe('session expiry', () => {
  it('closes a working session once idle longer than sessionIdleMs, but never while a request runs', async () => {
    const engram = await openEngram('turso');
    const http = await serve({ engram, sessionIdleMs: 400, sessionInitTimeoutMs: 60_000 });
    const url = http.agentUrl('agent-1');
    const { client, transport } = await sdkClient(url);
    await call(client, 'agent_info');
    const busy = holdBusy(url, transport.sessionId!);
    onCleanup(() => busy.destroy());
    await new Promise((r) => setTimeout(r, 1200));
    expect(http.sessions).toBe(1); // busy for three idle periods: kept
    busy.destroy();
    await vi.waitFor(() => expect(http.sessions).toBe(0), { timeout: 5000, interval: 50 });
  });
});

describe('session caps', () => {
  it('without tokens, a local flood of initialize-only sessions closes its own leftovers, not a working session from the same address', async () => {
    const engram = await openEngram('sqlite');
    const http = await serve({ engram, maxSessionsPerClient: 10 });
    const { client } = await sdkClient(http.agentUrl('agent-1'));
    await call(client, 'memory_remember', { text: 'used before the flood' });
    for (let i = 0; i < 100; i++) expect((await initializeOnly(http.agentUrl('agent-1'))).status).toBe(200);
    expect(http.sessions).toBe(10);
    expect(await call(client, 'memory_list')).toMatchObject({ total: 1 });
  });

  it('without tokens, caps each client address; past the server cap the least recently used idle session is closed, and 503 comes only when all are busy', async () => {
    const engram = await openEngram('turso');
    const http = await serve({ engram, maxSessions: 2 });
    const url = http.agentUrl('agent-1');
    const first = (await initializeOnly(url)).sessionId!;
    const second = (await initializeOnly(url)).sessionId!;
    const busy = holdBusy(url, first);
    onCleanup(() => busy.destroy());
    await new Promise((r) => setTimeout(r, 100));
    // At the cap: the idle one (second) makes room, the busy one stays.
    const third = (await initializeOnly(url)).sessionId!;
    expect(third).toBeDefined();
    expect(http.sessions).toBe(2);
    const ping = JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'ping' });
    const session = (id: string) => ({ 'mcp-session-id': id, 'mcp-protocol-version': '2025-06-18' });
    expect((await post(url, session(second), ping)).status).toBe(404);
    // Both remaining sessions busy: now, and only now, a new one is refused.
    const busy2 = holdBusy(url, third);
    onCleanup(() => busy2.destroy());
    await new Promise((r) => setTimeout(r, 100));
    const refused = await initializeOnly(url);
    expect(refused.status).toBe(503);
    busy.destroy();
    busy2.destroy();
    await vi.waitFor(async () => expect((await initializeOnly(url)).status).toBe(200), { timeout: 5000, interval: 100 });
  });
});

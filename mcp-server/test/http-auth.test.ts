/**
 * Who may reach what over HTTP: tokens scoped to agents (403 before any session or agent is
 * made), the all-agents token, tokens files re-read on SIGHUP, empty tokens refused, and the
 * Origin allow-list (no other local page may drive the server). Real SDK clients and raw
 * requests against `startHttpServer` and a spawned `engram serve`, on both engines.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { describe, expect, it, vi } from 'vitest';
import { startHttpServer, type HttpServerHandle, type HttpServerOptions } from '../src/http.js';
import { parseTokenScopes } from '../src/http/auth.js';
import { CLI, DRIVER_NAMES, agentFiles, call, connected, newClient, onCleanup, openEngram, post, tempDir } from './helpers.js';

async function serve(options: HttpServerOptions): Promise<HttpServerHandle> {
  const handle = await startHttpServer({ port: 0, ...options });
  onCleanup(() => handle.close());
  return handle;
}

function clientWith(url: string, token?: string) {
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: token === undefined ? undefined : { headers: { Authorization: `Bearer ${token}` } },
  });
  return connected(newClient(), transport).then((client) => ({ client, transport }));
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe.each(DRIVER_NAMES)('tokens scoped to agents (%s)', (driver) => {
  it('opens only the agents a token covers: 403 elsewhere, before any session or agent is made', async () => {
    const engram = await openEngram(driver);
    const http = await serve({
      engram,
      token: 'root-token',
      tokens: { 'alice-token': ['alice'], 'team-token': ['team-*', 'bob'], 'all-token': '*' },
    });
    const { client: alice } = await clientWith(http.agentUrl('alice'), 'alice-token');
    await call(alice, 'memory_remember', { text: 'Alice private note' });
    // alice-token on another agent: 403, and no session, no agent file.
    const denied = await post(http.agentUrl('bob'), bearer('alice-token'));
    expect(denied.status).toBe(403);
    expect(denied.body).toMatch(/does not open agent bob/);
    await expect(clientWith(http.agentUrl('bob'), 'alice-token')).rejects.toThrow(/does not open agent bob/);
    expect(http.sessions).toBe(1);
    expect(await engram.list()).toEqual(['alice']);
    // Globs, the all-agents entry and the --token all-agents token.
    expect((await post(http.agentUrl('team-red'), bearer('team-token'))).status).toBe(200);
    expect((await post(http.agentUrl('teamred'), bearer('team-token'))).status).toBe(403);
    expect((await post(http.agentUrl('bob'), bearer('team-token'))).status).toBe(200);
    expect((await post(http.agentUrl('zed'), bearer('all-token'))).status).toBe(200);
    const { client: root } = await clientWith(http.agentUrl('alice'), 'root-token');
    expect(await call(root, 'memory_list')).toMatchObject({ total: 1 });
    // No token, or an unknown one: 401.
    expect((await post(http.agentUrl('alice'))).status).toBe(401);
    expect((await post(http.agentUrl('alice'), bearer('alice-token-2'))).status).toBe(401);
    expect(agentFiles(engram.root).length).toBe(1);
  });

  it("honours a session only for the token that opened it: another token (even one that opens the agent) gets 404, and alice's token never reaches bob's session", async () => {
    const engram = await openEngram(driver);
    const http = await serve({ engram, tokens: { 'alice-token': 'alice', 'other-token': ['alice', 'bob'] } });
    const { transport } = await clientWith(http.agentUrl('alice'), 'alice-token');
    const list = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} });
    const session = { 'mcp-session-id': transport.sessionId!, 'mcp-protocol-version': '2025-06-18' };
    expect((await post(http.agentUrl('alice'), { ...bearer('other-token'), ...session }, list)).status).toBe(404);
    expect((await post(http.agentUrl('bob'), { ...bearer('alice-token'), ...session }, list)).status).toBe(403);
    expect((await post(http.agentUrl('alice'), { ...bearer('alice-token'), ...session }, list)).status).toBe(200);
  });
});

describe('tokens: refused when empty, reloaded from a file', () => {
  it('refuses an empty or padded token, in options, in a tokens map and on the command line', async () => {
    const engram = await openEngram('turso');
    await expect(startHttpServer({ engram, port: 0, token: '' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(startHttpServer({ engram, port: 0, token: '  ' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(startHttpServer({ engram, port: 0, tokens: { '': '*' } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(startHttpServer({ engram, port: 0, tokens: { t: ['../etc'] } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(startHttpServer({ engram, port: 0, host: '0.0.0.0', tokens: {} })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(() => parseTokenScopes(['t'])).toThrow(/JSON object mapping each token/);
    expect(() => parseTokenScopes({ t: 5 })).toThrow(/string or an array of strings/);
    const dir = tempDir();
    for (const [args, env] of [
      [['--token', ''], {}],
      [[], { ENGRAM_TOKEN: '' }],
      [['--tokens', join(dir, 'missing.json')], {}],
    ] as const) {
      const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--dir', dir, ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, ENGRAM_TOKEN: undefined, ...env },
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      expect(code, `${args.join(' ')} ${JSON.stringify(env)}: ${stderr}`).not.toBe(0);
      expect(stderr).toMatch(/must not be empty|cannot read the tokens file/);
    }
  });

  it('engram inspect refuses an empty token as a usage error naming where it came from, as serve does', async () => {
    const dir = tempDir();
    for (const [args, env, source] of [
      [['--token', ''], {}, '--token'],
      [[], { ENGRAM_TOKEN: '' }, 'ENGRAM_TOKEN'],
    ] as const) {
      const child = spawn(process.execPath, [CLI, 'inspect', '--port', '0', '--dir', dir, ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, ENGRAM_TOKEN: undefined, ...env },
      });
      onCleanup(() => child.kill('SIGKILL'));
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      expect(code, stderr).toBe(2);
      expect(stderr).toContain(source);
    }
  });

  it('engram serve --tokens FILE re-reads the file on SIGHUP, keeps the old tokens if the new file is bad, and closes revoked sessions', async () => {
    const dir = tempDir();
    const file = join(dir, 'tokens.json');
    writeFileSync(file, JSON.stringify({ 'first-token': ['alice'] }));
    const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--dir', dir, '--tokens', file], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    onCleanup(() => child.kill('SIGKILL'));
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const base = await new Promise<string>((resolve) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        const match = /Engram MCP server on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
        if (match) resolve(match[1]!);
      });
    });
    expect(stdout).toContain('bearer token required');
    const alice = `${base}/agents/alice/mcp`;
    const { client } = await clientWith(alice, 'first-token');
    await call(client, 'memory_remember', { text: 'before the reload' });
    expect((await post(alice, bearer('second-token'))).status).toBe(401);

    writeFileSync(file, '{ not json');
    child.kill('SIGHUP');
    await vi.waitFor(() => expect(stderr).toContain('SIGHUP: kept the previous tokens'), { timeout: 5000 });
    expect((await post(alice, bearer('first-token'))).status).toBe(200);

    writeFileSync(file, JSON.stringify({ 'second-token': ['alice', 'bob'] }));
    child.kill('SIGHUP');
    await vi.waitFor(() => expect(stderr).toContain(`SIGHUP: reloaded tokens from ${file}`), { timeout: 5000 });
    expect((await post(alice, bearer('first-token'))).status).toBe(401);
    expect((await post(`${base}/agents/bob/mcp`, bearer('second-token'))).status).toBe(200);
    // The revoked token's open session is gone too.
    await expect(client.callTool({ name: 'memory_list', arguments: {} })).rejects.toThrow();
    child.kill('SIGTERM');
  });
});

describe('origins', () => {
  it('lets no other web page drive a loopback server without a token: only its own origin and --allow-origin', async () => {
    const engram = await openEngram('turso');
    const http = await serve({ engram, allowOrigins: ['http://localhost:5173'] });
    const url = http.agentUrl('agent-1');
    for (const origin of [
      'http://localhost:3000',
      'http://127.0.0.1:9999',
      'http://localhost',
      'null',
      'https://localhost:5173',
      'file://',
    ]) {
      expect((await post(url, { origin })).status, origin).toBe(403);
    }
    expect((await post(url, { origin: 'http://localhost:5173' })).status).toBe(200);
    expect((await post(url, { origin: `http://127.0.0.1:${http.port}` })).status).toBe(200);
    expect((await post(url, { origin: `http://[::1]:${http.port}` })).status).toBe(200);
    expect((await post(url)).status).toBe(200); // a non-browser client sends no Origin
    // DNS rebinding: a foreign Host, even with a matching-looking Origin.
    expect((await post(url, { host: `evil.example:${http.port}`, origin: `http://evil.example:${http.port}` })).status).toBe(403);
    // The same rules cover every route, not only the MCP endpoints.
    expect((await post(`${http.url}/`, { origin: 'http://localhost:3000' })).status).toBe(403);
    expect(http.sessions).toBe(4); // the allowed page, the server's own pages and the plain client
    await expect(startHttpServer({ engram, port: 0, allowOrigins: ['localhost:5173'] })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });

  it('answers CORS preflights and responses for allowed origins only, without needing the token', async () => {
    const engram = await openEngram('turso');
    const http = await serve({ engram, tokens: { 't-1': '*' }, allowOrigins: ['http://localhost:5173'] });
    const url = http.agentUrl('agent-1');
    const preflight = (origin: string) =>
      new Promise<{ status: number; headers: Record<string, unknown> }>((resolve, reject) => {
        const req = request(url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } }, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers }));
        });
        req.on('error', reject);
        req.end();
      });
    const ok = await preflight('http://localhost:5173');
    expect(ok.status).toBe(204);
    expect(ok.headers).toMatchObject({
      'access-control-allow-origin': 'http://localhost:5173',
      'access-control-allow-headers': expect.stringContaining('mcp-session-id'),
    });
    const bad = await preflight('http://localhost:3000');
    expect(bad.status).toBe(403);
    expect(bad.headers['access-control-allow-origin']).toBeUndefined();
    const answer = await post(url, { origin: 'http://localhost:5173', ...bearer('t-1') });
    const res: Record<string, unknown> = { status: answer.status, ...answer.headers };
    expect(res).toMatchObject({
      status: 200,
      'access-control-allow-origin': 'http://localhost:5173',
      'access-control-expose-headers': expect.stringContaining('mcp-session-id'),
    });
    expect(res['mcp-session-id']).toBeDefined();
  });

  it('checks the Origin with tokens too, and hands any route the same check (auth.check)', async () => {
    const engram = await openEngram('sqlite');
    const http = await serve({ engram, tokens: { 'a-token': ['a-*'] } });
    const url = http.agentUrl('a-1');
    expect((await post(url, { ...bearer('a-token'), origin: 'http://localhost:3000' })).status).toBe(403);
    expect((await post(url, bearer('a-token'))).status).toBe(200);
    const fake = (headers: Record<string, string>) =>
      ({ headers: { host: `127.0.0.1:${http.port}`, ...headers }, socket: { remoteAddress: '127.0.0.1' } }) as never;
    const ok = http.auth.check(fake(bearer('a-token')));
    expect(ok.ok && ok.principal.canOpen('a-2') && !ok.principal.canOpen('b-1')).toBe(true);
    expect(http.auth.check(fake({}))).toMatchObject({ ok: false, status: 401 });
    expect(http.auth.check(fake(bearer('a-token')), { agentId: 'b-1' })).toMatchObject({ ok: false, status: 403 });
  });
});

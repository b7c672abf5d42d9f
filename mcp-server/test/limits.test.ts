/**
 * Sizes past the transport's limits, over both transports and both engines: an oversized
 * request is answered with a JSON-RPC error and the server goes on serving; no reply is ever
 * larger than an SDK client reads; the largest file core accepts can be written; a file too
 * large for one reply is refused with advice, never sent twice. Uses the SDK's real Client
 * over a spawned `engram mcp` (stdio) and over Streamable HTTP.
 */
import { spawn } from 'node:child_process';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LoggingMessageNotificationSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { startHttpServer } from '../src/http.js';
import { MAX_MESSAGE_BYTES, MAX_REPLY_BYTES } from '../src/limits.js';
import { CLI, DRIVER_NAMES, call, callError, connected, newClient, onCleanup, openEngram, tempDir, textOf } from './helpers.js';

const MiB = 1024 * 1024;

/** A text of about `bytes` bytes in lines of words (so core can index it). */
function bigText(bytes: number, seed = 'alpha'): string {
  const line = `${seed} bravo charlie delta echo foxtrot golf hotel india juliett kilo lima mike november\n`;
  return line.repeat(Math.ceil(bytes / line.length)).slice(0, bytes);
}

interface Served {
  client: Client;
  /** What the server wrote to stderr so far (stdio only). */
  stderr: () => string;
}

async function overStdio(driver: string): Promise<Served> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, 'mcp', '--agent', 'big-1', '--dir', tempDir(), '--driver', driver],
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return { client: await connected(newClient(), transport), stderr: () => stderr };
}

async function overHttp(driver: string): Promise<Served> {
  const engram = await openEngram(driver as 'turso' | 'sqlite');
  const http = await startHttpServer({ engram, port: 0 });
  onCleanup(() => http.close());
  const client = await connected(newClient(), new StreamableHTTPClientTransport(new URL(http.agentUrl('big-1'))));
  return { client, stderr: () => '' };
}

const TRANSPORTS = [
  ['stdio', overStdio],
  ['http', overHttp],
] as const;

describe.each(DRIVER_NAMES)('sizes past the limits (%s)', (driver) => {
  describe.each(TRANSPORTS)('over %s', (transportName, serve) => {
    it('answers a request over the transport limit with an error, then goes on serving', async () => {
      const { client, stderr } = await serve(driver);
      const warnings: unknown[] = [];
      client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void warnings.push(n.params));
      // 1000 memories of 32 KB: within core's limits, but 32 MB in one message.
      const memories = Array.from({ length: 1000 }, (_, i) => ({ text: bigText(32 * 1024 - 16, `m${i}`) }));
      const sent = client.callTool({ name: 'memory_remember', arguments: { memories } });
      await expect(sent).rejects.toThrow(
        transportName === 'stdio' ? /Request too large: 3\d\.\d MiB is over the 16\.0 MiB/ : /413|too large/i,
      );
      // The same connection still answers, and nothing was stored.
      expect(await call(client, 'memory_list')).toMatchObject({ total: 0 });
      if (transportName === 'stdio') {
        // The client is told why too, as a log notification (HTTP answers 413).
        expect(warnings).toContainEqual({
          level: 'warning',
          logger: 'engram',
          data: expect.stringMatching(/^stdio: skipped a message of 3\d\.\d MiB/),
        });
        expect(stderr()).toMatch(/\[engram\] stdio: skipped a message of 3\d\.\d MiB, over the 16\.0 MiB limit; answered id \d+/);
      }
      // A batch under the transport's limit but over what one reply can echo is a tool error.
      const tooMany = Array.from({ length: 150 }, (_, i) => ({ text: bigText(32 * 1024 - 16, `n${i}`) }));
      expect(await callError(client, 'memory_remember', { memories: tooMany })).toMatch(
        /^LIMIT_EXCEEDED: these memories are 4\.\d MiB as JSON, over the 4\.0 MiB one call may store: split them/,
      );
      expect(await call(client, 'memory_list')).toMatchObject({ total: 0 });
      // A large batch that fits is stored, and its reply stays small (previews, not the texts twice).
      const fits = Array.from({ length: 100 }, (_, i) => ({ text: bigText(32 * 1024 - 16, `k${i}`) }));
      const stored = (await client.callTool({ name: 'memory_remember', arguments: { memories: fits } })) as CallToolResult;
      expect(stored.isError).toBeFalsy();
      expect((stored.structuredContent as { memories: unknown[] }).memories).toHaveLength(100);
      expect(textOf(stored).length).toBeLessThan(100 * 300);
      // Reading them all back at once would be a 13 MB reply (text plus structured): refused
      // with advice, where it used to end a stdio client's connection. A page that fits is fine.
      const more = Array.from({ length: 100 }, (_, i) => ({ text: bigText(32 * 1024 - 16, `j${i}`) }));
      await call(client, 'memory_remember', { memories: more });
      expect(await callError(client, 'memory_list', { limit: 200 })).toMatch(
        /^LIMIT_EXCEEDED: the reply would be 1\d\.\d MiB, over the 8\.0 MiB one reply may carry: pass a smaller limit and page with offset/,
      );
      expect(await callError(client, 'memory_recall', { query: 'bravo charlie', limit: 200 })).toMatch(
        /^LIMIT_EXCEEDED: .*pass a smaller limit/,
      );
      expect(await call(client, 'memory_list', { limit: 50 })).toMatchObject({ total: 200 });
    });

    it('writes the largest file core accepts, reads it in parts, and refuses one reply that would not fit', async () => {
      const { client } = await serve(driver);
      const content = bigText(10 * MiB);
      expect(JSON.stringify({ content }).length).toBeLessThan(MAX_MESSAGE_BYTES);
      await call(client, 'file_write', { path: '/big/log.txt', content });
      const whole = await callError(client, 'file_read', { path: '/big/log.txt' });
      expect(whole).toMatch(
        /^LIMIT_EXCEEDED: the reply would be 10\.\d MiB, over the 8\.0 MiB one reply may carry: read \/big\/log\.txt in parts with startLine \/ endLine/,
      );
      // The resource is refused before it is read, as invalid params.
      await expect(client.readResource({ uri: 'engram://files/big/log.txt' })).rejects.toThrow(
        /-32602: LIMIT_EXCEEDED: \/big\/log\.txt is 10\.0 MiB/,
      );
      // A 6 MB part comes back once: in content, not again in structuredContent.
      const lines = Math.floor((6 * MiB) / 87);
      const part = (await client.callTool({
        name: 'file_read',
        arguments: { path: '/big/log.txt', startLine: 1, endLine: lines },
      })) as CallToolResult;
      expect(part.isError, textOf(part)).toBeFalsy();
      expect(textOf(part).length).toBeGreaterThan(5 * MiB);
      expect(textOf(part)).toBe(content.split('\n').slice(0, lines).join('\n'));
      expect(part.structuredContent).toEqual({ path: '/big/log.txt', startLine: 1, lines, bytes: textOf(part).length });
      expect(JSON.stringify(part).length).toBeLessThan(MAX_REPLY_BYTES);
      expect(await call(client, 'agent_info')).toMatchObject({ id: 'big-1' });
    });
  });
});

/** Runs `engram mcp` with raw lines on stdin; resolves with stdout lines once stdin closes. */
function rawStdio(lines: (string | Buffer)[]): Promise<{ code: number | null; out: Record<string, unknown>[]; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'mcp', '--agent', 'raw-1', '--dir', tempDir()], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      resolve({
        code,
        out: stdout
          .trimEnd()
          .split('\n')
          .map((l) => JSON.parse(l) as Record<string, unknown>),
        stderr,
      }),
    );
    void (async () => {
      for (const line of lines) if (!child.stdin.write(line)) await new Promise((r) => child.stdin.once('drain', r));
      child.stdin.end();
    })();
  });
}

describe('engram mcp: oversized lines on stdin', () => {
  it('answers each with its id when it can be found (first or last), null when not, nothing for a notification, and keeps serving', async () => {
    const pad = 'x'.repeat(17 * MiB);
    const rpc = (o: object) => `${JSON.stringify({ jsonrpc: '2.0', ...o })}\n`;
    const { code, out, stderr } = await rawStdio([
      rpc({
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
      }),
      rpc({ method: 'notifications/initialized' }),
      rpc({ id: 'first', method: 'tools/call', params: { name: 'memory_remember', arguments: { text: pad } } }),
      // The SDK's client puts the id last.
      `{"method":"tools/call","params":{"name":"memory_remember","arguments":{"text":"${pad}","id":"nested-not-top"}},"jsonrpc":"2.0","id":77}\n`,
      `{"method":"notifications/progress","params":{"note":"${pad}"},"jsonrpc":"2.0"}\n`,
      `[{"id":5,"junk":"${pad}"}]\n`,
      `"${pad}\n`,
      rpc({ id: 2, method: 'tools/call', params: { name: 'memory_remember', arguments: { text: 'still here' } } }),
      rpc({ id: 3, method: 'tools/list' }),
    ]);
    expect(code).toBe(0);
    const byId = (id: unknown) => out.filter((m) => m.id === id);
    expect(byId('first')).toEqual([
      {
        jsonrpc: '2.0',
        id: 'first',
        error: expect.objectContaining({ code: -32600, message: expect.stringMatching(/^Request too large: 17\.0 MiB/) }),
      },
    ]);
    expect(byId(77)).toEqual([{ jsonrpc: '2.0', id: 77, error: expect.objectContaining({ code: -32600 }) }]);
    expect(byId('nested-not-top')).toEqual([]);
    expect(byId(null)).toHaveLength(2); // the batch and the bare string: no id to find
    expect(byId(2)[0]).toMatchObject({ result: { content: [{ type: 'text', text: expect.stringMatching(/^Remembered 1 memory/) }] } });
    expect(byId(3)[0]).toMatchObject({ result: { tools: expect.any(Array) } });
    const answers = out.filter((m) => !('method' in m));
    expect(answers).toHaveLength(7); // initialize, 4 errors, 2 answers: the notification got none
    // Each skipped message is also told to the client as a warning log notification.
    const warnings = out.filter((m) => m.method === 'notifications/message');
    expect(warnings).toHaveLength(5);
    expect(warnings[0]).toMatchObject({
      params: { level: 'warning', data: expect.stringMatching(/^stdio: skipped a message of 17\.0 MiB/) },
    });
    expect(stderr.match(/stdio: skipped a message of 17\.0 MiB/g)).toHaveLength(5);
    expect(stderr).toContain('(a notification: not answered)');
  });
});

/**
 * MCP logging: the server declares `logging`, answers `logging/setLevel` with {}, and sends
 * `notifications/message` at or above the level set (info until one is set): tool failures
 * as warning, and each call at debug. Over the SDK's real Client on stdio and HTTP, both engines.
 */
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { LoggingMessageNotificationSchema, type LoggingMessageNotification } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it, vi } from 'vitest';
import { startHttpServer } from '../src/http.js';
import { CLI, DRIVER_NAMES, call, callError, connected, newClient, onCleanup, openEngram, tempDir } from './helpers.js';

async function overStdio(driver: string): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, 'mcp', '--agent', 'log-1', '--dir', tempDir(), '--driver', driver],
    stderr: 'pipe',
  });
  return connected(newClient(), transport);
}

async function overHttp(driver: string): Promise<Client> {
  const http = await startHttpServer({ engram: await openEngram(driver as 'turso' | 'sqlite'), port: 0 });
  onCleanup(() => http.close());
  return connected(newClient(), new StreamableHTTPClientTransport(new URL(http.agentUrl('log-1'))));
}

describe.each(DRIVER_NAMES)('logging (%s)', (driver) => {
  it.each([
    ['stdio', overStdio],
    ['http', overHttp],
  ] as const)('over %s: declares logging, honours setLevel, sends log notifications', async (_name, open) => {
    const client = await open(driver);
    expect(client.getServerCapabilities()?.logging).toEqual({});
    const got: LoggingMessageNotification['params'][] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void got.push(n.params));

    // Default level info: a failure (warning) is sent, a successful call (debug) is not.
    expect(await callError(client, 'memory_history', { id: 'nope' })).toMatch(/^INVALID_ARGUMENT/);
    await vi.waitFor(() => expect(got).toHaveLength(1));
    expect(got[0]).toMatchObject({
      level: 'warning',
      logger: 'engram',
      data: expect.stringMatching(/^memory_history failed: INVALID_ARGUMENT/),
    });
    await call(client, 'agent_info');

    expect(await client.setLoggingLevel('debug')).toEqual({});
    await call(client, 'agent_info');
    await vi.waitFor(() => expect(got).toHaveLength(2));
    expect(got[1]).toMatchObject({ level: 'debug', data: expect.stringMatching(/^agent_info: ok in [\d.]+ ms$/) });

    expect(await client.setLoggingLevel('error')).toEqual({});
    expect(await callError(client, 'memory_history', { id: 'nope' })).toMatch(/^INVALID_ARGUMENT/);
    await call(client, 'agent_info');
    // A bad level is a protocol error, not a silent no-op.
    await expect(
      client.request({ method: 'logging/setLevel', params: { level: 'loud' } } as never, LoggingMessageNotificationSchema as never),
    ).rejects.toThrow(/-32602|Invalid/);
    await call(client, 'agent_info');
    expect(got).toHaveLength(2);
  });
});

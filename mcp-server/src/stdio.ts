/**
 * The stdio transport: one agent per process, as MCP clients such as Claude Desktop start it.
 * stdout carries the protocol and nothing else. A bad or oversized message is answered with a
 * JSON-RPC error and logged, never a reason to stop: only the client closing stdin ends the
 * session, and requests it had already sent are answered before `done` resolves.
 */
import type { Readable, Writable } from 'node:stream';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { isJSONRPCRequest, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { clientLogOf } from './client-log.js';
import { InFlight } from './in-flight.js';
import { createEngramServer, type EngramServerOptions } from './server.js';
import { LineTransport } from './stdio/transport.js';

export interface StdioOptions extends EngramServerOptions {
  /** Default process.stdin. */
  stdin?: Readable;
  /** Default process.stdout. */
  stdout?: Writable;
  /** Longest wait for requests still running once the client has gone (default 30 s). */
  drainMs?: number;
  /** Longest message read (default 16 MiB); a longer one is skipped and answered with an error. */
  maxMessageBytes?: number;
}

export interface StdioSession {
  server: McpServer;
  /** Resolves when the client has gone (stdin ended) and its requests are answered. */
  done: Promise<void>;
  /** Resolves once no request is running (or after `timeoutMs`). */
  drain(timeoutMs?: number): Promise<void>;
}

/**
 * Serves one agent over stdin/stdout until the client disconnects.
 * @example
 * const { server, done } = await serveStdio({ engram, agentId: 'agent-42' });
 * await done;
 * await server.close();
 */
export async function serveStdio(options: StdioOptions): Promise<StdioSession> {
  const stdin = options.stdin ?? process.stdin;
  const drainMs = options.drainMs ?? 30_000;
  const server = createEngramServer(options);
  const transport = new LineTransport({ stdin, stdout: options.stdout, maxMessageBytes: options.maxMessageBytes });
  const ended = new Promise<void>((resolve) => {
    stdin.once('end', resolve);
    stdin.once('close', resolve);
    transport.onclose = resolve;
  });
  // What went wrong with a message is also the client's to know, at warning level.
  transport.onProblem = (message) => clientLogOf(server)?.send((n) => server.server.notification(n), 'warning', message);
  await server.connect(transport);

  // Requests in flight, by id: counted when they arrive, done when their answer is written.
  const inFlight = new InFlight();
  const running = new Map<string | number, () => void>();
  const receive = transport.onmessage;
  transport.onmessage = (message) => {
    if (isJSONRPCRequest(message) && !running.has(message.id)) running.set(message.id, inFlight.start());
    receive?.(message);
  };
  const send = transport.send.bind(transport);
  transport.send = async (message: JSONRPCMessage) => {
    try {
      await send(message);
    } finally {
      const id = 'method' in message ? undefined : message.id;
      if (id !== undefined) {
        running.get(id)?.();
        running.delete(id);
      }
    }
  };
  const drain = (timeoutMs = drainMs) => inFlight.idle(timeoutMs);
  return { server, done: ended.then(() => drain()), drain };
}

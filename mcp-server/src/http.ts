/**
 * Streamable HTTP: one server process for many agents. Each agent has its own endpoint,
 * `/agents/<id>/mcp`, and each MCP session is one McpServer bound to the agent of the route
 * that opened it; a session id is only honoured on that same route. Loopback by default; any
 * other address needs a bearer token. Bodies over the limit get 413 before they are parsed.
 * `close()` lets calls in progress finish (up to a few seconds), then ends every session.
 * Every other path is the web inspector's (src/inspector), behind the same token and origin rules.
 */
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EngramError, validateAgentId, type Engram } from '@engram/core';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { InFlight } from './in-flight.js';
import { ALL_AGENTS, createInspector, type InspectorAccess } from './inspector/inspector.js';
import { log as defaultLog, type Log } from './log.js';
import { createEngramServer, type ToolGroup } from './server.js';

export interface HttpServerOptions {
  /** Serves every agent of this Engram (the caller closes it, after `close()`). */
  engram: Engram;
  /** Default 8787; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1. Any non-loopback address requires `token`. */
  host?: string;
  /** Bearer token every request must carry (`Authorization: Bearer <token>`). */
  token?: string;
  /** Tool groups every session offers (default all). */
  tools?: readonly ToolGroup[];
  /** Largest request body, in bytes (default 4 MiB): larger ones get 413. */
  maxBodyBytes?: number;
  /** Most sessions open at once (default 1000): more get 503. */
  maxSessions?: number;
  /** A session unused this long is closed (default 30 minutes). */
  sessionIdleMs?: number;
  /** Serve the web inspector at `/` (default true), behind the same token and origin rules. */
  inspector?: boolean;
  /** Serve the MCP endpoints (default true); `engram inspect` serves the inspector alone. */
  mcp?: boolean;
  log?: Log;
}

export interface HttpServerHandle {
  /** `http://host:port`, without a path. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** The MCP endpoint of one agent. */
  agentUrl(agentId: string): string;
  /** Sessions open right now. */
  readonly sessions: number;
  /** Stops accepting connections and closes every session (then close the Engram). */
  close(): Promise<void>;
}

interface Session {
  agentId: string;
  server: McpServer;
  transport: StreamableHTTPServerTransport;
  lastUsed: number;
}

const ROUTE = /^\/agents\/([^/]*)\/mcp\/?$/;
/**
 * Paths the MCP handler answers: any ending in /mcp, malformed ones too, so their errors stay
 * JSON-RPC; except the inspector's pages of an agent or a branch named "mcp". The rest is the inspector's.
 */
function isMcpPath(path: string): boolean {
  return /\/mcp\/?$/.test(path) && !/^\/agents\/[^/]+\/?$/.test(path) && !/^\/agents\/[^/]+\/branches\/[^/]+\/?$/.test(path);
}
const DEFAULT_PORT = 8787;
const GRACE_MS = 3000;

/** True for addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || /^::ffff:127\./.test(h);
}

function hostnameOf(value: string, withScheme: boolean): string | undefined {
  try {
    return new URL(withScheme ? value : `http://${value}`).hostname;
  } catch {
    return undefined;
  }
}

const digest = (s: string) => createHash('sha256').update(s).digest();

function send(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }));
}

/**
 * Starts the HTTP server; resolves once it listens.
 * @example
 * const http = await startHttpServer({ engram, port: 0 });
 * http.agentUrl('agent-42'); // http://127.0.0.1:<port>/agents/agent-42/mcp
 * await http.close();
 */
export async function startHttpServer(options: HttpServerOptions): Promise<HttpServerHandle> {
  const { engram } = options;
  const host = options.host ?? '127.0.0.1';
  const token = options.token || undefined;
  const maxBodyBytes = options.maxBodyBytes ?? 4 * 1024 * 1024;
  const maxSessions = options.maxSessions ?? 1000;
  const idleMs = options.sessionIdleMs ?? 30 * 60_000;
  const log = options.log ?? defaultLog;
  const loopback = isLoopback(host);
  if (!loopback && token === undefined) {
    throw new EngramError(
      'INVALID_ARGUMENT',
      `listening on ${host} would let anyone who can reach this machine read and write every agent: set a token (--token or ENGRAM_TOKEN), or bind to 127.0.0.1`,
    );
  }
  const expected = token === undefined ? undefined : digest(token);
  const sessions = new Map<string, Session>();

  /** On loopback, refuse requests addressed to another host name (DNS rebinding) or sent by a web page elsewhere. */
  function foreign(req: IncomingMessage): boolean {
    if (!loopback) return false;
    const hostname = hostnameOf(req.headers.host ?? '', false);
    if (hostname === undefined || !isLoopback(hostname)) return true;
    const origin = req.headers.origin;
    return origin !== undefined && !isLoopback(hostnameOf(origin, true) ?? '');
  }

  /** The token rule, in one place: which agents a presented token reaches, or null to refuse. */
  function authorize(presented: string | undefined): InspectorAccess | null {
    if (expected === undefined) return ALL_AGENTS;
    return presented !== undefined && timingSafeEqual(digest(presented), expected) ? ALL_AGENTS : null;
  }

  function authorized(req: IncomingMessage): boolean {
    const match = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
    return authorize(match ? match[1]!.trim() : undefined) !== null;
  }

  const inspector = options.inspector === false ? undefined : createInspector({ engram, authorize, log });
  const mcp = options.mcp !== false;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (foreign(req)) return send(res, 403, 'Forbidden: this server only answers requests addressed to localhost');
    // Everything but an MCP endpoint is the inspector's (it checks the same token, and logins).
    if (inspector && !(mcp && isMcpPath((req.url ?? '/').split('?')[0]!))) return inspector.handle(req, res);
    if (!mcp) return send(res, 404, 'Not found: this server has no MCP endpoints');
    if (!authorized(req))
      return send(res, 401, 'Unauthorized: send Authorization: Bearer <token>', { 'www-authenticate': 'Bearer realm="engram"' });
    const route = ROUTE.exec(new URL(req.url ?? '/', 'http://localhost').pathname);
    if (!route) return send(res, 404, 'Not found: the MCP endpoint of an agent is /agents/<agent-id>/mcp');
    let agentId: string;
    try {
      agentId = validateAgentId(route[1]);
    } catch (err) {
      return send(res, 400, (err as Error).message);
    }
    const sessionId = req.headers['mcp-session-id'];
    if (sessionId !== undefined) {
      const session = typeof sessionId === 'string' ? sessions.get(sessionId) : undefined;
      // A session belongs to the route that opened it: another agent's route never reaches it.
      if (!session || session.agentId !== agentId) return send(res, 404, 'Session not found: start a new session with initialize');
      session.lastUsed = Date.now();
      return session.transport.handleRequest(req, res);
    }
    if (req.method !== 'POST') return send(res, 400, 'Bad request: no session id; start a session with a POST initialize request');
    if (sessions.size >= maxSessions) return send(res, 503, `Too many sessions (${maxSessions}); try again later`);
    const server = createEngramServer({ engram, agentId, tools: options.tools });
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      maxRequestBodySize: maxBodyBytes,
      onsessioninitialized: (id) => {
        sessions.set(id, { agentId, server, transport, lastUsed: Date.now() });
      },
    });
    transport.onclose = () => {
      if (transport.sessionId !== undefined) sessions.delete(transport.sessionId);
    };
    await server.connect(transport);
    await transport.handleRequest(req, res);
    if (transport.sessionId === undefined) await server.close(); // not an initialize: nothing to keep
  }

  // POSTs carry the calls; a shutdown lets them finish. (GETs are long-lived event streams.)
  const inFlight = new InFlight();
  const http = createServer((req, res) => {
    if (req.method === 'POST') res.once('close', inFlight.start());
    handle(req, res).catch((err: unknown) => {
      log(`http: ${req.method} ${req.url}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      send(res, 500, 'Internal server error');
    });
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? DEFAULT_PORT, host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  http.on('error', (err) => log(`http: ${err.message}`));

  const sweep = setInterval(
    () => {
      const cutoff = Date.now() - idleMs;
      for (const s of sessions.values()) if (s.lastUsed < cutoff) void s.server.close();
    },
    Math.min(idleMs, 60_000),
  );
  sweep.unref();

  const { port } = http.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url,
    host,
    port,
    agentUrl: (agentId) => `${url}/agents/${validateAgentId(agentId)}/mcp`,
    get sessions() {
      return sessions.size;
    },
    async close() {
      clearInterval(sweep);
      const stopped = new Promise<void>((resolve) => http.close(() => resolve()));
      await inFlight.idle(GRACE_MS);
      await Promise.allSettled([...sessions.values()].map((s) => s.server.close()));
      http.closeAllConnections();
      await stopped;
    },
  };
}

/**
 * Streamable HTTP: one server process for many agents. Each agent has its own endpoint,
 * `/agents/<id>/mcp`, and each MCP session is one McpServer bound to the agent of the route
 * that opened it (and to the client that opened it); a session id is only honoured on that
 * same route, for that same client. Every request passes `auth.check` first (Host, Origin,
 * token and the agents it covers: see http/auth.ts); sessions are bounded per client and
 * expire (http/sessions.ts). Bodies over the limit get 413 before they are parsed.
 * `close()` lets calls in progress finish (up to a few seconds), then ends every session.
 * Every other path is the web inspector's (src/inspector), behind the same token and origin rules.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { validateAgentId, type Engram } from '@engram/core';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isJSONRPCRequest } from '@modelcontextprotocol/sdk/types.js';
import { HttpAuth, type AuthResult, type TokenScopes } from './http/auth.js';
import { DEFAULT_SESSION_LIMITS, SessionTable } from './http/sessions.js';
import { InFlight } from './in-flight.js';
import { createInspector } from './inspector/inspector.js';
import { MAX_MESSAGE_BYTES } from './limits.js';
import { log as defaultLog, type Log } from './log.js';
import { createEngramServer, type ToolGroup } from './server.js';

export { isLoopback } from './http/auth.js';

export interface HttpServerOptions {
  /** Serves every agent of this Engram (the caller closes it, after `close()`). */
  engram: Engram;
  /** Default 8787; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1. Any non-loopback address requires a token. */
  host?: string;
  /** Bearer token that opens every agent (`Authorization: Bearer <token>`); never empty. */
  token?: string;
  /** Tokens scoped to agents: token -> agent ids or globs (`*` for all). */
  tokens?: TokenScopes;
  /** A JSON file of such tokens, re-read by `reloadTokens()` (SIGHUP in `engram serve`). */
  tokensFile?: string;
  /** Origins whose web pages may call the server (default none besides its own). */
  allowOrigins?: readonly string[];
  /** Tool groups every session offers (default all). */
  tools?: readonly ToolGroup[];
  /** Largest request body, in bytes (default 16 MiB, as over stdio): larger ones get 413. */
  maxBodyBytes?: number;
  /** Most sessions open at once (default 1000); the least recently used idle one makes room. */
  maxSessions?: number;
  /** Most sessions one client (token, or address without tokens) holds (default 100). */
  maxSessionsPerClient?: number;
  /** A session unused this long is closed (default 30 minutes). */
  sessionIdleMs?: number;
  /** A session that sends no request after initialize is closed after this long (default 5 s). */
  sessionInitTimeoutMs?: number;
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
  /** The token, origin and host rules, for any other route served beside the MCP endpoints. */
  readonly auth: HttpAuth;
  /** The MCP endpoint of one agent. */
  agentUrl(agentId: string): string;
  /** Sessions open right now. */
  readonly sessions: number;
  /**
   * Re-reads the tokens file; sessions of tokens no longer valid for their agent are closed.
   * On an error the old tokens stay in force and the error is thrown.
   */
  reloadTokens(): Promise<void>;
  /** Stops accepting connections and closes every session (then close the Engram). */
  close(): Promise<void>;
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

function send(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }));
}

/** Sends the refusal of `auth.check` (401 or 403, as a JSON-RPC error body). */
export function refuse(res: ServerResponse, result: Extract<AuthResult, { ok: false }>): void {
  send(res, result.status, result.message, result.headers);
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
  const maxBodyBytes = options.maxBodyBytes ?? MAX_MESSAGE_BYTES;
  const log = options.log ?? defaultLog;
  const auth = await HttpAuth.create({
    host,
    token: options.token,
    tokens: options.tokens,
    tokensFile: options.tokensFile,
    allowOrigins: options.allowOrigins,
  });
  const sessions = new SessionTable({
    maxSessions: options.maxSessions ?? DEFAULT_SESSION_LIMITS.maxSessions,
    maxPerClient: options.maxSessionsPerClient ?? DEFAULT_SESSION_LIMITS.maxPerClient,
    idleMs: options.sessionIdleMs ?? DEFAULT_SESSION_LIMITS.idleMs,
    initTimeoutMs: options.sessionInitTimeoutMs ?? DEFAULT_SESSION_LIMITS.initTimeoutMs,
  });

  const inspector = options.inspector === false ? undefined : createInspector({ engram, authorize: (token) => auth.authorize(token), log });
  const mcp = options.mcp !== false;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // CORS, for pages of allowed origins only (others get 403 below): the preflight, then the
    // headers a browser needs to read the answer and the session id.
    const origin = req.headers.origin;
    if (origin !== undefined && auth.originAllowed(origin)) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('access-control-expose-headers', 'mcp-session-id, mcp-protocol-version');
      res.setHeader('vary', 'origin');
    }
    if (req.method === 'OPTIONS') {
      const refused = auth.checkSource(req);
      if (refused) return refuse(res, refused);
      res.writeHead(204, {
        'access-control-allow-methods': 'GET, POST, DELETE',
        'access-control-allow-headers': 'authorization, content-type, accept, mcp-session-id, mcp-protocol-version, last-event-id',
        'access-control-max-age': '600',
      });
      return void res.end();
    }
    // Everything but an MCP endpoint is the inspector's: Host and Origin first, then its own
    // token check (bearer or login) and same-origin + form-token rule for every change.
    if (inspector && !(mcp && isMcpPath((req.url ?? '/').split('?')[0]!))) {
      const refused = auth.checkSource(req);
      if (refused) return refuse(res, refused);
      return inspector.handle(req, res);
    }
    if (!mcp) return send(res, 404, 'Not found: this server has no MCP endpoints');
    const route = ROUTE.exec(new URL(req.url ?? '/', 'http://localhost').pathname);
    let agentId: string | undefined;
    if (route) {
      try {
        agentId = validateAgentId(route[1]);
      } catch (err) {
        // Host and Origin first: a page elsewhere learns nothing, not even that the id is bad.
        const checked = auth.check(req);
        if (!checked.ok) return refuse(res, checked);
        return send(res, 400, (err as Error).message);
      }
    }
    const checked = auth.check(req, { agentId });
    if (!checked.ok) return refuse(res, checked);
    const { principal } = checked;
    if (agentId === undefined) return send(res, 404, 'Not found: the MCP endpoint of an agent is /agents/<agent-id>/mcp');

    const sessionId = req.headers['mcp-session-id'];
    if (sessionId !== undefined) {
      const session = typeof sessionId === 'string' ? sessions.get(sessionId) : undefined;
      // A session belongs to the route and the client that opened it.
      if (!session || session.agentId !== agentId || session.owner !== principal.key) {
        return send(res, 404, 'Session not found: start a new session with initialize');
      }
      session.lastUsed = Date.now();
      if (req.method === 'POST') {
        session.busy++;
        res.once('close', () => {
          session.busy--;
          session.lastUsed = Date.now();
        });
      }
      return session.transport.handleRequest(req, res);
    }
    if (req.method !== 'POST') return send(res, 400, 'Bad request: no session id; start a session with a POST initialize request');
    const refused = sessions.admit(principal.key);
    if (refused) return send(res, refused.status, refused.message, { 'retry-after': '5' });
    const server = createEngramServer({ engram, agentId, tools: options.tools });
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      maxRequestBodySize: maxBodyBytes,
      onsessioninitialized: (id) => {
        const now = Date.now();
        const session = { id, agentId, owner: principal.key, server, transport, createdAt: now, lastUsed: now, active: false, busy: 0 };
        sessions.add(session);
        // Only a request after initialize makes a session more than a flood's leftover.
        const receive = transport.onmessage;
        transport.onmessage = (message, extra) => {
          if (isJSONRPCRequest(message) && message.method !== 'initialize') session.active = true;
          receive?.(message, extra);
        };
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

  const { port } = http.address() as AddressInfo;
  auth.setPort(port);
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url,
    host,
    port,
    auth,
    agentUrl: (agentId) => `${url}/agents/${validateAgentId(agentId)}/mcp`,
    get sessions() {
      return sessions.size;
    },
    async reloadTokens() {
      await auth.reload();
      sessions.closeWhere((s) => !auth.stillAllows(s.owner, s.agentId), 'token revoked');
    },
    async close() {
      const stopped = new Promise<void>((resolve) => http.close(() => resolve()));
      await inFlight.idle(GRACE_MS);
      await sessions.closeAll();
      http.closeAllConnections();
      await stopped;
    },
  };
}

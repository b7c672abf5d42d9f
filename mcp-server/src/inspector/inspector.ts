/**
 * The web inspector: server-rendered pages over core's public API, mounted by the HTTP server
 * at `/` (everything but the MCP endpoints). One call per request decides access (`authorize`,
 * from the server); the agent id is taken from the path and checked against that access before
 * anything of the agent is opened. GET never changes data; every change is a POST that must
 * come from this origin and carry the form's CSRF token.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { validateAgentId, type Engram } from '@engram/core';
import type { Authorize, InspectorAccess } from './access.js';
import { SCRIPT, STYLESHEET } from './assets.js';
import type { AgentContext, AgentHandler, Reply, RequestContext } from './context.js';
import { html, type Html } from './html.js';
import { errorText, layout, postForm, type PageContext } from './layout.js';
import { agentsPage, overviewPage } from './pages/agents.js';
import { actionsPage } from './pages/actions.js';
import {
  branchesPage,
  branchPage,
  discardBranch,
  discardConfirm,
  mergeBranch,
  mergeConfirm,
  restoreConfirm,
  restoreSnapshot,
  takeSnapshot,
} from './pages/branches.js';
import { filesPage } from './pages/files.js';
import { kvPage } from './pages/kv.js';
import { forgetConfirm, forgetMemory, memoriesPage, memoryPage, updateMemory } from './pages/memories.js';
import { tasksPage } from './pages/tasks.js';
import { bearerToken } from '../http/auth.js';
import { clearCookie, sameOrigin, SECURITY_HEADERS, sessionCookie, Sessions, setCookie } from './security.js';

export type { Authorize, InspectorAccess } from './access.js';
export { ALL_AGENTS } from './access.js';

export interface InspectorOptions {
  engram: Engram;
  /** The server's token rule, called once per request (see access.ts). */
  authorize: Authorize;
  /** Largest form body in bytes (default 1 MiB). */
  maxBodyBytes?: number;
  log?: (line: string) => void;
}

export interface Inspector {
  /** Answers one request (any path the MCP routes do not take). */
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

type Method = 'GET' | 'POST';

/** Routes under /agents/<id>/: path segments after the id, `:x` captures one. */
const AGENT_ROUTES: [Method, string, AgentHandler][] = [
  ['GET', '', overviewPage],
  ['GET', 'memories', memoriesPage],
  ['GET', 'memories/:mid', (c) => memoryPage(c)],
  ['POST', 'memories/:mid', updateMemory],
  ['GET', 'memories/:mid/forget', forgetConfirm],
  ['POST', 'memories/:mid/forget', forgetMemory],
  ['GET', 'files', filesPage],
  ['GET', 'kv', kvPage],
  ['GET', 'tasks', tasksPage],
  ['GET', 'actions', actionsPage],
  ['GET', 'branches', (c) => branchesPage(c)],
  ['GET', 'branches/:name', (c) => branchPage(c)],
  ['GET', 'branches/:name/merge', mergeConfirm],
  ['POST', 'branches/:name/merge', mergeBranch],
  ['GET', 'branches/:name/discard', discardConfirm],
  ['POST', 'branches/:name/discard', discardBranch],
  ['POST', 'snapshots', takeSnapshot],
  ['GET', 'snapshots/:name/restore', restoreConfirm],
  ['POST', 'snapshots/:name/restore', restoreSnapshot],
];

function match(pattern: string, segments: string[]): Record<string, string> | undefined {
  const parts = pattern === '' ? [] : pattern.split('/');
  if (parts.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    if (parts[i]!.startsWith(':')) params[parts[i]!.slice(1)] = segments[i]!;
    else if (parts[i] !== segments[i]) return undefined;
  }
  return params;
}

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** EngramError codes a person can act on, shown with their message; anything else is a 500. */
const STATUS_OF: Record<string, number> = {
  NOT_FOUND: 404,
  INVALID_ARGUMENT: 400,
  CONFLICT: 409,
  LOCKED: 423,
  LIMIT_EXCEEDED: 413,
  EMBEDDER_MISMATCH: 409,
  ENGINE_MISMATCH: 409,
  UNSUPPORTED: 501,
  READ_ONLY: 403,
  CORRUPT: 500,
};

async function readForm(req: IncomingMessage, limit: number): Promise<URLSearchParams> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') throw new HttpProblem(415, 'Forms are sent as application/x-www-form-urlencoded');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new HttpProblem(413, `The form is over ${limit} bytes`);
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function decodeSegments(pathname: string): string[] {
  try {
    return pathname
      .split('/')
      .filter((s) => s !== '')
      .map((s) => decodeURIComponent(s));
  } catch {
    throw new HttpProblem(400, 'The address is not valid (bad % escape)');
  }
}

/** A local path to go back to after logging in (never another site). */
function localPath(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.includes('\\') ? next : '/';
}

/**
 * Creates the inspector for an Engram.
 * @example
 * const inspector = createInspector({ engram, authorize: () => ALL_AGENTS });
 * http.createServer((req, res) => void inspector.handle(req, res));
 */
export function createInspector(options: InspectorOptions): Inspector {
  const { engram, authorize } = options;
  const limit = options.maxBodyBytes ?? 1024 * 1024;
  const sessions = new Sessions();

  function send(res: ServerResponse, status: number, body: Html | string, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', ...SECURITY_HEADERS, ...headers });
    res.end(typeof body === 'string' ? body : body.value);
  }

  function problemPage(ctx: PageContext, status: number, message: string): Html {
    const title = status === 404 ? 'Not found' : status === 403 ? 'Forbidden' : status >= 500 ? 'Something went wrong' : 'Cannot do that';
    return layout(ctx, {
      title,
      body: html`<h1>${title}</h1>
        <p class="card">${message}</p>
        <p><a href="/">All agents</a></p>`,
    });
  }

  function loginPage(ctx: PageContext, next: string, error?: string): Html {
    return layout(ctx, {
      title: 'Log in',
      flash: error ? { text: error, error: true } : undefined,
      body: html`<h1>Log in</h1>
        <p>This server needs its token (the one given with <code>--token</code> or <code>ENGRAM_TOKEN</code>).</p>
        ${postForm(
          ctx,
          '/login',
          html`<input type="hidden" name="next" value="${next}" /><label
              >Token <input type="password" name="token" autocomplete="current-password" required data-autofocus
            /></label>
            <p><button type="submit" class="primary">Log in</button></p>`,
          html`class="stack" aria-label="Log in"`,
        )}`,
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    const sessionId = sessionCookie(req);
    const sessionToken = sessions.tokenOf(sessionId);
    const ctx: PageContext = {
      csrf: sessions.csrf(sessionToken === undefined ? undefined : sessionId),
      session: sessionToken !== undefined,
    };
    try {
      if (method === 'GET' && (url.pathname === '/static/inspector.css' || url.pathname === '/static/inspector.js')) {
        const css = url.pathname.endsWith('.css');
        res.writeHead(200, {
          ...SECURITY_HEADERS,
          'content-type': css ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8',
          'cache-control': 'public, max-age=3600',
        });
        res.end(css ? STYLESHEET : SCRIPT);
        return;
      }
      if (method !== 'GET' && method !== 'POST') throw new HttpProblem(405, 'The inspector answers GET and POST only');
      let form = new URLSearchParams();
      if (method === 'POST') {
        // Every change comes from a page of this server: same origin, and the form's own token.
        if (!sameOrigin(req)) throw new HttpProblem(403, 'Refused: a change must come from a page of this inspector (Origin check)');
        form = await readForm(req, limit);
        if (!sessions.checkCsrf(sessionToken === undefined ? undefined : sessionId, form.get('_csrf'))) {
          throw new HttpProblem(403, 'Refused: the form has expired or did not come from this inspector. Reload the page and try again.');
        }
      }
      if (url.pathname === '/login') {
        const next = localPath(method === 'GET' ? url.searchParams.get('next') : form.get('next'));
        if (authorize(undefined)) return send(res, 303, '', { location: next });
        if (method === 'GET') return send(res, 200, loginPage(ctx, next));
        const token = form.get('token') ?? '';
        if (!token || !authorize(token)) return send(res, 401, loginPage(ctx, next, 'That token is not valid.'));
        const id = sessions.create(token);
        return send(res, 303, '', { location: next, 'set-cookie': setCookie(req, id) });
      }
      if (url.pathname === '/logout' && method === 'POST') {
        sessions.end(sessionId);
        return send(res, 303, '', { location: '/login', 'set-cookie': clearCookie(req) });
      }
      // One access decision per request: the bearer header, else the login session's token.
      const access: InspectorAccess | null = authorize(bearerToken(req) ?? sessionToken);
      if (!access) {
        if (method === 'GET') return send(res, 401, loginPage(ctx, localPath(url.pathname + url.search)));
        throw new HttpProblem(401, 'Log in first: this server needs its token');
      }
      const segments = decodeSegments(url.pathname);
      const rc: RequestContext = { ...ctx, req, engram, url, query: url.searchParams, form, access };
      let reply: Reply;
      if (segments.length === 0) {
        if (method !== 'GET') throw new HttpProblem(405, 'Nothing to post here');
        reply = await agentsPage(rc);
      } else if (segments[0] === 'agents' && segments.length >= 2) {
        reply = await agentRoute(rc, method, segments[1]!, segments.slice(2));
      } else {
        throw new HttpProblem(404, `Nothing at ${url.pathname}.`);
      }
      if ('redirect' in reply) return send(res, 303, '', { location: reply.redirect });
      return send(res, reply.status ?? 200, method === 'GET' && req.method === 'HEAD' ? '' : reply.body);
    } catch (err) {
      const code = (err as { code?: string }).code;
      const status = err instanceof HttpProblem ? err.status : code !== undefined ? (STATUS_OF[code] ?? 500) : 500;
      if (status === 500)
        options.log?.(`inspector: ${req.method} ${url.pathname}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      const message =
        err instanceof HttpProblem
          ? err.message
          : status === 500
            ? 'The server failed to answer; its log has the details.'
            : errorText(err);
      if (res.headersSent) return void res.end();
      send(res, status, problemPage(ctx, status, message));
    }
  }

  async function agentRoute(rc: RequestContext, method: Method, rawId: string, rest: string[]): Promise<Reply> {
    let agentId: string;
    try {
      agentId = validateAgentId(rawId);
    } catch (err) {
      throw new HttpProblem(400, errorText(err));
    }
    // Access first, and the same answer as for a missing agent: nothing is opened for a hidden one.
    if (!rc.access.canSee(agentId) || !(await engram.has(agentId))) throw new HttpProblem(404, `No agent ${agentId} here.`);
    for (const [m, pattern, handler] of AGENT_ROUTES) {
      if (m !== method) continue;
      const params = match(pattern, rest);
      if (!params) continue;
      const agent = await engram.agent(agentId, { create: false });
      const c: AgentContext = { ...rc, agentId, agent, params };
      return handler(c);
    }
    const other = AGENT_ROUTES.some(([, pattern]) => match(pattern, rest));
    throw new HttpProblem(
      other ? 405 : 404,
      other ? `Use ${method === 'GET' ? 'POST' : 'GET'} here` : `No page ${rest.join('/')} for an agent.`,
    );
  }

  return { handle };
}

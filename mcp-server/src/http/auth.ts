/**
 * Who may use the HTTP server, for every route (the MCP endpoints and any page served beside
 * them): the Host check against DNS rebinding, the Origin check against web pages, and bearer
 * tokens, each scoped to the agents it may open. `check(req, { agentId })` answers one request;
 * a route that serves no single agent calls it without one and filters with `principal.canOpen`.
 *
 * Tokens: `token` opens every agent; `tokensFile` is JSON mapping each token to the agent ids
 * or globs it may open (`*` for all), re-read by `reload()` (on SIGHUP in `engram serve`).
 * An empty token is refused, never taken as "no auth". Tokens are compared in constant time
 * over SHA-256 digests.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { EngramError } from '@engram/core';

/** Agent ids, globs of them (`*`, `?`), or `*` for all, by token. */
export type TokenScopes = Record<string, string | readonly string[]>;

export interface HttpAuthOptions {
  /** The address the server listens on: loopback enables the Host check. */
  host: string;
  /** A token that opens every agent (`--token` / ENGRAM_TOKEN). */
  token?: string | undefined;
  /** Tokens scoped to agents, already parsed. */
  tokens?: TokenScopes | undefined;
  /** A JSON file of TokenScopes (`--tokens`), read now and on `reload()`. */
  tokensFile?: string | undefined;
  /**
   * Origins (`scheme://host[:port]`) whose pages may call the server (`--allow-origin`).
   * Requests without an Origin (non-browser clients) and pages this server serves itself
   * are always allowed; every other Origin gets 403.
   */
  allowOrigins?: readonly string[] | undefined;
}

/** Who a request acts for. */
export interface Principal {
  /**
   * A stable key for per-client limits: the token's (a digest prefix, never the token), or
   * the client's address when the server has no tokens.
   */
  readonly key: string;
  /** Whether a token was presented (false when the server needs none). */
  readonly authenticated: boolean;
  /** Whether this principal may open the agent. */
  canOpen(agentId: string): boolean;
}

/** The outcome of `check`: a principal, or the HTTP refusal to send. */
export type AuthResult =
  { ok: true; principal: Principal } | { ok: false; status: 401 | 403; message: string; headers: Record<string, string> };

interface TokenEntry {
  digest: Buffer;
  key: string;
  matches: (agentId: string) => boolean;
}

/** The token of an `Authorization: Bearer <token>` header, if any. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const match = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
  return match ? match[1]!.trim() : undefined;
}

/** True for addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || /^::ffff:127\./.test(h);
}

const digest = (s: string) => createHash('sha256').update(s).digest();

const invalid = (message: string) => new EngramError('INVALID_ARGUMENT', message);

/** A token as given: INVALID_ARGUMENT when empty or padded with spaces (it could never match). */
export function checkToken(token: string, where: string): string {
  if (typeof token !== 'string' || token.trim() === '') {
    throw invalid(`${where}: a token must not be empty (an empty token would mean no authentication)`);
  }
  if (token !== token.trim()) throw invalid(`${where}: a token must not start or end with whitespace`);
  return token;
}

const GLOB = /^[a-z0-9_*?-]{1,128}$/;

/** An agent-id glob as a predicate: `*` any run of characters, `?` one. */
function globMatcher(pattern: string, where: string): (agentId: string) => boolean {
  if (!GLOB.test(pattern)) {
    throw invalid(`${where}: ${JSON.stringify(pattern)} is not an agent id or glob (a-z 0-9 - _ with * and ?, or * for all)`);
  }
  if (pattern === '*') return () => true;
  const re = new RegExp(`^${pattern.replace(/[-]/g, '\\-').replaceAll('*', '.*').replaceAll('?', '.')}$`);
  return (agentId) => re.test(agentId);
}

/** Parses a token map (the content of a `--tokens` file); INVALID_ARGUMENT names what is wrong. */
export function parseTokenScopes(value: unknown, source = 'tokens'): TokenEntry[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(`${source}: expected a JSON object mapping each token to agent ids or globs, like {"<token>": ["agent-1", "team-*"]}`);
  }
  return Object.entries(value as Record<string, unknown>).map(([token, scopes]) => {
    checkToken(token, source);
    const list = typeof scopes === 'string' ? [scopes] : scopes;
    if (!Array.isArray(list) || list.some((s) => typeof s !== 'string')) {
      throw invalid(`${source}: the agents of a token must be a string or an array of strings (agent ids or globs)`);
    }
    const matchers = (list as string[]).map((s) => globMatcher(s, source));
    return entry(token, (id) => matchers.some((m) => m(id)));
  });
}

function entry(token: string, matches: (agentId: string) => boolean): TokenEntry {
  const d = digest(token);
  return { digest: d, key: `token:${d.toString('hex').slice(0, 16)}`, matches };
}

function originOf(value: string): string | undefined {
  try {
    const url = new URL(value);
    return url.origin === 'null' ? undefined : url.origin;
  } catch {
    return undefined;
  }
}

function hostnameOf(hostHeader: string): string | undefined {
  try {
    return new URL(`http://${hostHeader}`).hostname;
  } catch {
    return undefined;
  }
}

/** The token, origin and host rules of one HTTP server. */
export class HttpAuth {
  private fileTokens: TokenEntry[] = [];
  private readonly fixed: TokenEntry[];
  private readonly loopback: boolean;
  private readonly allowOrigins: Set<string>;
  private port: number | undefined;

  private constructor(private readonly options: HttpAuthOptions) {
    this.loopback = isLoopback(options.host);
    this.fixed = [];
    if (options.token !== undefined) this.fixed.push(entry(checkToken(options.token, 'token'), () => true));
    if (options.tokens !== undefined) this.fixed.push(...parseTokenScopes(options.tokens));
    this.allowOrigins = new Set(
      (options.allowOrigins ?? []).map((o) => {
        const origin = originOf(o);
        if (origin === undefined || origin !== o.replace(/\/$/, '').toLowerCase()) {
          throw invalid(`allowed origin ${JSON.stringify(o)} must be scheme://host[:port], like http://localhost:5173`);
        }
        return origin;
      }),
    );
  }

  /**
   * Builds the rules (reading `tokensFile`). INVALID_ARGUMENT for an empty token, a bad
   * tokens file, or a non-loopback host without any token.
   */
  static async create(options: HttpAuthOptions): Promise<HttpAuth> {
    const auth = new HttpAuth(options);
    await auth.reload();
    if (!auth.loopback && !auth.required) {
      throw invalid(
        `listening on ${options.host} would let anyone who can reach this machine read and write every agent: set a token (--token, ENGRAM_TOKEN or --tokens FILE), or bind to 127.0.0.1`,
      );
    }
    return auth;
  }

  /** Whether requests must carry a token. */
  get required(): boolean {
    return this.fixed.length > 0 || this.options.tokensFile !== undefined;
  }

  /** The port the server listens on, once known: pages from the server's own origin are allowed. */
  setPort(port: number): void {
    this.port = port;
  }

  /**
   * Re-reads the tokens file. On any error the tokens in force stay as they were and the
   * error is thrown (INVALID_ARGUMENT naming the problem).
   */
  async reload(): Promise<void> {
    const file = this.options.tokensFile;
    if (file === undefined) return;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw invalid(`cannot read the tokens file ${file}: ${(err as Error).message}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw invalid(`tokens file ${file} is not JSON: ${(err as Error).message}`);
    }
    this.fileTokens = parseTokenScopes(json, `tokens file ${file}`);
  }

  /** Whether a principal key still exists and may open the agent (after a reload). */
  stillAllows(key: string, agentId: string): boolean {
    if (!key.startsWith('token:')) return !this.required;
    return [...this.fixed, ...this.fileTokens].some((t) => t.key === key && t.matches(agentId));
  }

  /**
   * Checks one request: Host (on loopback), Origin, then the bearer token and, with
   * `agentId`, whether the token covers that agent. Call it before doing anything else.
   * @example
   * const result = auth.check(req, { agentId });
   * if (!result.ok) return refuse(res, result);
   * result.principal.canOpen('other-agent');
   */
  check(req: IncomingMessage, { agentId }: { agentId?: string } = {}): AuthResult {
    const source = this.checkSource(req);
    if (source) return source;
    const principal = this.principal(req);
    if (principal === undefined) {
      return {
        ok: false,
        status: 401,
        message: 'Unauthorized: send Authorization: Bearer <token>',
        headers: { 'www-authenticate': 'Bearer realm="engram"' },
      };
    }
    if (agentId !== undefined && !principal.canOpen(agentId)) {
      return forbidden(`Forbidden: this token does not open agent ${agentId}`);
    }
    return { ok: true, principal };
  }

  /**
   * Only the Host and Origin rules (no token): for CORS preflights, which carry no credentials.
   * Undefined when they pass, else the 403 to send.
   */
  checkSource(req: IncomingMessage): Extract<AuthResult, { ok: false }> | undefined {
    if (this.loopback) {
      const hostname = hostnameOf(req.headers.host ?? '');
      if (hostname === undefined || !isLoopback(hostname)) {
        return forbidden('Forbidden: this server only answers requests addressed to localhost');
      }
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !this.originAllowed(origin)) {
      return forbidden(`Forbidden: pages from ${JSON.stringify(origin.slice(0, 200))} may not call this server (see --allow-origin)`);
    }
    return undefined;
  }

  /** Whether web pages of `origin` may call the server (an --allow-origin, or the server's own). */
  originAllowed(value: string): boolean {
    const origin = originOf(value);
    if (origin === undefined) return false;
    if (this.allowOrigins.has(origin)) return true;
    // Pages this server serves itself (same scheme, host and port it listens on).
    const url = new URL(origin);
    if (url.protocol !== 'http:' || this.port === undefined || Number(url.port || 80) !== this.port) return false;
    return this.loopback ? isLoopback(url.hostname) : url.hostname === this.options.host.replace(/^\[|\]$/g, '').toLowerCase();
  }

  /**
   * The token rule alone, for routes whose token does not come as a bearer header (the
   * inspector's login session): which agents `token` opens, or null to refuse it.
   */
  authorize(token: string | undefined): { canSee(agentId: string): boolean } | null {
    if (!this.required) return { canSee: () => true };
    const found = token === undefined || token.trim() === '' ? undefined : this.lookup(token.trim());
    return found ? { canSee: found.matches } : null;
  }

  private principal(req: IncomingMessage): Principal | undefined {
    if (!this.required) {
      const key = `addr:${req.socket.remoteAddress ?? 'unknown'}`;
      return { key, authenticated: false, canOpen: () => true };
    }
    const token = bearerToken(req);
    if (token === undefined) return undefined;
    const found = this.lookup(token);
    if (!found) return undefined;
    const { key, matches } = found;
    return { key, authenticated: true, canOpen: matches };
  }

  private lookup(token: string): TokenEntry | undefined {
    const presented = digest(token);
    let found: TokenEntry | undefined;
    // Compare with every token, without stopping early, so timing tells nothing.
    for (const t of [...this.fixed, ...this.fileTokens]) if (timingSafeEqual(presented, t.digest) && !found) found = t;
    return found;
  }
}

function forbidden(message: string): Extract<AuthResult, { ok: false }> {
  return { ok: false, status: 403, message, headers: {} };
}

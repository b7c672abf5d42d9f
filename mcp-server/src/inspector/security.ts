/**
 * The inspector's browser-facing defences: login sessions (an HttpOnly, SameSite=Strict cookie
 * naming a server-side session that holds the token), CSRF tokens for every form (an HMAC of
 * the session under a per-process secret), the same-origin check on every POST, and the
 * response headers (a strict Content-Security-Policy: no inline script, no third party).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * The session cookie's name, per port: browsers send cookies to every port of a host, and two
 * servers (say `engram serve` and `engram inspect`) must not log each other out.
 */
export function cookieName(req: IncomingMessage): string {
  const port = /:(\d{1,5})$/.exec(req.headers.host ?? '')?.[1] ?? '80';
  return `engram_inspector_${port}`;
}
const MAX_SESSIONS = 1000;
const SESSION_MS = 12 * 60 * 60_000;

/** Headers on every inspector response. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; connect-src 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-store',
};

interface Session {
  token: string;
  expires: number;
}

/** Login sessions kept in memory (a restart logs everyone out) and CSRF tokens bound to them. */
export class Sessions {
  private readonly secret = randomBytes(32);
  private readonly sessions = new Map<string, Session>();

  /** Starts a session holding `token`; returns the cookie value. */
  create(token: string): string {
    const now = Date.now();
    if (this.sessions.size >= MAX_SESSIONS) {
      for (const [id, s] of this.sessions) if (s.expires < now) this.sessions.delete(id);
      // Still full: the oldest goes.
      if (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    }
    const id = randomBytes(32).toString('base64url');
    this.sessions.set(id, { token, expires: now + SESSION_MS });
    return id;
  }

  /** The token of the request's session, if it has a live one. */
  tokenOf(sessionId: string | undefined): string | undefined {
    if (sessionId === undefined) return undefined;
    const s = this.sessions.get(sessionId);
    if (!s) return undefined;
    if (s.expires < Date.now()) {
      this.sessions.delete(sessionId);
      return undefined;
    }
    return s.token;
  }

  end(sessionId: string | undefined): void {
    if (sessionId !== undefined) this.sessions.delete(sessionId);
  }

  /** The CSRF token forms carry for this session (or for no session). */
  csrf(sessionId: string | undefined): string {
    return createHmac('sha256', this.secret)
      .update(`csrf:${sessionId ?? ''}`)
      .digest('base64url');
  }

  checkCsrf(sessionId: string | undefined, presented: string | null): boolean {
    if (presented === null) return false;
    const a = Buffer.from(presented);
    const b = Buffer.from(this.csrf(sessionId));
    return a.length === b.length && timingSafeEqual(a, b);
  }
}

/** The session cookie's value, if the request carries one. */
export function sessionCookie(req: IncomingMessage): string | undefined {
  const wanted = cookieName(req);
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === wanted) return rest.join('=') || undefined;
  }
  return undefined;
}

export function setCookie(req: IncomingMessage, value: string): string {
  return `${cookieName(req)}=${value}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${SESSION_MS / 1000}`;
}

export function clearCookie(req: IncomingMessage): string {
  return `${cookieName(req)}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`;
}

/** The bearer token of the request, if any. */

/**
 * A state-changing request must come from a page of this same server: its Origin header names
 * the host it was sent to, and the browser does not call it cross-site.
 */
export function sameOrigin(req: IncomingMessage): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin') return false;
  const origin = req.headers.origin;
  const host = req.headers.host;
  if (origin === undefined || host === undefined) return false;
  try {
    return new URL(origin).host === host.toLowerCase();
  } catch {
    return false;
  }
}

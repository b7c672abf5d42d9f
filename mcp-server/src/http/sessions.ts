/**
 * The open MCP sessions of the HTTP server and their bounds. A session that sends no request
 * after initialize expires within seconds; any session unused for `idleMs` expires. Each
 * client (a token, or an address when there are no tokens) holds at most `maxPerClient`;
 * all together at most `maxSessions`. Before anyone is refused, the least recently used idle
 * session (no request running) is closed: the client's own first, then anyone's, and among
 * them sessions that never sent a request before those that did.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';

export interface Session {
  readonly id: string;
  readonly agentId: string;
  /** The principal key of the client that opened it (see auth.ts). */
  readonly owner: string;
  readonly server: McpServer;
  readonly transport: StreamableHTTPServerTransport;
  readonly createdAt: number;
  lastUsed: number;
  /** Whether a request other than initialize has arrived. */
  active: boolean;
  /** POST requests being handled right now. */
  busy: number;
}

export interface SessionLimits {
  /** Most sessions open at once (default 1000). */
  maxSessions: number;
  /** Most sessions one client holds at once (default 100). */
  maxPerClient: number;
  /** A session unused this long is closed (default 30 minutes). */
  idleMs: number;
  /** A session that sends no request after initialize is closed after this long (default 5 s). */
  initTimeoutMs: number;
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = {
  maxSessions: 1000,
  maxPerClient: 100,
  idleMs: 30 * 60_000,
  initTimeoutMs: 5_000,
};

/** Why a new session cannot be had. */
export type Refusal = { status: 503; message: string };

export class SessionTable {
  private readonly sessions = new Map<string, Session>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly limits: SessionLimits,
    private readonly onEvict: (session: Session, why: string) => void = () => {},
  ) {
    const every = Math.max(50, Math.min(limits.initTimeoutMs / 2, limits.idleMs / 2, 1000));
    this.sweeper = setInterval(() => this.sweep(Date.now()), every);
    this.sweeper.unref();
  }

  get size(): number {
    return this.sessions.size;
  }

  get(id: string): Session | undefined {
    return this.sessions.get(id);
  }

  values(): IterableIterator<Session> {
    return this.sessions.values();
  }

  /** How many sessions `owner` holds. */
  countOf(owner: string): number {
    let n = 0;
    for (const s of this.sessions.values()) if (s.owner === owner) n++;
    return n;
  }

  /**
   * Makes room for one more session of `owner`, closing least recently used idle sessions as
   * needed; a refusal when every session in the way is busy.
   */
  admit(owner: string): Refusal | undefined {
    if (this.countOf(owner) >= this.limits.maxPerClient && !this.evictIdle((s) => s.owner === owner, 'client at its session limit')) {
      return {
        status: 503,
        message: `Too many sessions: this client already has ${this.limits.maxPerClient}, all busy; close one or try again later`,
      };
    }
    if (this.sessions.size >= this.limits.maxSessions && !this.evictIdle(() => true, 'server at its session limit')) {
      return { status: 503, message: `Too many sessions (${this.limits.maxSessions}), all busy; try again later` };
    }
    return undefined;
  }

  /** Adds a session just initialized, making room again if others were admitted meanwhile. */
  add(session: Session): void {
    this.sessions.set(session.id, session);
    const other = (s: Session) => s !== session;
    while (this.countOf(session.owner) > this.limits.maxPerClient) {
      if (!this.evictIdle((s) => other(s) && s.owner === session.owner, 'client at its session limit')) break;
    }
    while (this.sessions.size > this.limits.maxSessions) {
      if (!this.evictIdle(other, 'server at its session limit')) break;
    }
  }

  delete(id: string): void {
    this.sessions.delete(id);
  }

  /** Closes the sessions `which` picks (e.g. those whose token was revoked). */
  closeWhere(which: (s: Session) => boolean, why: string): void {
    for (const s of [...this.sessions.values()]) if (which(s)) this.evict(s, why);
  }

  /** Closes expired sessions: idle too long, or never used after initialize. */
  sweep(now: number): void {
    for (const s of [...this.sessions.values()]) {
      if (s.busy > 0) continue;
      if (!s.active && now - s.createdAt >= this.limits.initTimeoutMs) this.evict(s, 'no request after initialize');
      else if (now - s.lastUsed >= this.limits.idleMs) this.evict(s, 'idle');
    }
  }

  /** Stops the sweeper and closes every session. */
  async closeAll(): Promise<void> {
    clearInterval(this.sweeper);
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.allSettled(all.map((s) => s.server.close()));
  }

  /**
   * Closes the least recently used idle session among those `which` picks, preferring one that
   * never sent a request (a flood's leftovers go before a working client's); false if none.
   */
  private evictIdle(which: (s: Session) => boolean, why: string): boolean {
    let lru: Session | undefined;
    const before = (a: Session, b: Session) => (a.active !== b.active ? !a.active : a.lastUsed < b.lastUsed);
    for (const s of this.sessions.values()) {
      if (s.busy === 0 && which(s) && (lru === undefined || before(s, lru))) lru = s;
    }
    if (lru === undefined) return false;
    this.evict(lru, why);
    return true;
  }

  private evict(session: Session, why: string): void {
    this.sessions.delete(session.id);
    this.onEvict(session, why);
    void session.server.close().catch(() => {});
  }
}

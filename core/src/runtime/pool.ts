/**
 * The handle pool: at most `max` agent databases and at most `maxBytes` of their estimated
 * memory open at once, least recently used closed first, idle ones checkpointed and closed
 * after `idleMs`. A handle lent out by `use()` is never closed under its borrower; it is closed
 * when the last borrower returns it. The most recently used handle stays open even when it alone
 * exceeds `maxBytes`, so one large agent is not reopened on every call.
 */
import type { AgentState } from './agent-state.js';

interface Entry {
  state: AgentState | undefined;
  opening: Promise<AgentState> | undefined;
  refs: number;
  lastUsed: number;
  /** Estimated memory of the open handle (0 while opening). */
  bytes: number;
}

export interface PoolOptions {
  max: number;
  /** Most estimated memory of open handles (default: no limit). */
  maxBytes?: number;
  /** Estimated memory of a freshly opened handle (default 0). */
  weigh?: (state: AgentState) => number;
  idleMs: number;
  open: (id: string) => Promise<AgentState>;
  onError?: (err: unknown) => void;
}

export class AgentPool {
  private readonly entries = new Map<string, Entry>();
  /** Keys whose files are being replaced: use() waits until the promise settles. */
  private readonly gates = new Map<string, Promise<void>>();
  private readonly timer: NodeJS.Timeout | undefined;
  private bytes = 0;

  constructor(private readonly options: PoolOptions) {
    if (options.idleMs > 0 && Number.isFinite(options.idleMs)) {
      // At most Node's longest timer: a longer one would fire every millisecond instead.
      this.timer = setInterval(() => void this.closeIdle(), Math.min(2 ** 31 - 1, Math.max(250, options.idleMs / 2)));
      this.timer.unref();
    }
  }

  /** Number of open (or opening) handles. */
  get size(): number {
    return this.entries.size;
  }

  /** Estimated memory of the open handles, in bytes. */
  get openBytes(): number {
    return this.bytes;
  }

  isOpen(id: string): boolean {
    return this.entries.has(id);
  }

  async use<T>(id: string, fn: (state: AgentState) => Promise<T>): Promise<T> {
    for (let gate = this.gates.get(id); gate; gate = this.gates.get(id)) await gate;
    let entry = this.entries.get(id);
    if (entry) {
      this.entries.delete(id); // re-insert: Map order is the LRU order
    } else {
      entry = { state: undefined, opening: undefined, refs: 0, lastUsed: Date.now(), bytes: 0 };
    }
    this.entries.set(id, entry);
    entry.refs++;
    try {
      if (!entry.state) {
        entry.opening ??= this.options.open(id);
        try {
          const state = await entry.opening;
          if (!entry.state) {
            entry.state = state;
            entry.bytes = this.options.weigh?.(state) ?? 0;
            this.bytes += entry.bytes;
          }
        } catch (err) {
          if (this.entries.get(id) === entry) this.entries.delete(id);
          throw err;
        } finally {
          entry.opening = undefined;
        }
      }
      return await fn(entry.state);
    } finally {
      entry.refs--;
      entry.lastUsed = Date.now();
      if (this.overLimits()) void this.evict();
    }
  }

  private overLimits(): boolean {
    return this.entries.size > this.options.max || this.bytes > (this.options.maxBytes ?? Infinity);
  }

  private async closeEntry(id: string, entry: Entry): Promise<void> {
    if (this.entries.get(id) === entry) this.entries.delete(id);
    const state = entry.state;
    entry.state = undefined;
    if (!state) return;
    this.bytes -= entry.bytes;
    entry.bytes = 0;
    try {
      await state.sync?.close(); // a synced agent pushes before its handle closes
      await state.conn.checkpoint({ ifWritten: true });
    } finally {
      await state.conn.close();
    }
  }

  /** Closes least recently used idle handles until both limits hold (the most recent one stays). */
  private async evict(): Promise<void> {
    const victims: [string, Entry][] = [];
    let excess = this.entries.size - this.options.max;
    let bytesOver = this.bytes - (this.options.maxBytes ?? Infinity);
    let left = this.entries.size;
    for (const [id, entry] of this.entries) {
      if (excess <= 0 && bytesOver <= 0) break;
      if (--left === 0 && excess <= 0) break; // the most recently used one is kept for the byte budget
      if (entry.refs === 0 && entry.state) {
        victims.push([id, entry]);
        excess--;
        bytesOver -= entry.bytes;
      }
    }
    await Promise.all(victims.map(([id, e]) => this.closeEntry(id, e).catch((err) => this.options.onError?.(err))));
  }

  /** Checkpoints and closes every handle idle for longer than idleMs. */
  async closeIdle(): Promise<void> {
    const cutoff = Date.now() - this.options.idleMs;
    const idle = [...this.entries].filter(([, e]) => e.refs === 0 && e.state && e.lastUsed <= cutoff);
    await Promise.all(idle.map(([id, e]) => this.closeEntry(id, e).catch((err) => this.options.onError?.(err))));
  }

  /** Closes one agent's handle (waiting for borrowers to finish first). */
  async close(id: string): Promise<void> {
    const entry = this.entries.get(id);
    if (!entry) return;
    if (entry.opening) await entry.opening.catch(() => undefined);
    while (entry.refs > 0) await new Promise((r) => setTimeout(r, 5));
    await this.closeEntry(id, entry);
  }

  /**
   * Runs `fn` with these handles closed, holding off every new borrower of them until it
   * settles (their files are being replaced). Calls for the same ids run one after another.
   */
  async exclusive<T>(ids: readonly string[], fn: () => Promise<T>): Promise<T> {
    const before = [...new Set(ids.map((id) => this.gates.get(id)).filter((g) => g !== undefined))];
    let open!: () => void;
    const released = new Promise<void>((resolve) => (open = resolve));
    const gate = Promise.all([...before, released]).then(() => undefined);
    for (const id of ids) this.gates.set(id, gate);
    try {
      await Promise.all(before);
      for (const id of ids) await this.close(id);
      return await fn();
    } finally {
      open();
      for (const id of ids) if (this.gates.get(id) === gate) this.gates.delete(id);
    }
  }

  async closeAll(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    const errors: unknown[] = [];
    for (const id of [...this.entries.keys()]) await this.close(id).catch((err) => errors.push(err));
    if (errors.length > 0) throw errors[0];
  }
}

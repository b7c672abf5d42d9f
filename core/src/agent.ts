/**
 * An agent: a handle on one agent database, with its sub-stores. Cheap to hold: the database
 * itself is opened on demand by the pool and may be closed while idle; every operation
 * reopens it transparently.
 */
import type { AgentRuntime, AgentState, Limits } from './runtime/agent-state.js';
import type { Embedder } from './embedders/types.js';
import { ActionLog } from './actions/action-log.js';
import { BranchStore } from './branches/branch-store.js';
import type { BranchHost } from './branches/host.js';
import { inTransaction } from './branches/savepoint.js';
import { SnapshotStore } from './branches/snapshot-store.js';
import type { TryOptions } from './branches/types.js';
import { FileStore } from './files/file-store.js';
import { KvStore } from './kv/kv-store.js';
import { MemoryStore } from './memories/memory-store.js';
import { hasStoreTables, storeRuntime, type StoreName } from './schema/store-tables.js';
import { EngramError } from './util/errors.js';
import type { SyncResult, SyncStatus } from './sync/session.js';
import { TaskStore } from './tasks/task-store.js';
import { ensureTableSet } from './schema/declared-tables.js';
import type { TableSet } from './schema/table-set.js';

export interface AgentInfo {
  id: string;
  path: string;
  driver: string;
  schemaVersion: number;
  createdAt: string | null;
  embedder: { id: string | null; dims: number | null };
  encrypted: boolean;
}

export class Agent implements AgentRuntime {
  /** Long-term memories: remember, recall, update, forget, history. */
  readonly memories: MemoryStore;
  /** A virtual file system with semantic search over its text files. */
  readonly files: FileStore;
  /** The log of tool calls and other actions. */
  readonly actions: ActionLog;
  /** Tasks with dependencies, priorities and leases. */
  readonly tasks: TaskStore;
  /** Small JSON state by key. */
  readonly kv: KvStore;
  /** Forks of the whole database: create, open, discard, promote, diff, merge. */
  readonly branches: BranchStore<Agent>;
  /** Named copies of the whole database, and restoring them. */
  readonly snapshots: SnapshotStore;

  constructor(
    readonly id: string,
    readonly path: string,
    readonly embedder: Embedder,
    readonly limits: Limits,
    private readonly borrow: <T>(fn: (state: AgentState) => Promise<T>) => Promise<T>,
    private readonly release: () => Promise<void>,
    private readonly encrypted: boolean,
    /** Absent for a branch, or the agent inside tryInTransaction(): they have no branches of their own. */
    host?: BranchHost<Agent>,
  ) {
    this.memories = new MemoryStore(this);
    this.files = new FileStore(storeRuntime(this, 'files'));
    this.actions = new ActionLog(storeRuntime(this, 'actions'));
    this.tasks = new TaskStore(storeRuntime(this, 'tasks'));
    this.kv = new KvStore(storeRuntime(this, 'kv'));
    this.branches = new BranchStore(this, host);
    this.snapshots = new SnapshotStore(this, host);
  }

  get agentId(): string {
    return this.id;
  }

  /**
   * Lends the open database to `fn` (the pool will not close it meanwhile). For packages built
   * on core; `state.conn` runs SQL with bound parameters and transactions.
   */
  use<T>(fn: (state: AgentState) => Promise<T>): Promise<T> {
    return this.borrow(fn);
  }

  /**
   * Like use(), after making sure the tables of `set` (see defineTables) exist: created on
   * first use in one transaction and recorded in the agent database, so branches track and
   * merge them even in a process that never loaded the package declaring them.
   * @example
   * const rows = await agent.withTables(NOTES, (s) => s.conn.all('SELECT slug FROM myapp_notes'));
   */
  withTables<T>(set: TableSet, fn: (state: AgentState) => Promise<T>): Promise<T> {
    return this.use(async (state) => {
      await ensureTableSet(state, set);
      return fn(state);
    });
  }

  /** What this agent database records about itself. */
  async info(): Promise<AgentInfo> {
    return this.use(async (state) => ({
      id: this.id,
      path: this.path,
      driver: state.conn.driver.name,
      schemaVersion: Number(state.meta.schema_version ?? 0),
      createdAt: state.meta.created_at ?? null,
      embedder: {
        id: state.meta.embedder_id ?? null,
        dims: state.meta.embedder_dims === undefined ? null : Number(state.meta.embedder_dims),
      },
      encrypted: this.encrypted,
    }));
  }

  /**
   * Which sub-stores hold tables yet (each makes its tables on first use). Reads only: an
   * inspector can skip the stores an agent never used without creating their tables.
   * @example
   * const used = await agent.storesInUse(); // { files: false, actions: true, tasks: false, kv: true }
   */
  async storesInUse(): Promise<Record<StoreName, boolean>> {
    return this.use(async (state) => ({
      files: await hasStoreTables(state.conn, 'files'),
      actions: await hasStoreTables(state.conn, 'actions'),
      tasks: await hasStoreTables(state.conn, 'tasks'),
      kv: await hasStoreTables(state.conn, 'kv'),
    }));
  }

  /**
   * Runs `fn` on a fresh branch of this agent: merged in (promoted when the agent did not move)
   * if it resolves, discarded if it throws. See BranchStore.try.
   * @example
   * await agent.try(async (draft) => { await draft.kv.set('plan', 'B'); if (!ok) throw new Error('no'); });
   */
  try<T>(fn: (branch: Agent) => Promise<T>, options?: TryOptions): Promise<T> {
    return this.branches.try(fn, options);
  }

  /**
   * Runs `fn` inside one write transaction: its agent's stores all write in it (each
   * operation, and each nested tryInTransaction(), as a savepoint); committed if `fn`
   * resolves, rolled back if it throws. Cheap (nothing is copied), but the agent's write lock
   * is held until `fn` settles.
   * @example
   * await agent.tryInTransaction(async (tx) => { await tx.kv.set('n', 1); await tx.memories.remember({ text: 'x' }); });
   */
  tryInTransaction<T>(fn: (agent: Agent) => Promise<T>): Promise<T> {
    return inTransaction(
      (f) => this.use(f),
      (state) =>
        new Agent(
          this.id,
          this.path,
          this.embedder,
          this.limits,
          (f) => f(state),
          async () => undefined,
          this.encrypted,
        ),
      fn,
    );
  }

  /**
   * Syncs this agent with its remote database now: pulls, then pushes. Needs Engram.open({ sync }).
   * Errors: SYNC_UNAVAILABLE (remote unreachable: local work goes on, retry later), SYNC_AUTH,
   * UNSUPPORTED (the remote has a newer schema).
   * @example
   * const { pulled, pushedChanges, ms } = await agent.sync();
   */
  sync(): Promise<SyncResult> {
    return this.use((state) => {
      if (!state.sync) throw new EngramError('UNSUPPORTED', `agent ${this.id} is not synced: open Engram with { sync: { url } }`);
      return state.sync.sync();
    });
  }

  /** Pending local changes, last push and pull, revision and last error of a synced agent. */
  syncStatus(): Promise<SyncStatus> {
    return this.use((state) => {
      if (!state.sync) throw new EngramError('UNSUPPORTED', `agent ${this.id} is not synced: open Engram with { sync: { url } }`);
      return state.sync.status();
    });
  }

  /** Moves the write-ahead log into the database file. */
  async checkpoint(): Promise<void> {
    await this.use((s) => s.conn.checkpoint());
  }

  /** Checkpoints and closes the database handle now (the next call reopens it). */
  async close(): Promise<void> {
    await this.release();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

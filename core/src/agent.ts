/**
 * An agent: a handle on one agent database, with its sub-stores. Cheap to hold: the database
 * itself is opened on demand by the pool and may be closed while idle; every operation
 * reopens it transparently.
 */
import type { AgentRuntime, AgentState, Limits } from './agent-state.js';
import type { Embedder } from './embedders/types.js';
import { ActionLog } from './actions/action-log.js';
import { FileStore } from './files/file-store.js';
import { KvStore } from './kv/kv-store.js';
import { MemoryStore } from './memories/memory-store.js';
import { TaskStore } from './tasks/task-store.js';

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

  constructor(
    readonly id: string,
    readonly path: string,
    readonly embedder: Embedder,
    readonly limits: Limits,
    private readonly borrow: <T>(fn: (state: AgentState) => Promise<T>) => Promise<T>,
    private readonly release: () => Promise<void>,
    private readonly encrypted: boolean,
  ) {
    this.memories = new MemoryStore(this);
    this.files = new FileStore(this);
    this.actions = new ActionLog(this);
    this.tasks = new TaskStore(this);
    this.kv = new KvStore(this);
  }

  get agentId(): string {
    return this.id;
  }

  use<T>(fn: (state: AgentState) => Promise<T>): Promise<T> {
    return this.borrow(fn);
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

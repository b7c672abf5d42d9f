/**
 * The entry point: `Engram.open({ dir })` manages every agent database under one root
 * directory: creating on first use, opening through a bounded pool, listing, exporting,
 * deleting, and re-embedding when the embedder changes.
 */
import { copyFile, mkdir, readdir, rm, stat } from 'node:fs/promises';
import { constants, existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { Agent } from './agent.js';
import { AGENT_FILE_SUFFIX, agentPath, prepareAgentDir, validateAgentId } from './runtime/agent-id.js';
import { DEFAULT_LIMITS, type AgentState, type Limits } from './runtime/agent-state.js';
import type { BranchHost } from './branches/host.js';
import { sweepLeftovers } from './branches/catalog.js';
import { filesDir } from './branches/names.js';
import { Connection } from './runtime/connection.js';
import { resolveDriver } from './drivers/index.js';
import { flushSideFileRemovals, GATE_FILE } from './drivers/open-gate.js';
import type { Driver, DriverName } from './drivers/types.js';
import { defaultEmbedder } from './embedders/default.js';
import { checkPageSize, pageSizeFor } from './schema/page-size.js';
import type { Embedder } from './embedders/types.js';
import { EngramError, invalid, isEngramError } from './util/errors.js';
import { AgentPool } from './runtime/pool.js';
import { readMeta, setMeta, type AgentMeta } from './schema/meta.js';
import { migrate, SCHEMA_VERSION } from './schema/migrations.js';
import { hasStoreTables } from './schema/store-tables.js';
import { fsError } from './util/fs-errors.js';
import { handleBytes, openLimits } from './runtime/open-limits.js';
import { WeakValueMap } from './util/weak-values.js';
import type { ReembedProgress } from './memories/types.js';
import { replicaSideFiles } from './drivers/turso-sync.js';
import { openSyncedAgent } from './sync/open.js';
import { resolveSyncOptions, type ResolvedSyncOptions, type SyncOptions } from './sync/options.js';

export interface EngramOptions {
  /** Root directory holding every agent database (created if missing). */
  dir: string;
  /** `turso` (default) or `sqlite`, or a Driver object. */
  driver?: DriverName | Driver;
  /** Embedder for every agent; default: offline GloVe word vectors (100 dims). */
  embedder?: Embedder;
  /** Most agent databases open at once (default by engine: 64 on turso, 256 on sqlite; see DEFAULT_MAX_OPEN_AGENTS). */
  maxOpenAgents?: number;
  /**
   * Most memory, in bytes, the open agent handles may take at once, as estimated from each
   * agent's engine and file size (default 512 MiB; see DEFAULT_MAX_OPEN_BYTES and HANDLE_MEMORY).
   * Least recently used handles are closed beyond it; the most recent one always stays open.
   */
  maxOpenBytes?: number;
  /**
   * Page size of agent databases created from now on: a power of two from 1024 to 65536 bytes.
   * Default: the smallest in which one vector of the embedder fits a page (1 KB up to 241 dims,
   * 2 KB up to 497, else 4 KB), which keeps an idle agent under 32 KB. Agents expected to grow
   * past about 100k memories insert and search faster with 4096 or more. Existing files keep
   * theirs; encrypted agents always use 4096 (the engine encrypts no other size).
   */
  pageSize?: number;
  /** Close a handle after this long unused (default 60 s; 0 keeps them open). */
  idleTimeoutMs?: number;
  /** How long to wait for another process's write lock before failing with LOCKED (default 10 s). */
  lockTimeoutMs?: number;
  /** Input limits (text and metadata sizes, tags, batch size). */
  limits?: Partial<Limits>;
  /**
   * Replicate every agent to a remote Turso database (Turso Cloud or `tursodb --sync-server`):
   * the file on disk is a replica that pushes and pulls. Turso driver only; not with encryptionKey.
   */
  sync?: SyncOptions;
}

export interface AgentOptions {
  /** 64 hex characters (256 bits): encrypts the agent database at rest. Turso driver only. */
  encryptionKey?: string;
  /** Create the agent when it does not exist (default true). */
  create?: boolean;
}

export interface ExportResult {
  files: string[];
  bytes: number;
}

const HEX_KEY = /^[0-9a-fA-F]{64}$/;

export class Engram {
  readonly root: string;
  /** The root's open gate (drivers/open-gate.ts): lets closing an agent remove side files only an open handle needs. */
  readonly gate: string;
  readonly driver: Driver;
  readonly embedder: Embedder;
  private readonly limits: Limits;
  private readonly pageSize: number;
  private readonly lockTimeoutMs: number;
  private readonly pool: AgentPool;
  private readonly keys = new Map<string, string>();
  /** One Agent object per id while the caller holds it; held weakly, so ids used once do not pile up. */
  private readonly agents = new WeakValueMap<string, Agent>();
  /** Agents being re-embedded: opened without the embedder check. */
  private readonly reembedding = new Set<string>();
  /** Branch files opened as agents: pool key (the file's path) to the agent id they belong to. */
  private readonly branchFiles = new Map<string, string>();
  private readonly branchHost: BranchHost<Agent>;
  private readonly sync: ResolvedSyncOptions | undefined;
  /** Synced agents opened with create: false whose replica may have to be bootstrapped first. */
  private readonly mustExist = new Set<string>();
  private closed = false;

  private constructor(
    options: EngramOptions,
    driver: Driver,
    embedder: Embedder,
    private readonly ownsEmbedder: boolean,
  ) {
    this.root = resolve(options.dir);
    this.gate = join(this.root, 'agents', GATE_FILE);
    this.driver = driver;
    this.embedder = embedder;
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.pageSize = options.pageSize === undefined ? pageSizeFor(embedder.dims) : checkPageSize(options.pageSize);
    const limits = openLimits(driver.name, options);
    this.lockTimeoutMs = limits.lockTimeoutMs;
    this.sync = options.sync === undefined ? undefined : resolveSyncOptions(options.sync);
    this.pool = new AgentPool({
      max: limits.maxOpenAgents,
      maxBytes: limits.maxOpenBytes,
      weigh: (state) => handleBytes(driver.name, state.conn.path),
      idleMs: limits.idleTimeoutMs,
      open: (id) => this.openState(id),
      onError: (err) => process.emitWarning(`engram: closing an idle agent failed: ${String(err)}`),
    });
    this.branchHost = {
      driver,
      lockTimeoutMs: this.lockTimeoutMs,
      synced: this.sync !== undefined,
      gate: this.gate,
      encryptionKey: (id) => this.keys.get(id),
      // Pool keys: an agent's id for its own file, the path for a branch file.
      exclusive: (paths, fn) =>
        this.pool.exclusive(
          paths.map((p) => this.poolKey(p)),
          fn,
        ),
      openFile: (agent, path) => {
        this.branchFiles.set(path, agent.id);
        return new Agent(
          agent.id,
          path,
          this.embedder,
          this.limits,
          (fn) => this.pool.use(path, fn),
          () => this.pool.close(path),
          this.keys.has(agent.id),
        );
      },
    };
  }

  /**
   * Opens (creating if needed) an Engram root directory.
   * @example
   * const engram = await Engram.open({ dir: './data' });
   * const agent = await engram.agent('agent-42');
   * await agent.memories.remember({ text: 'The user prefers metric units', kind: 'preference' });
   * const [best] = await agent.memories.recall('which units?');
   */
  static async open(options: EngramOptions): Promise<Engram> {
    if (typeof options !== 'object' || options === null || typeof options.dir !== 'string' || options.dir.length === 0) {
      throw invalid('Engram.open needs { dir }: the directory that holds the agent databases');
    }
    const driver = resolveDriver(options.driver);
    openLimits(driver.name, options); // checked before anything is loaded or created
    if (options.pageSize !== undefined) checkPageSize(options.pageSize);
    if (options.sync !== undefined && driver.name !== 'turso') {
      throw new EngramError(
        'UNSUPPORTED',
        `sync needs the turso driver (replication is Turso's sync protocol); this Engram uses ${driver.name}`,
      );
    }
    const embedder = options.embedder ?? (await defaultEmbedder());
    if (
      !embedder ||
      typeof embedder.embed !== 'function' ||
      !Number.isInteger(embedder.dims) ||
      embedder.dims < 1 ||
      typeof embedder.id !== 'string'
    ) {
      throw invalid('embedder must have a string id, positive integer dims and an embed(texts) method');
    }
    try {
      await mkdir(join(resolve(options.dir), 'agents'), { recursive: true });
    } catch (err) {
      throw new EngramError('READ_ONLY', `cannot create the Engram directory ${options.dir}: ${(err as Error).message}`, { cause: err });
    }
    return new Engram(options, driver, embedder, options.embedder === undefined);
  }

  private check(): void {
    if (this.closed) throw new EngramError('CLOSED', 'this Engram is closed');
  }

  /** Path of an agent's database file (whether or not it exists). */
  pathOf(id: string): string {
    return agentPath(this.root, validateAgentId(id));
  }

  /** True when the agent's database exists. */
  async has(id: string): Promise<boolean> {
    return existsSync(this.pathOf(id));
  }

  /**
   * The agent with this id, created on first use. Opening checks the database: its engine,
   * schema version and embedder must match this Engram (EMBEDDER_MISMATCH: see reembed()).
   */
  async agent(id: string, options: AgentOptions = {}): Promise<Agent> {
    this.check();
    const path = this.pathOf(id);
    if (options.encryptionKey !== undefined && this.sync) {
      throw new EngramError(
        'UNSUPPORTED',
        `agent ${id} has an encryption key, and sync cannot keep it encrypted: the sync package (0.7.2) has no local encryption, so the replica would hold the agent in plaintext. ` +
          'Open encrypted agents with an Engram without sync (a Turso Cloud database encrypted on the server: sync.remoteEncryption).',
      );
    }
    if (options.encryptionKey !== undefined) {
      if (!this.driver.supportsEncryption) {
        throw new EngramError('UNSUPPORTED', `encryption needs the turso driver; this Engram uses ${this.driver.name}`);
      }
      if (typeof options.encryptionKey !== 'string' || !HEX_KEY.test(options.encryptionKey)) {
        throw invalid('encryptionKey must be 64 hexadecimal characters (a 256-bit key)');
      }
    }
    const knownKey = this.keys.get(id);
    if (options.encryptionKey !== undefined) {
      if (knownKey !== undefined && knownKey !== options.encryptionKey) await this.pool.close(id);
      this.keys.set(id, options.encryptionKey);
    }
    if (options.create === false && !existsSync(path)) {
      // A synced agent may exist only on the remote: opening bootstraps it, or says NOT_FOUND.
      if (!this.sync) throw new EngramError('NOT_FOUND', `agent ${id} does not exist`);
      this.mustExist.add(id);
    }
    let agent = this.agents.get(id);
    if (!agent) {
      agent = new Agent(
        id,
        path,
        this.embedder,
        this.limits,
        (fn) => this.pool.use(id, fn),
        () => this.pool.close(id),
        this.keys.has(id),
        this.branchHost,
      );
      this.agents.set(id, agent);
    }
    try {
      await agent.use(async () => undefined); // open now, so errors surface here
    } catch (err) {
      this.agents.delete(id);
      // A key that did not open the agent is not kept: the next call without it must not use it.
      if (options.encryptionKey !== undefined && this.keys.get(id) === options.encryptionKey) {
        if (knownKey === undefined) this.keys.delete(id);
        else this.keys.set(id, knownKey);
      }
      throw err;
    } finally {
      this.mustExist.delete(id);
    }
    return agent;
  }

  /** The pool key of a database file: the agent's id for its own file, the path for a branch file. */
  private poolKey(path: string): string {
    const id = basename(path, AGENT_FILE_SUFFIX);
    return agentPath(this.root, id) === path ? id : path;
  }

  /** Opens a pool key: an agent id, or the path of a branch file (never created here). */
  private async openState(key: string): Promise<AgentState> {
    this.check();
    const branchOf = this.branchFiles.get(key);
    const id = branchOf ?? key;
    const path = branchOf === undefined ? agentPath(this.root, id) : key;
    if (branchOf !== undefined && !existsSync(path)) {
      throw new EngramError('NOT_FOUND', `this branch of agent ${id} no longer exists (it was promoted, merged or discarded)`);
    }
    if (this.sync && branchOf === undefined) {
      return openSyncedAgent(id, path, this.sync, {
        driver: this.driver,
        lockTimeoutMs: this.lockTimeoutMs,
        mustExist: this.mustExist.has(id),
        prepare: (conn) => this.prepare(conn, id, { synced: true }),
      });
    }
    const fresh = await prepareAgentDir(id, path);
    // What a crashed branch or snapshot creation left beside the agent (a full-size clone, maybe).
    if (branchOf === undefined && !fresh) sweepLeftovers(path);
    let conn: Connection | undefined;
    try {
      const handle = await this.driver.open(path, { encryptionKey: this.keys.get(id), gate: this.gate });
      conn = new Connection(this.driver, handle, path, { lockTimeoutMs: this.lockTimeoutMs });
      const meta = await this.prepare(conn, id);
      return { conn, meta, caches: new Map() };
    } catch (err) {
      await conn?.close().catch(() => undefined);
      if (isEngramError(err, 'CORRUPT') && !this.keys.has(id) && this.driver.supportsEncryption) {
        throw new EngramError('CORRUPT', `${err.message}. If agent ${id} is encrypted, pass its encryptionKey to engram.agent()`, {
          cause: err,
        });
      }
      throw err;
    }
  }

  /** Brings a freshly opened database to the current schema and checks it belongs here. */
  private async prepare(conn: Connection, id: string, options: { synced?: boolean } = {}): Promise<Partial<AgentMeta>> {
    let meta = await readMeta(conn);
    if (meta && meta.engine && meta.engine !== this.driver.name) {
      throw new EngramError(
        'ENGINE_MISMATCH',
        `agent ${id} was created by the ${meta.engine} driver; open this directory with driver "${meta.engine}"`,
      );
    }
    const version = Number(meta?.schema_version ?? 0);
    if (version > SCHEMA_VERSION) {
      throw new EngramError(
        'UNSUPPORTED',
        `agent ${id} has schema version ${version}, newer than this Engram (${SCHEMA_VERSION}): upgrade Engram`,
      );
    }
    if (!meta) {
      // A page size takes effect only in a file with no page yet (a new agent). A replica's pages
      // are the remote's, and Turso 0.7.2 encrypts 4 KB pages only (it panics on others).
      const fresh =
        !options.synced && !this.keys.has(id) && (await conn.get<{ page_count: number }>('PRAGMA page_count'))?.page_count === 0;
      if (fresh) await conn.exec(`PRAGMA page_size=${this.pageSize}`);
      await conn.exec('PRAGMA journal_mode=WAL');
    }
    if (version < SCHEMA_VERSION) {
      await migrate((fn) => conn.transaction(fn), conn.dialect, version);
    }
    const changed = !meta?.engine || version < SCHEMA_VERSION;
    if (!meta?.engine) {
      await conn.transaction(async (tx) => {
        const insert = `INSERT INTO engram_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`;
        await tx.run(insert, ['engine', this.driver.name]);
        await tx.run(insert, ['agent_id', id]);
        await tx.run(insert, ['created_at', new Date().toISOString()]);
        await tx.run(insert, ['embedder_id', this.embedder.id]);
        await tx.run(insert, ['embedder_dims', String(this.embedder.dims)]);
        await tx.run(insert, ['vectors_version', '0']);
      });
    }
    if (changed) meta = (await readMeta(conn))!;
    if (!meta) throw new EngramError('INTERNAL', `agent ${id}: meta table missing after initialisation`);
    if (meta.embedder_id !== this.embedder.id || Number(meta.embedder_dims) !== this.embedder.dims) {
      // Any stored vector pins the embedder: memories' and file passages' alike.
      const anyVector = async (table: string) => (await conn.get(`SELECT 1 AS x FROM ${table} LIMIT 1`)) !== undefined;
      const pinned =
        (await anyVector('memory_vectors')) || ((await hasStoreTables(conn, 'files')) && (await anyVector('file_chunk_vectors')));
      if (!pinned) {
        // Nothing embedded yet: adopt this Engram's embedder.
        await conn.transaction(async (tx) => {
          await setMeta(tx, 'embedder_id', this.embedder.id);
          await setMeta(tx, 'embedder_dims', String(this.embedder.dims));
        });
        meta = (await readMeta(conn))!;
      } else if (!this.reembedding.has(id)) {
        throw new EngramError(
          'EMBEDDER_MISMATCH',
          `agent ${id} holds vectors from embedder ${meta.embedder_id} (${meta.embedder_dims} dims) but this Engram uses ${this.embedder.id} (${this.embedder.dims} dims). ` +
            `Open it with the same embedder, or run engram.reembed('${id}') to re-embed every memory with the new one.`,
          { details: { stored: meta.embedder_id, requested: this.embedder.id } },
        );
      }
    }
    return meta;
  }

  /**
   * Re-embeds every memory of an agent with this Engram's embedder and records it as the
   * agent's embedder: the way out of EMBEDDER_MISMATCH. Returns how many memories were embedded.
   */
  async reembed(id: string, options: { batchSize?: number; onProgress?: (p: ReembedProgress) => void } = {}): Promise<number> {
    this.check();
    validateAgentId(id);
    if (!existsSync(this.pathOf(id))) throw new EngramError('NOT_FOUND', `agent ${id} does not exist`);
    await this.pool.close(id);
    this.reembedding.add(id);
    try {
      const agent = await this.agent(id);
      // Files first: memories.reembedAll records the new embedder in the same transaction as its vectors.
      // (an agent that never used files has none, and gets no files tables from this)
      const passages = (await agent.use((s) => hasStoreTables(s.conn, 'files'))) ? await agent.files.reembedAll(options) : 0;
      return passages + (await agent.memories.reembedAll(options));
    } finally {
      this.reembedding.delete(id);
    }
  }

  /** Ids of every agent under the root, sorted. `prefix` narrows them. */
  async list(options: { prefix?: string } = {}): Promise<string[]> {
    this.check();
    const dir = join(this.root, 'agents');
    const shards = await readdir(dir).catch(() => [] as string[]);
    const ids: string[] = [];
    for (const shard of shards) {
      const names = await readdir(join(dir, shard)).catch(() => [] as string[]);
      for (const name of names) {
        if (!name.endsWith(AGENT_FILE_SUFFIX)) continue;
        const id = name.slice(0, -AGENT_FILE_SUFFIX.length);
        if (options.prefix === undefined || id.startsWith(options.prefix)) ids.push(id);
      }
    }
    return ids.sort();
  }

  /**
   * Writes a consistent copy of an agent's database to `dest` (a new file; an encrypted agent
   * stays encrypted with the same key). The copy is an ordinary agent database file.
   */
  async export(id: string, dest: string): Promise<ExportResult> {
    const agent = await this.agent(id, { create: false });
    const target = resolve(dest);
    if (existsSync(target)) throw new EngramError('CONFLICT', `export target ${target} already exists`);
    if (!existsSync(dirname(target))) throw new EngramError('NOT_FOUND', `export directory ${dirname(target)} does not exist`);
    await agent.checkpoint();
    return agent.use(async (state) =>
      // Holding the write lock keeps every writer, in any process, out while the files are copied.
      state.conn.transaction(async () => {
        const files = [target];
        try {
          await copyFile(agent.path, target, constants.COPYFILE_EXCL);
          const wal = `${agent.path}-wal`;
          if (existsSync(wal) && (await stat(wal)).size > 0) {
            files.push(`${target}-wal`);
            await copyFile(wal, `${target}-wal`, constants.COPYFILE_EXCL);
          }
        } catch (err) {
          // No partial copy stays behind (a full disk, say); a target that appeared meanwhile is not ours.
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') for (const f of files) await rm(f, { force: true });
          throw fsError(`cannot export agent ${id} to ${target}`, err);
        }
        let bytes = 0;
        for (const f of files) bytes += (await stat(f)).size;
        return { files, bytes };
      }),
    );
  }

  /** Deletes an agent's database and its side files for good. */
  async delete(id: string): Promise<boolean> {
    this.check();
    const path = this.pathOf(id);
    await this.pool.close(id);
    for (const [key, owner] of this.branchFiles) {
      if (owner !== id) continue;
      await this.pool.close(key);
      this.branchFiles.delete(key);
    }
    this.agents.delete(id);
    this.keys.delete(id);
    const existed = existsSync(path);
    const sideFiles = this.sync ? replicaSideFiles(path) : this.driver.sideFiles(path);
    for (const f of [path, ...sideFiles]) await rm(f, { force: true });
    for (const dir of [filesDir(path, 'branch'), filesDir(path, 'snapshot')]) await rm(dir, { recursive: true, force: true });
    return existed;
  }

  /** Number of agent databases open right now. */
  get openAgents(): number {
    return this.pool.size;
  }

  /** Estimated memory of the agent databases open right now, in bytes (what `maxOpenBytes` bounds). */
  get openAgentBytes(): number {
    return this.pool.openBytes;
  }

  /** Checkpoints and closes every open agent database. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.pool.closeAll();
    flushSideFileRemovals(this.gate);
    this.closed = true;
    if (this.ownsEmbedder) await this.embedder.close?.();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

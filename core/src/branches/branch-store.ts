/**
 * `agent.branches`: forks of an agent's whole database. A branch is a complete agent database
 * of its own (every store, vector search, full-text search and encryption work on it), made by
 * cloning the agent's file: copy-on-write where the file system can, a consistent copy
 * elsewhere. It can be opened as an Agent, discarded, promoted (the agent's state becomes the
 * branch's), diffed against the agent, and merged back when the agent moved on meanwhile.
 */
import { existsSync, renameSync, rmSync } from 'node:fs';
import type { Queryable } from '../drivers/types.js';
import { EngramError, invalid, isEngramError } from '../util/errors.js';
import { rejectUnknownFields } from '../util/validate.js';
import { listRecords, readRecord, sweep, syncLog, type FileRecord } from './catalog.js';
import {
  covers,
  ensureTriggers,
  lastSeq,
  position,
  readLogState,
  startLog,
  untrackedTables,
  withNewEpoch,
  writeLogState,
  type ForkPoint,
} from './change-log.js';
import { cloneFile, cloneLive, ensureDir, placeClone, sizeOf, writeFileQuick } from './clone.js';
import { countByTable, planMerge } from './diff.js';
import { openPrivate, type BranchHost, type BranchSubject, refuseSwapWhenSynced } from './host.js';
import { applyPlan } from './merge.js';
import { dbPath, filesDir, generatedName, infoPath, tempPath, validateName } from './names.js';
import { settle, swapIn } from './swap.js';
import { hasRows } from './tables.js';
import type {
  BranchCreateOptions,
  BranchDiff,
  BranchInfo,
  DiffOptions,
  MergeOptions,
  MergePolicy,
  MergeResult,
  PromoteOptions,
  PromoteResult,
  TryOptions,
} from './types.js';

const POLICIES: readonly MergePolicy[] = ['fail', 'ours', 'theirs'];

function checkPolicy(policy: unknown): MergePolicy {
  if (policy === undefined) return 'fail';
  if (!POLICIES.includes(policy as MergePolicy)) throw invalid(`merge policy must be one of ${POLICIES.join(', ')}`, { field: 'policy' });
  return policy as MergePolicy;
}

/** True when the agent changed after `fork`, or when that cannot be told (its log does not reach back). */
async function agentMoved(db: Queryable, fork: ForkPoint | null): Promise<boolean> {
  if (!fork || !covers(await readLogState(db), fork)) return true;
  if ((await lastSeq(db)) > fork.seq) return true;
  for (const table of await untrackedTables(db)) if (await hasRows(db, table)) return true;
  return false;
}

function diverged(name: string): EngramError {
  return new EngramError(
    'CONFLICT',
    `branch ${name} and the agent no longer share a history since the fork (the agent was restored, another branch was promoted over it, ` +
      `or the branch was made from a snapshot taken while no branch existed), so its changes cannot be replayed. ` +
      `Promote it with { force: true } to replace the agent's state, or discard it.`,
    { details: { reason: 'diverged', branch: name } },
  );
}

/** `agent.branches`; `A` is what a branch opens as (an Agent). */
export class BranchStore<A extends BranchSubject = BranchSubject> {
  constructor(
    private readonly agent: A,
    private readonly host: BranchHost<A> | undefined,
  ) {}

  private need(): BranchHost<A> {
    if (!this.host) {
      throw new EngramError(
        'UNSUPPORTED',
        'branches and snapshots belong to an agent opened with engram.agent(id); a branch, or the agent inside tryInTransaction(), has none of its own',
      );
    }
    return this.host;
  }

  private path(name: string): string {
    return dbPath(this.agent.path, 'branch', name);
  }

  private existing(name: unknown): { name: string; path: string } {
    const n = validateName('branch', name);
    const path = this.path(n);
    if (!existsSync(path)) throw new EngramError('NOT_FOUND', `agent ${this.agent.id} has no branch ${n}`, { details: { branch: n } });
    return { name: n, path };
  }

  private toInfo(r: FileRecord & { bytes: number }): BranchInfo {
    return { name: r.name, createdAt: r.createdAt, method: r.method, bytes: r.bytes, from: r.from ?? null };
  }

  /**
   * Forks the agent's current state (or a snapshot) into a new branch. On a file system that can
   * clone files this takes about a millisecond at any size and no space until either side is
   * written; elsewhere it is a full copy. `method` says which happened.
   * @example
   * const b = await agent.branches.create('experiment');   // { name, createdAt, method: 'reflink' | 'copy', bytes, from: null }
   * const copy = await agent.branches.open('experiment');  // an Agent: copy.memories, copy.files, ...
   */
  async create(name?: string, options: BranchCreateOptions = {}): Promise<BranchInfo> {
    this.need();
    rejectUnknownFields(options, ['from'], 'branches.create options');
    const branch = name === undefined ? generatedName('b') : validateName('branch', name);
    const from = options.from === undefined ? undefined : validateName('snapshot', options.from);
    const path = this.path(branch);
    if (existsSync(path))
      throw new EngramError('CONFLICT', `agent ${this.agent.id} already has a branch ${branch}`, { details: { branch } });
    ensureDir(filesDir(this.agent.path, 'branch'));
    sweep(this.agent.path, 'branch');
    const record = from === undefined ? await this.fromAgent(branch, path) : await this.fromSnapshot(branch, from, path);
    return this.toInfo({ ...record, bytes: sizeOf(path) + sizeOf(`${path}-wal`) });
  }

  /** Clones the agent's live database (see cloneLive) and records the fork, under its write lock. */
  private async fromAgent(branch: string, path: string): Promise<FileRecord> {
    return this.agent.use((state) =>
      cloneLive(
        state.conn,
        this.agent.path,
        tempPath(path),
        // The log must be on (and every tracked table have its triggers) in the clone too.
        async (tx) => [await startLog(tx), await ensureTriggers(tx, state.caches)].includes(true),
        async (tx, clone) => {
          if (existsSync(path))
            throw new EngramError('CONFLICT', `agent ${this.agent.id} already has a branch ${branch}`, { details: { branch } });
          const r: FileRecord = {
            name: branch,
            createdAt: new Date().toISOString(),
            method: clone.method,
            at: await position(tx),
            from: null,
          };
          placeClone(clone, path, infoPath(this.agent.path, 'branch', branch), r);
          return r;
        },
      ),
    );
  }

  private async fromSnapshot(branch: string, from: string, path: string): Promise<FileRecord> {
    const host = this.need();
    const snapshot = dbPath(this.agent.path, 'snapshot', from);
    if (!existsSync(snapshot))
      throw new EngramError('NOT_FOUND', `agent ${this.agent.id} has no snapshot ${from}`, { details: { snapshot: from } });
    const at = readRecord(this.agent.path, 'snapshot', from).at;
    const tmp = tempPath(path);
    try {
      const method = await cloneFile(snapshot, tmp);
      if (existsSync(`${snapshot}-wal`)) await cloneFile(`${snapshot}-wal`, `${tmp}-wal`);
      // A snapshot taken while no branch existed has no log: the branch starts its own.
      await settle(
        () => openPrivate(host, this.agent.id, tmp),
        tmp,
        (conn) => conn.transaction(async (tx) => [await startLog(tx), await ensureTriggers(tx)]),
      );
      for (const f of host.driver.sideFiles(tmp)) rmSync(f, { force: true });
      const r: FileRecord = { name: branch, createdAt: new Date().toISOString(), method, at, from };
      writeFileQuick(infoPath(this.agent.path, 'branch', branch), JSON.stringify(r));
      renameSync(tmp, path);
      return r;
    } finally {
      rmSync(tmp, { force: true });
      for (const f of host.driver.sideFiles(tmp)) rmSync(f, { force: true });
    }
  }

  /** Every branch of the agent, oldest first. */
  async list(): Promise<BranchInfo[]> {
    this.need();
    return listRecords(this.agent.path, 'branch').map((r) => this.toInfo(r));
  }

  /**
   * The branch as an Agent with every store (memories, files, actions, tasks, kv). Its changes
   * stay on the branch until it is promoted or merged.
   * @example
   * const b = await agent.branches.open('experiment');
   * await b.kv.set('plan', 'B');   // agent.kv.get('plan') is unchanged
   */
  async open(name: string): Promise<A> {
    const host = this.need();
    const { path } = this.existing(name);
    const branch = host.openFile(this.agent, path);
    await branch.use(async () => undefined); // open now, so errors surface here
    return branch;
  }

  /** Deletes a branch and its changes. Returns false when there was no such branch. */
  async discard(name: string): Promise<boolean> {
    const host = this.need();
    const branch = validateName('branch', name);
    const path = this.path(branch);
    if (!existsSync(path)) return false;
    await host.exclusive([path], async () => {
      rmSync(infoPath(this.agent.path, 'branch', branch), { force: true });
      for (const f of host.driver.sideFiles(path)) rmSync(f, { force: true });
      rmSync(path, { force: true });
    });
    await syncLog(this.agent);
    return true;
  }

  /**
   * Makes the branch's state the agent's (the branch is consumed). If the agent changed since
   * the fork this is CONFLICT, unless `{ force: true }` (those changes are then dropped; use
   * merge() to keep both). Crash-safe: after a crash at any point the agent is either its old
   * state or the branch's. Another process holding the agent or the branch open makes it
   * LOCKED: a file cannot be replaced under a process that uses it.
   * @example
   * await agent.branches.promote('experiment');
   */
  async promote(name: string, options: PromoteOptions = {}): Promise<PromoteResult> {
    const host = this.need();
    rejectUnknownFields(options, ['force'], 'branches.promote options');
    refuseSwapWhenSynced(host, `cannot promote branch ${name} of agent ${this.agent.id}`);
    const { name: branch, path } = this.existing(name);
    const fork = readRecord(this.agent.path, 'branch', branch).at;
    const agentPath = this.agent.path;
    const open = (p: string) => () => openPrivate(host, this.agent.id, p);
    const result = await host.exclusive([agentPath, path], async () => {
      const what = `cannot promote branch ${branch} of agent ${this.agent.id}`;
      const moved = await settle(open(agentPath), agentPath, (conn) => agentMoved(conn, fork));
      if (moved && options.force !== true) {
        throw new EngramError(
          'CONFLICT',
          `${what}: the agent changed since the branch forked, and promoting would drop those changes. ` +
            `Merge it instead (agent.branches.merge('${branch}')), or promote with { force: true } to drop them.`,
          { details: { reason: 'stale', branch } },
        );
      }
      // Where the new history parts from the old: the fork. Other branches forked before it stay
      // mergeable. (The branch stays a valid branch if a crash stops the promote before the swap.)
      await settle(open(path), path, (conn) =>
        conn.transaction(async (tx) => writeLogState(tx, withNewEpoch(await readLogState(tx), (fork?.seq ?? (await lastSeq(tx))) + 1))),
      );
      await swapIn(host.driver, agentPath, path, what, host.gate);
      rmSync(infoPath(agentPath, 'branch', branch), { force: true });
      return { branch, droppedParentChanges: moved };
    });
    await syncLog(this.agent); // trims the log, or switches it off when no branch is left
    return result;
  }

  /**
   * What the branch changed since it forked, per table and row by row, what the agent changed
   * meanwhile, and the rows both changed differently (which merge would report as conflicts).
   * @example
   * const d = await agent.branches.diff('experiment');
   * // d.tables: [{ table: 'memories', added: 2, changed: 0, removed: 1 }, ...]; d.conflicts: []
   */
  async diff(name: string, options: DiffOptions = {}): Promise<BranchDiff> {
    rejectUnknownFields(options, ['values'], 'branches.diff options');
    return this.compare(name, { values: options.values === true, parentChanges: true });
  }

  /** diff() without its option checks; merge asks it for less. */
  private async compare(name: string, options: { values: boolean; parentChanges: boolean }): Promise<BranchDiff> {
    const host = this.need();
    const { name: branch, path } = this.existing(name);
    const fork = readRecord(this.agent.path, 'branch', branch).at;
    if (!fork)
      throw new EngramError('CONFLICT', `branch ${branch} has no record of where it forked, so it cannot be compared`, {
        details: { reason: 'unknown-fork' },
      });
    const file = host.openFile(this.agent, path);
    return file.use((bs) =>
      this.agent.use(async (ps) => {
        const covered = covers(await readLogState(ps.conn), fork);
        const plan = await planMerge(ps.conn, bs.conn, fork.seq, { parentLog: covered, ...options });
        const changes = plan.units.map((u) => u.change);
        return {
          branch,
          parentMoved: await agentMoved(ps.conn, fork),
          changes,
          tables: countByTable(changes),
          parentChanges: covered ? plan.parentChanges : null,
          conflicts: plan.units.filter((u) => u.conflict).map((u) => u.change),
        };
      }),
    );
  }

  /** The branch name of `source`: a name, or an Agent opened on one of this agent's branches. */
  private branchName(source: string | A): string {
    if (typeof source === 'string') return validateName('branch', source);
    const path = typeof source === 'object' && source !== null ? (source as { path?: unknown }).path : undefined;
    const name = typeof path === 'string' ? /([^/\\]+)\.db$/.exec(path)?.[1] : undefined;
    if (name === undefined || path !== this.path(name)) {
      throw invalid(
        `cannot merge ${typeof path === 'string' ? path : String(source)} into agent ${this.agent.id}: it is not one of its branches, so they share no history. ` +
          `Only branches made with agent.branches.create() can be merged into an agent.`,
        { reason: 'unrelated' },
      );
    }
    return name;
  }

  /**
   * Brings the branch's changes into the agent and consumes the branch. If the agent did not
   * change since the fork, the branch is simply promoted (fast-forward). Otherwise its changes
   * are replayed onto the agent in one transaction; rows both sides changed differently are
   * conflicts, settled by `policy`: `fail` (default: CONFLICT, nothing changes), `ours` (keep the
   * agent's) or `theirs` (take the branch's).
   * @example
   * const r = await agent.branches.merge('experiment', { policy: 'theirs' });
   * // { method: 'replay', applied: [{ table: 'files', key: ['/plan.md'], change: 'changed' }], conflicts: [...] }
   */
  async merge(source: string | A, options: MergeOptions = {}): Promise<MergeResult> {
    const host = this.need();
    rejectUnknownFields(options, ['policy'], 'branches.merge options');
    const policy = checkPolicy(options.policy);
    const { name: branch, path } = this.existing(this.branchName(source));
    const fork = readRecord(this.agent.path, 'branch', branch).at;
    if (!fork) throw diverged(branch);
    const before = await this.compare(branch, { values: false, parentChanges: false });
    if (before.changes.length === 0) {
      await this.discard(branch);
      return { branch, method: 'replay', policy, applied: [], conflicts: [] };
    }
    // (a synced agent's file is never replaced: always a replay there)
    if (!before.parentMoved && !host.synced) {
      try {
        await this.promote(branch);
        return { branch, method: 'fast-forward', policy, applied: before.changes, conflicts: [] };
      } catch (err) {
        // The agent moved meanwhile, or another process holds it open: replay instead.
        if (!isEngramError(err, 'CONFLICT') && !isEngramError(err, 'LOCKED')) throw err;
      }
    }
    const file = host.openFile(this.agent, path);
    const applied = await file.use((bs) =>
      // The branch's write lock keeps it still while it is read.
      bs.conn.transaction((btx) =>
        this.agent.use(async (ps) => {
          // Replayed memories bump vectors_version, which retires the handle's cached vector index.
          return ps.conn.transaction(async (ptx) => {
            if (!covers(await readLogState(ptx), fork)) throw diverged(branch);
            const plan = await planMerge(ptx, btx, fork.seq, { parentLog: true, values: false, parentChanges: false });
            return applyPlan(ptx, btx, plan, policy, ps.conn.dialect);
          });
        }),
      ),
    );
    await this.discard(branch);
    return { branch, method: 'replay', policy, ...applied };
  }

  /**
   * Runs `fn` on a fresh branch: if it resolves, the branch is merged into the agent (promoted
   * when the agent did not move meanwhile) and its value returned; if it throws, the branch is
   * discarded and the error rethrown. Either way no branch is left behind.
   * @example
   * const plan = await agent.try(async (draft) => {
   *   await draft.files.writeFile('/plan.md', '# Plan B');
   *   if (!(await looksGood(draft))) throw new Error('rejected');   // the agent is untouched
   *   return 'B';
   * });
   */
  async try<T>(fn: (branch: A) => Promise<T>, options: TryOptions = {}): Promise<T> {
    this.need();
    rejectUnknownFields(options, ['name', 'policy'], 'try options');
    if (typeof fn !== 'function') throw invalid('try() needs a function: agent.try(async (branch) => { ... })');
    const policy = checkPolicy(options.policy);
    const { name } = await this.create(options.name ?? generatedName('try'));
    try {
      const value = await fn(await this.open(name));
      await this.merge(name, { policy });
      return value;
    } catch (err) {
      await this.discard(name).catch(() => undefined);
      throw err;
    }
  }
}

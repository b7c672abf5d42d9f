/**
 * `agent.snapshots`: named, timestamped copies of an agent's whole database, made like a
 * branch (a copy-on-write clone where the file system can), never opened for writing, and
 * restorable: the agent's state becomes the snapshot's. Retention keeps the newest N and/or
 * drops those older than D days.
 */
import { existsSync, rmSync } from 'node:fs';
import { EngramError, invalid } from '../util/errors.js';
import { rejectUnknownFields } from '../util/validate.js';
import { listNames, listRecords, sweep, syncLog, type FileRecord } from './catalog.js';
import { lastSeq, position, readLogState, stopLog, withNewEpoch, writeLogState } from './change-log.js';
import { cloneFile, cloneLive, placeClone, sizeOf, ensureDir } from './clone.js';
import { openPrivate, type BranchHost, type BranchSubject, refuseSwapWhenSynced } from './host.js';
import { dbPath, filesDir, generatedName, infoPath, tempPath, validateName } from './names.js';
import { settle, swapIn } from './swap.js';
import type { SnapshotInfo, SnapshotRetention } from './types.js';

const DAY_MS = 86_400_000;

function checkRetention(retention: SnapshotRetention, where: string): void {
  rejectUnknownFields(retention, ['keepLast', 'maxAgeDays'], where);
  const { keepLast, maxAgeDays } = retention;
  if (keepLast !== undefined && (!Number.isInteger(keepLast) || keepLast < 0)) throw invalid('keepLast must be a non-negative integer');
  if (maxAgeDays !== undefined && (typeof maxAgeDays !== 'number' || !Number.isFinite(maxAgeDays) || maxAgeDays < 0)) {
    throw invalid('maxAgeDays must be a non-negative number');
  }
}

export class SnapshotStore {
  constructor(
    private readonly agent: BranchSubject,
    private readonly host: BranchHost | undefined,
  ) {}

  private need(): BranchHost {
    if (!this.host) {
      throw new EngramError('UNSUPPORTED', 'snapshots belong to an agent opened with engram.agent(id); a branch has none of its own');
    }
    return this.host;
  }

  private toInfo(r: FileRecord & { bytes: number }): SnapshotInfo {
    return { name: r.name, createdAt: r.createdAt, method: r.method, bytes: r.bytes };
  }

  /**
   * Takes a snapshot of the agent's current state, then applies `retention` if given (the new
   * snapshot is always kept). Trims the change log to what live branches still need.
   * @example
   * await agent.snapshots.create('before-import', { keepLast: 10 });
   */
  async create(name?: string, retention: SnapshotRetention = {}): Promise<SnapshotInfo> {
    this.need();
    checkRetention(retention, 'snapshots.create options');
    const snapshot = name === undefined ? generatedName('s') : validateName('snapshot', name);
    const path = dbPath(this.agent.path, 'snapshot', snapshot);
    const exists = () =>
      new EngramError('CONFLICT', `agent ${this.agent.id} already has a snapshot ${snapshot}`, { details: { snapshot } });
    if (existsSync(path)) throw exists();
    ensureDir(filesDir(this.agent.path, 'snapshot'));
    sweep(this.agent.path, 'snapshot');
    const record = await this.agent.use((state) =>
      cloneLive(
        state.conn,
        this.agent.path,
        tempPath(path),
        async () => false,
        async (tx, clone) => {
          if (existsSync(path)) throw exists();
          const r: FileRecord = { name: snapshot, createdAt: new Date().toISOString(), method: clone.method, at: await position(tx) };
          placeClone(clone, path, infoPath(this.agent.path, 'snapshot', snapshot), r);
          return r;
        },
      ),
    );
    if (retention.keepLast !== undefined || retention.maxAgeDays !== undefined) await this.prune(retention, snapshot);
    await syncLog(this.agent);
    return this.toInfo({ ...record, bytes: sizeOf(path) + sizeOf(`${path}-wal`) });
  }

  /** Every snapshot, oldest first. */
  async list(): Promise<SnapshotInfo[]> {
    this.need();
    return listRecords(this.agent.path, 'snapshot').map((r) => this.toInfo(r));
  }

  /** Deletes a snapshot. Returns false when there was no such snapshot. */
  async delete(name: string): Promise<boolean> {
    this.need();
    const snapshot = validateName('snapshot', name);
    const path = dbPath(this.agent.path, 'snapshot', snapshot);
    const existed = existsSync(path);
    rmSync(infoPath(this.agent.path, 'snapshot', snapshot), { force: true });
    rmSync(`${path}-wal`, { force: true });
    rmSync(path, { force: true });
    return existed;
  }

  /**
   * Deletes snapshots beyond the newest `keepLast` and those older than `maxAgeDays`; returns
   * the names deleted. `keep` is never deleted.
   * @example
   * await agent.snapshots.prune({ keepLast: 5, maxAgeDays: 30 });
   */
  async prune(retention: SnapshotRetention, keep?: string): Promise<string[]> {
    this.need();
    checkRetention(retention, 'snapshots.prune options');
    const newestFirst = listRecords(this.agent.path, 'snapshot').reverse();
    const cutoff = retention.maxAgeDays === undefined ? -Infinity : Date.now() - retention.maxAgeDays * DAY_MS;
    const doomed = newestFirst
      .filter((r, i) => (retention.keepLast !== undefined && i >= retention.keepLast) || Date.parse(r.createdAt) < cutoff)
      .map((r) => r.name)
      .filter((n) => n !== keep);
    for (const n of doomed) await this.delete(n);
    return doomed;
  }

  /**
   * Replaces the agent's state with the snapshot's (the snapshot stays). Crash-safe like
   * promote; LOCKED while another process holds the agent open. The current state is gone
   * afterwards: take a snapshot first if it may be wanted back.
   * @example
   * await agent.snapshots.restore('before-import');
   */
  async restore(name: string): Promise<void> {
    const host = this.need();
    refuseSwapWhenSynced(host, `cannot restore snapshot ${name} of agent ${this.agent.id}`);
    const snapshot = validateName('snapshot', name);
    const source = dbPath(this.agent.path, 'snapshot', snapshot);
    if (!existsSync(source))
      throw new EngramError('NOT_FOUND', `agent ${this.agent.id} has no snapshot ${snapshot}`, { details: { snapshot } });
    const agentPath = this.agent.path;
    const branches = listNames(agentPath, 'branch').length > 0;
    const open = (p: string) => () => openPrivate(host, this.agent.id, p);
    await host.exclusive([agentPath], async () => {
      const what = `cannot restore snapshot ${snapshot} of agent ${this.agent.id}`;
      const tmp = tempPath(source);
      try {
        await cloneFile(source, tmp);
        if (existsSync(`${source}-wal`)) await cloneFile(`${source}-wal`, `${tmp}-wal`);
        // The restored history parts from the agent's here: a new epoch (or no log, without branches).
        await settle(open(tmp), tmp, (conn) =>
          conn.transaction(async (tx) =>
            branches ? writeLogState(tx, withNewEpoch(await readLogState(tx), (await lastSeq(tx)) + 1)) : stopLog(tx),
          ),
        );
        await settle(open(agentPath), agentPath, async () => undefined);
        await swapIn(host.driver, agentPath, tmp, what, host.gate);
      } finally {
        rmSync(tmp, { force: true });
        for (const f of host.driver.sideFiles(tmp)) rmSync(f, { force: true });
      }
    });
    if (branches) await syncLog(this.agent);
  }
}

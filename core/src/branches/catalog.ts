/**
 * The records kept beside branch and snapshot files (`<name>.json`: when and how each was made,
 * and the position in the agent's history it was made at), and keeping the agent's change log
 * to what the live branches need. Records are tiny: they are read and written synchronously,
 * which costs microseconds where a trip through the thread pool costs a tenth of a millisecond.
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentRuntime } from '../runtime/agent-state.js';
import { trimLog, type ForkPoint } from './change-log.js';
import { sizeOf } from './clone.js';
import { dbPath, filesDir, HOST_TAG, infoPath, namesIn, TEMP_FILE, type FileKind } from './names.js';
import type { CloneMethod } from './types.js';

export interface FileRecord {
  name: string;
  createdAt: string;
  method: CloneMethod;
  /** Where in the agent's history the file was taken (a branch's fork point). */
  at: ForkPoint | null;
  /** Branches only: the snapshot it was made from. */
  from?: string | null;
}

/** The record of a branch or snapshot; a stand-in from the file itself when the record is missing. */
export function readRecord(agentPath: string, kind: FileKind, name: string): FileRecord {
  try {
    return JSON.parse(readFileSync(infoPath(agentPath, kind, name), 'utf8')) as FileRecord;
  } catch {
    const st = statSync(dbPath(agentPath, kind, name));
    return { name, createdAt: st.mtime.toISOString(), method: 'copy', at: null, from: null };
  }
}

/** Names of the existing branches or snapshots of an agent. */
export function listNames(agentPath: string, kind: FileKind): string[] {
  try {
    return namesIn(readdirSync(filesDir(agentPath, kind)));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

const HOUR_MS = 3_600_000;

/**
 * Whether a process with this id runs on this machine (EPERM: it does, under another user). A
 * zombie (killed, not yet reaped by its parent) counts as gone: it writes nothing any more.
 */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc (not Linux): trust kill()
  }
}

/**
 * Removes what a crash can leave in a branches or snapshots directory: temporary files of a
 * clone that never finished (a full-size copy of the agent, on file systems that cannot clone),
 * and records whose database is gone (a promote that stopped right after its rename). A
 * temporary file whose writing process no longer exists goes at once; anything else only when
 * older than an hour (a live process may still be writing it, or its id was reused).
 */
export function sweep(agentPath: string, kind: FileKind): void {
  const dir = filesDir(agentPath, kind);
  // Checked first: most agents have no such directory, and readdirSync's ENOENT error costs 10-30 us (agents open often).
  if (!existsSync(dir)) return;
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  const cutoff = Date.now() - HOUR_MS;
  for (const e of entries) {
    const temp = TEMP_FILE.exec(e);
    // A process id is checked only on the machine that wrote it (another may share the directory).
    const pid = temp?.[2] === undefined || temp[1] !== HOST_TAG ? undefined : Number(temp[2]);
    if (pid !== undefined && pid !== process.pid && !processAlive(pid)) {
      rmSync(join(dir, e), { force: true });
      continue;
    }
    const stale =
      (temp !== null || e.endsWith('.tmp') || (e.endsWith('.json') && !existsSync(join(dir, `${e.slice(0, -5)}.db`)))) &&
      (statSync(join(dir, e), { throwIfNoEntry: false })?.mtimeMs ?? Infinity) < cutoff;
    if (stale) rmSync(join(dir, e), { force: true });
  }
}

/** sweep() of both the branches and the snapshots directory of an agent: run when its database is opened. */
export function sweepLeftovers(agentPath: string): void {
  try {
    sweep(agentPath, 'branch');
    sweep(agentPath, 'snapshot');
  } catch {
    // Best effort: a read-only or vanished directory must not keep the agent from opening.
  }
}

/** Records of every branch or snapshot, oldest first, with their current size. */
export function listRecords(agentPath: string, kind: FileKind): (FileRecord & { bytes: number })[] {
  const out: (FileRecord & { bytes: number })[] = [];
  for (const name of listNames(agentPath, kind)) {
    const path = dbPath(agentPath, kind, name);
    try {
      out.push({ ...readRecord(agentPath, kind, name), bytes: sizeOf(path) + sizeOf(`${path}-wal`) });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err; // removed meanwhile
    }
  }
  return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.name.localeCompare(b.name));
}

/** Fork points of the agent's live branches (null where unknown). */
function forks(agentPath: string): (ForkPoint | null)[] {
  return listNames(agentPath, 'branch').map((name) => {
    try {
      return readRecord(agentPath, 'branch', name).at;
    } catch {
      return null; // removed meanwhile
    }
  });
}

/**
 * Trims the agent's change log to the oldest fork of its live branches, or switches it off
 * when none needs it. Runs under the agent's write lock, so a branch being made meanwhile (its
 * record is written under the same lock) is always seen.
 */
export async function syncLog(agent: Pick<AgentRuntime, 'use'> & { path: string }): Promise<void> {
  await agent.use((state) => state.conn.transaction((tx) => trimLog(tx, forks(agent.path))));
}

/**
 * What branches and snapshots need from the Engram that opened the agent: its driver and
 * settings, the agent's key, a way to keep this process's handles off files while they are
 * replaced, and Agents over branch files. Engram implements it; branches never reach into it.
 */
import { existsSync } from 'node:fs';
import { Connection } from '../runtime/connection.js';
import type { AgentState } from '../runtime/agent-state.js';
import type { Driver } from '../drivers/types.js';
import { EngramError } from '../util/errors.js';

/** What branches and snapshots need of the agent they belong to (Agent, one layer up, is one). */
export interface BranchSubject {
  readonly id: string;
  /** The agent's database file. */
  readonly path: string;
  use<T>(fn: (state: AgentState) => Promise<T>): Promise<T>;
}

export interface BranchHost<A extends BranchSubject = BranchSubject> {
  readonly driver: Driver;
  readonly lockTimeoutMs: number;
  /** The key this Engram holds for an encrypted agent. */
  encryptionKey(agentId: string): string | undefined;
  /**
   * Runs `fn` while this process has no handle open on these database files (agent files or
   * branch files), holding off any new one until `fn` settles.
   */
  exclusive<T>(paths: readonly string[], fn: () => Promise<T>): Promise<T>;
  /** An Agent over one of the agent's branch files, opened through the pool (NOT_FOUND once the file is gone). */
  openFile(agent: A, path: string): A;
  /** Set when agents are replicas of remote databases (Engram.open({ sync })): their files are never replaced. */
  readonly synced?: boolean;
  /** The root's open gate, passed to every open (see drivers/open-gate.ts). */
  readonly gate?: string;
}

/**
 * Refuses to replace a synced agent's file: the replica's sync state would no longer match it.
 * Branches of a synced agent are merged instead (their changes are then pushed like any other).
 */
export function refuseSwapWhenSynced(host: Pick<BranchHost, 'synced'>, what: string): void {
  if (host.synced) {
    throw new EngramError(
      'UNSUPPORTED',
      `${what}: this agent is synced, and replacing its file would break the replica. Merge the branch instead (agent.branches.merge()); a snapshot of a synced agent can be opened and merged like a branch, not restored.`,
      { details: { reason: 'synced' } },
    );
  }
}

/** A private connection to an existing database file, outside the pool (for file operations). */
export async function openPrivate(host: BranchHost, agentId: string, path: string): Promise<Connection> {
  if (!existsSync(path)) throw new EngramError('NOT_FOUND', `database file ${path} does not exist`);
  const handle = await host.driver.open(path, { encryptionKey: host.encryptionKey(agentId), gate: host.gate });
  return new Connection(host.driver, handle, path, { lockTimeoutMs: host.lockTimeoutMs });
}

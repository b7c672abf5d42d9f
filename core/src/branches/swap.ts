/**
 * Replacing an agent's database file by another one (a promoted branch, a restored snapshot)
 * so that a crash at any point leaves the agent either as it was or as the new file, never a
 * mix, and loses nothing.
 *
 * The one hazard is a stale WAL or shared-memory file of the old database being applied to the
 * new one. So, while no process holds either database (this process's handles closed and held
 * off, others detected and refused), both files are checkpointed until their WALs are empty
 * and their side files removed: each is then one self-contained file, and nothing done so far
 * changed what either holds. The new file is fsynced and renamed over the agent's (atomic on
 * POSIX), and the directory fsynced: that rename is the single commit point. A crash before it
 * leaves the old agent (and the branch, still a branch); after it, the new one. What follows
 * (removing the branch's record, trimming the change log) is cleanup that is safe to lose.
 */
import { renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Connection } from '../runtime/connection.js';
import type { Driver } from '../drivers/types.js';
import { EngramError } from '../util/errors.js';
import { fsyncPath, walHasFrames } from './clone.js';
import { isLockedByAnyone } from './holders.js';
import { whileNoneOpening } from '../drivers/open-gate.js';

/** How long a swap waits for other opens under the root to pass (each takes about a millisecond). */
const GATE_WAIT_MS = 500;

/** Refuses with LOCKED while any process holds one of these databases open. */
export function assertUnheld(driver: Driver, paths: readonly string[], what: string): void {
  if (isLockedByAnyone(paths.flatMap((p) => [p, ...driver.sideFiles(p)]))) {
    throw new EngramError(
      'LOCKED',
      `${what}: another process (or another Engram in this one) has the database open. Close it there and retry; ` +
        `a file cannot be replaced under a process that is using it.`,
      { details: { reason: 'open-elsewhere' } },
    );
  }
}

/**
 * Runs `fn` on a private connection to `path`, then checkpoints and closes it, so that the main
 * file holds the whole database. LOCKED if the WAL cannot be emptied.
 */
export async function settle<T>(open: () => Promise<Connection>, path: string, fn: (conn: Connection) => Promise<T>): Promise<T> {
  const conn = await open();
  let value: T;
  try {
    value = await fn(conn);
    await conn.checkpoint();
  } finally {
    await conn.close();
  }
  if (walHasFrames(path)) {
    throw new EngramError('LOCKED', `could not checkpoint ${path}: another process is using it; retry once it has closed`, {
      details: { reason: 'open-elsewhere' },
    });
  }
  return value;
}

/**
 * Renames the settled file `source` over the settled agent file: the commit point of promote
 * and restore. First makes sure no process holds either (LOCKED otherwise: `what` says what
 * was refused), and removes both files' side files, which no longer hold anything. With the
 * root's open `gate` (drivers/open-gate.ts), that check, the removal and the rename happen
 * while no Engram is opening an agent there: an opener that had created a side file but not
 * yet locked it would be invisible to the check.
 */
export async function swapIn(driver: Driver, agentPath: string, source: string, what: string, gate?: string): Promise<void> {
  await fsyncPath(source);
  const swap = () => {
    // Checked last, right before the swap (reading /proc/locks can take milliseconds).
    assertUnheld(driver, [agentPath, source], what);
    for (const f of [...driver.sideFiles(agentPath), ...driver.sideFiles(source)]) rmSync(f, { force: true });
    renameSync(source, agentPath);
  };
  if (gate) await whileNoneOpening(gate, GATE_WAIT_MS, swap);
  else swap();
  await fsyncPath(dirname(agentPath));
  if (dirname(source) !== dirname(agentPath)) await fsyncPath(dirname(source));
}

/**
 * Removing the side files a Turso agent database leaves behind once nobody has it open: the
 * `-tshm` coordination file of multi-process WAL (84 KB, more than a small agent's database)
 * and an empty `-wal`. Only an open handle needs them, and the first opener makes them anew.
 *
 * Removing them while another process uses them would split it from everyone else: it would
 * keep coordinating writes through a file no later opener sees (two writers at once), or write
 * commits to a WAL no one else reads. So a file is removed only when (1) no process holds a lock
 * on the database or its side files (on Linux, /proc/locks lists the OFD lock every multi-process
 * Turso handle keeps on its `-tshm` for its whole life, this process's other handles included),
 * and (2) no opener is between creating or opening those files and locking them, which
 * /proc/locks cannot show. For (2), every Engram open of a Turso file happens inside the shared
 * side of a gate, a lock file per Engram root (`.engram-gate`, always empty) locked through
 * SQLite's own POSIX file locks, and the removal inside its exclusive side: opens run side by
 * side; a removal waits for the opens in flight and holds new ones off for a few microseconds.
 *
 * Elsewhere than Linux nothing can see other holders, so nothing is removed. Processes other
 * than Engram that open an agent file with `multiprocess_wal` hold its `-tshm` lock once open
 * (seen by (1)), but do not pass the gate while opening.
 */
import { readFileSync, rmSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { isLockedByAnyone } from '../branches/holders.js';
import { EngramError } from '../util/errors.js';

/** The gate's file name in an Engram root. */
export const GATE_FILE = '.engram-gate';

/** How long an opener waits for a removal to finish (each takes well under a millisecond). */
const OPEN_WAIT_MS = 5_000;
/** How long a removal waits (blocking: SQLite's busy handler) for the opens in flight. */
const REMOVE_WAIT_MS = 50;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** One lock file, opened once per process (thread) and kept. */
class Gate {
  private readonly db: Database.Database;
  private readonly probe: Database.Statement;
  /** Opens in flight in this thread: the shared lock is taken for the first, released after the last. */
  private depth = 0;
  private held = false;
  private acquiring: Promise<void> | undefined;

  constructor(path: string) {
    // Nothing is ever written (the exclusive side rolls back): the locks are all this file is for.
    this.db = new Database(path, { timeout: 0 });
    this.probe = this.db.prepare('SELECT count(*) AS n FROM sqlite_schema');
  }

  /** Runs `fn` holding the shared side (waiting, without blocking the event loop, while a removal runs). */
  async shared<T>(fn: () => Promise<T>): Promise<T> {
    this.depth++;
    try {
      if (!this.held) await (this.acquiring ??= this.acquire().finally(() => (this.acquiring = undefined)));
      return await fn();
    } finally {
      if (--this.depth === 0 && this.held) {
        this.held = false;
        this.db.exec('COMMIT');
      }
    }
  }

  private async acquire(): Promise<void> {
    const deadline = Date.now() + OPEN_WAIT_MS;
    for (let attempt = 0; ; attempt++) {
      try {
        this.db.exec('BEGIN');
        this.probe.get(); // takes SQLite's SHARED lock on the file, held until COMMIT
        this.held = true;
        return;
      } catch (err) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        if ((err as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > deadline) {
          throw new EngramError('LOCKED', `could not pass the open gate ${this.db.name}: another process kept it locked`, {
            cause: err,
          });
        }
        await sleep(Math.min(10, 1 + attempt));
      }
    }
  }

  /** Runs `fn` holding the exclusive side; false (fn not run) when opens kept it busy too long. */
  exclusive(fn: () => void): boolean {
    // This thread's own opens in flight hold the shared side on this very connection.
    if (this.depth > 0) return false;
    this.db.pragma(`busy_timeout = ${REMOVE_WAIT_MS}`);
    try {
      this.db.exec('BEGIN EXCLUSIVE');
    } catch {
      return false;
    } finally {
      this.db.pragma('busy_timeout = 0');
    }
    try {
      fn();
    } finally {
      this.db.exec('ROLLBACK');
    }
    return true;
  }
}

const gates = new Map<string, Gate>();

function gate(path: string): Gate {
  let g = gates.get(path);
  if (!g) {
    g = new Gate(path);
    gates.set(path, g);
  }
  return g;
}

/** Runs `open` (a Turso connect in multi-process mode) inside the gate's shared side. */
export function whileOpening<T>(gatePath: string, open: () => Promise<T>): Promise<T> {
  return gate(gatePath).shared(open);
}

/** Bytes in a file, or undefined when it does not exist. */
function sizeOf(path: string): number | undefined {
  return statSync(path, { throwIfNoEntry: false })?.size;
}

/**
 * Removes the `-tshm` and an empty `-wal` of a Turso database that no process has open (see the
 * module comment). Returns whether they were removed; false (everything left in place) when
 * anyone holds the database, its WAL still has frames, an open kept the gate busy, or the
 * platform cannot tell.
 */
export function removeIdleSideFiles(gatePath: string, path: string): boolean {
  if (process.platform !== 'linux' || !readableLockTable()) return false;
  const tshm = `${path}-tshm`;
  const wal = `${path}-wal`;
  if (sizeOf(tshm) === undefined && sizeOf(wal) === undefined) return false;
  let removed = false;
  const passed = gate(gatePath).exclusive(() => {
    // A WAL with frames is kept, and the coordination file with it (it records how far it was checkpointed).
    if ((sizeOf(wal) ?? 0) > 0) return;
    if (isLockedByAnyone([path, tshm, wal])) return;
    rmSync(tshm, { force: true });
    rmSync(wal, { force: true });
    removed = true;
  });
  return passed && removed;
}

let lockTable: boolean | undefined;
/** Whether /proc/locks can be read here (isLockedByAnyone reads "nobody" when it cannot). */
function readableLockTable(): boolean {
  if (lockTable === undefined) {
    try {
      readFileSync('/proc/locks', 'utf8');
      lockTable = true;
    } catch {
      lockTable = false;
    }
  }
  return lockTable;
}

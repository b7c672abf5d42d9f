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
 * side of a gate, a lock file per Engram root (`agents/.engram-gate`, always empty) locked through
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
/** A removal that opens kept out is retried this often, this many times (about 3 s). */
const RETRY_EVERY_MS = 15;
const RETRY_TICKS = 200;
/** How long flushSideFileRemovals() waits per file for the opens in flight (blocking). */
const FLUSH_WAIT_MS = 200;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** One lock file, opened once per process (thread) and kept. */
class Gate {
  private readonly db: Database.Database;
  private readonly probe: Database.Statement;
  /** Opens in flight in this thread: the shared lock is taken for the first, released after the last. */
  private depth = 0;
  private held = false;
  private acquiring: Promise<void> | undefined;
  private journalInMemory = false;

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
          const busy = (err as { code?: string }).code === 'SQLITE_BUSY';
          throw new EngramError(
            busy ? 'LOCKED' : 'IO',
            `could not pass the open gate ${this.db.name}${busy ? ': another process kept it locked' : ''}`,
            { cause: err },
          );
        }
        await sleep(Math.min(10, 1 + attempt));
      }
    }
  }

  /**
   * Runs `fn` holding the exclusive side; false (fn not run) when opens kept it busy. `waitMs`
   * blocks the thread (SQLite's busy handler), holding new opens off meanwhile; 0 never blocks.
   */
  exclusive(waitMs: number, fn: () => void): boolean {
    // This thread's own opens in flight hold the shared side on this very connection.
    if (this.depth > 0) return false;
    if (!this.journalInMemory) {
      // No -journal file made and removed around each exclusive hold (0.2 ms each). Setting it
      // reads the file, so it waits for a moment when no other process holds the exclusive side.
      try {
        this.db.pragma('journal_mode = MEMORY');
      } catch {
        return false;
      }
      this.journalInMemory = true;
    }
    if (waitMs > 0) this.db.pragma(`busy_timeout = ${waitMs}`);
    try {
      this.db.exec('BEGIN EXCLUSIVE');
    } catch {
      return false;
    } finally {
      if (waitMs > 0) this.db.pragma('busy_timeout = 0');
    }
    try {
      fn();
    } finally {
      this.db.exec('ROLLBACK');
    }
    return true;
  }
}

/** Open gates by path; null where the lock file cannot be opened (a read-only root, say). */
const gates = new Map<string, Gate | null>();

function gate(path: string): Gate | null {
  let g = gates.get(path);
  if (g === undefined) {
    try {
      g = new Gate(path);
    } catch {
      g = null;
    }
    gates.set(path, g);
  }
  return g;
}

/**
 * Runs `open` (a Turso connect in multi-process mode) inside the gate's shared side. Where the
 * gate cannot be opened, opens without it, and this thread removes nothing under that root.
 */
export function whileOpening<T>(gatePath: string, open: () => Promise<T>): Promise<T> {
  const g = gate(gatePath);
  return g ? g.shared(open) : open();
}

/**
 * Runs `fn` in the gate's exclusive side, so that no Engram open under this root is between
 * creating and locking a database's side files meanwhile (a promote or restore checks that no
 * one holds the agent, removes its side files and renames a file over it). Retries for up to
 * `waitMs` (without blocking the event loop) while opens are in flight; LOCKED if they keep it.
 * Where the gate cannot be opened, runs `fn` as it is.
 */
export async function whileNoneOpening<T>(gatePath: string, waitMs: number, fn: () => T): Promise<T> {
  const g = gate(gatePath);
  if (!g) return fn();
  const deadline = Date.now() + waitMs;
  for (let delay = 1; ; delay = Math.min(delay * 2, 20)) {
    let result: { value: T } | undefined;
    if (g.exclusive(0, () => (result = { value: fn() })) && result) return result.value;
    if (Date.now() > deadline) {
      throw new EngramError('LOCKED', `other opens of agents under ${gatePath} kept its open gate busy; retry`, {
        details: { reason: 'open-in-flight' },
      });
    }
    await sleep(delay);
  }
}

/** Bytes in a file, or undefined when it does not exist. */
function sizeOf(path: string): number | undefined {
  return statSync(path, { throwIfNoEntry: false })?.size;
}

/**
 * Removes the `-tshm` and an empty `-wal` of `path` if no process has it open (see the module
 * comment) and the gate can be passed within `waitMs`. True when the question is settled
 * (removed, or kept because someone holds the database or its WAL still has frames); false
 * when opens kept the gate busy.
 */
function tryRemove(g: Gate | null, path: string, waitMs: number): boolean {
  if (!g) return true; // no gate, no removal
  const tshm = `${path}-tshm`;
  const wal = `${path}-wal`;
  if (sizeOf(tshm) === undefined && sizeOf(wal) === undefined) return true;
  return g.exclusive(waitMs, () => {
    // A WAL with frames is kept, and the coordination file with it (it records how far it was checkpointed).
    if ((sizeOf(wal) ?? 0) > 0) return;
    if (isLockedByAnyone([path, tshm, wal])) return;
    rmSync(tshm, { force: true });
    rmSync(wal, { force: true });
  });
}

/** Removals that found the gate busy, per gate path: retried in the background, then by flushSideFileRemovals(). */
const deferred = new Map<string, { paths: Set<string>; timer: NodeJS.Timeout; ticks: number }>();

function retryDeferred(gatePath: string): void {
  const entry = deferred.get(gatePath)!;
  const g = gate(gatePath);
  for (const path of entry.paths) {
    try {
      if (tryRemove(g, path, 0)) entry.paths.delete(path);
    } catch {
      entry.paths.delete(path); // leaves the files: costs disk, never data
    }
  }
  if (entry.paths.size === 0 || ++entry.ticks >= RETRY_TICKS) {
    clearInterval(entry.timer);
    if (entry.paths.size === 0) deferred.delete(gatePath);
  }
}

/**
 * After the last handle on `path` in this thread closed: removes the side files only an open
 * handle needs when no process has the database open (module comment). Never blocks on busy
 * opens: a removal they hold off is retried in the background for a few seconds, and by
 * flushSideFileRemovals(). Does nothing where other holders cannot be seen (not Linux).
 */
export function removeIdleSideFiles(gatePath: string, path: string): void {
  if (process.platform !== 'linux' || !readableLockTable()) return;
  if (tryRemove(gate(gatePath), path, 0)) return;
  let entry = deferred.get(gatePath);
  if (!entry || entry.ticks >= RETRY_TICKS) {
    if (entry) clearInterval(entry.timer);
    const timer = setInterval(() => retryDeferred(gatePath), RETRY_EVERY_MS);
    timer.unref();
    entry = { paths: entry?.paths ?? new Set(), timer, ticks: 0 };
    deferred.set(gatePath, entry);
  }
  entry.paths.add(path);
}

/**
 * Settles the removals still deferred under this gate (Engram.close() calls it), waiting up to
 * FLUSH_WAIT_MS each for the opens in flight (blocking: new opens are held off meanwhile).
 */
export function flushSideFileRemovals(gatePath: string): void {
  const entry = deferred.get(gatePath);
  if (!entry) return;
  clearInterval(entry.timer);
  deferred.delete(gatePath);
  const g = gate(gatePath);
  for (const path of entry.paths) {
    try {
      tryRemove(g, path, FLUSH_WAIT_MS);
    } catch {
      // left in place: costs disk, never data
    }
  }
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

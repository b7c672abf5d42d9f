/**
 * Who else has an agent's database open. Replacing the file under another process would leave
 * it writing to the old one, so promote and restore refuse with LOCKED when they can see a
 * holder: on Linux, /proc/locks lists the POSIX locks SQLite holds on the database and its
 * -shm file, and the OFD locks Turso holds on its -tshm file. Elsewhere nothing is detected.
 * (Synchronous: a few small reads, cheaper than trips through the thread pool.)
 */
import { readFileSync, statSync } from 'node:fs';

/** Major and minor device numbers from a Linux dev_t (glibc encoding). */
function devParts(dev: number): [number, number] {
  const big = BigInt(dev);
  const major = Number(((big >> 8n) & 0xfffn) | ((big >> 32n) & ~0xfffn));
  const minor = Number((big & 0xffn) | ((big >> 12n) & ~0xffn));
  return [major, minor];
}

/** True when some process (this one included) holds a file lock on any of `paths`. */
export function isLockedByAnyone(paths: readonly string[]): boolean {
  if (process.platform !== 'linux') return false;
  let table: string;
  try {
    table = readFileSync('/proc/locks', 'utf8');
  } catch {
    return false;
  }
  const wanted = new Set<string>();
  for (const p of paths) {
    const st = statSync(p, { throwIfNoEntry: false });
    if (!st) continue; // a missing side file: nothing to hold
    const [major, minor] = devParts(st.dev);
    wanted.add(`${major}:${minor}:${st.ino}`);
  }
  if (wanted.size === 0) return false;
  for (const line of table.split('\n')) {
    const m = /\s([0-9a-f]+):([0-9a-f]+):(\d+)\s/.exec(line);
    if (m && wanted.has(`${parseInt(m[1]!, 16)}:${parseInt(m[2]!, 16)}:${m[3]}`)) return true;
  }
  return false;
}

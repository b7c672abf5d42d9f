/**
 * Branch and snapshot names, and where their files live. Names are untrusted input: the same
 * strict character set as agent ids, so no name can point outside its directory. An agent's
 * branches sit beside its database in `<id>.branches/`, its snapshots in `<id>.snapshots/`:
 * neither ends in `.db`, so `engram.list()` never takes them for agents.
 */
import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { AGENT_FILE_SUFFIX, isWindowsDeviceName } from '../runtime/agent-id.js';
import { invalid } from '../util/errors.js';

const NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export type FileKind = 'branch' | 'snapshot';

/** Throws INVALID_ARGUMENT unless `name` is 1-64 characters of a-z, 0-9, '-', '_' (not starting with - or _). */
export function validateName(kind: FileKind, name: unknown): string {
  if (typeof name === 'string' && isWindowsDeviceName(name)) {
    throw invalid(`invalid ${kind} name ${JSON.stringify(name)}: Windows reserves it for a device, so it cannot name a file`, {
      field: 'name',
    });
  }
  if (typeof name !== 'string' || !NAME.test(name)) {
    const shown = typeof name === 'string' ? JSON.stringify(name.slice(0, 64)) : typeof name;
    throw invalid(`invalid ${kind} name ${shown}: use 1-64 characters of a-z, 0-9, "-" and "_", starting with a letter or digit`, {
      field: 'name',
    });
  }
  return name;
}

/** A fresh name such as `b-20250101-120000-3f9a`. */
export function generatedName(prefix: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${prefix}-${stamp}-${randomBytes(2).toString('hex')}`;
}

/** The directory beside an agent's database that holds its branches or snapshots. */
export function filesDir(agentPath: string, kind: FileKind): string {
  const base = agentPath.endsWith(AGENT_FILE_SUFFIX) ? agentPath.slice(0, -AGENT_FILE_SUFFIX.length) : agentPath;
  return `${base}.${kind === 'branch' ? 'branches' : 'snapshots'}`;
}

/** Database file of one branch or snapshot. */
export function dbPath(agentPath: string, kind: FileKind, name: string): string {
  return join(filesDir(agentPath, kind), `${name}${AGENT_FILE_SUFFIX}`);
}

/** Its JSON sidecar: when and how it was made, and where it forked. */
export function infoPath(agentPath: string, kind: FileKind, name: string): string {
  return join(filesDir(agentPath, kind), `${name}.json`);
}

/**
 * This machine, as a short tag (a hash of its host name): a process id means something only on
 * the machine (or container) that wrote it, and a data directory may be shared between several.
 */
export const HOST_TAG = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);

/**
 * A temporary file name in the same directory as `path` (so a rename onto `path` is atomic),
 * carrying this machine's tag and this process's id: a sweep can then tell a crashed process's
 * leftovers (removed at once) from one still being written by a live process.
 */
export function tempPath(path: string): string {
  return join(dirname(path), `.${HOST_TAG}-${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
}

/** A temporary file (or one of its side files: -wal, -shm, ...): its writer's host tag and process id, if it carries them. */
export const TEMP_FILE = /^\.(?:([0-9a-f]{8})-(\d+)-)?[0-9a-f]{12}\.tmp(?:-[a-z]+)?$/;

/** Names of the `.db` files in a branches or snapshots directory. */
export function namesIn(entries: readonly string[]): string[] {
  return entries
    .filter((e) => e.endsWith(AGENT_FILE_SUFFIX) && NAME.test(e.slice(0, -AGENT_FILE_SUFFIX.length)))
    .map((e) => e.slice(0, -AGENT_FILE_SUFFIX.length))
    .sort();
}

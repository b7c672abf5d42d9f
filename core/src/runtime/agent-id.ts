/**
 * Agent ids and where their files live. Ids are untrusted input: a strict character set and
 * length means no id can name a path outside the root. Files are sharded by a hash of the
 * id, so a million agents never share one directory.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { EngramError, invalid } from '../util/errors.js';

export const AGENT_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,127}$/;

/**
 * Names Windows reserves for devices, whatever the extension: `con.db` opens the console, not
 * a file. Refused everywhere a name becomes a file name, so a data directory stays portable.
 */
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[0-9]|lpt[0-9]|conin\$|conout\$)$/;

/** True for a name that Windows reserves for a device (con, nul, com1, ...), in any letter case. */
export function isWindowsDeviceName(name: string): boolean {
  return WINDOWS_DEVICE.test(name.toLowerCase());
}

/**
 * Throws INVALID_ARGUMENT unless `id` is 1-128 chars of a-z, 0-9, '-', '_' (not starting with -
 * or _) and not a Windows device name (con, prn, aux, nul, com0-9, lpt0-9).
 */
export function validateAgentId(id: unknown): string {
  if (typeof id === 'string' && isWindowsDeviceName(id)) {
    throw invalid(`invalid agent id ${JSON.stringify(id)}: Windows reserves it for a device, so it cannot name a file; choose another id`, {
      field: 'agentId',
    });
  }
  if (typeof id !== 'string' || !AGENT_ID_PATTERN.test(id)) {
    const shown = typeof id === 'string' ? JSON.stringify(id.slice(0, 64)) : typeof id;
    throw invalid(
      `invalid agent id ${shown}: use 1-128 characters of a-z, 0-9, "-" and "_", starting with a letter or digit (lowercase, so ids mean the same on case-insensitive file systems)`,
      { field: 'agentId' },
    );
  }
  return id;
}

/**
 * `<root>/agents/abc/<id>.db`, where abc are the first three hex digits of sha256(id): 4096
 * shards, about 250 agents a directory at a million agents, and a listing touches 4096 dirs.
 */
export function agentPath(root: string, id: string): string {
  return join(root, 'agents', shardOf(id), `${id}${AGENT_FILE_SUFFIX}`);
}

export function shardOf(id: string): string {
  return createHash('sha256').update(id).digest('hex').slice(0, 3);
}

export const AGENT_FILE_SUFFIX = '.db';

/**
 * Whether the agent's file is new (it does not exist yet); if so, makes its shard directory
 * (READ_ONLY when that is not possible).
 */
export async function prepareAgentDir(id: string, path: string): Promise<boolean> {
  if (existsSync(path)) return false;
  try {
    await mkdir(dirname(path), { recursive: true });
  } catch (err) {
    throw new EngramError('READ_ONLY', `cannot create the directory for agent ${id}: ${(err as Error).message}`, { cause: err });
  }
  return true;
}

/**
 * Agent ids and where their files live. Ids are untrusted input: a strict character set and
 * length means no id can name a path outside the root. Files are sharded by a hash of the
 * id, so a million agents never share one directory.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { invalid } from '../util/errors.js';

export const AGENT_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,127}$/;

/** Throws INVALID_ARGUMENT unless `id` is 1-128 chars of a-z, 0-9, '-', '_' (not starting with - or _). */
export function validateAgentId(id: unknown): string {
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

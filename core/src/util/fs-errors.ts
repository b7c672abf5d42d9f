/**
 * Host file system errors (Node's errno codes) as EngramErrors: a full disk or quota is
 * DISK_FULL, as the engines' own "disk is full" is, a missing file NOT_FOUND, anything else IO.
 */
import { EngramError, isEngramError } from './errors.js';

const DISK_FULL = new Set(['ENOSPC', 'EDQUOT']);

/** `err` from a file system call as an EngramError whose message starts with `message` (an EngramError passes through). */
export function fsError(message: string, err: unknown): EngramError {
  if (isEngramError(err)) return err;
  const code = (err as { code?: unknown })?.code;
  const text = `${message}: ${err instanceof Error ? err.message : String(err)}`;
  if (typeof code === 'string' && DISK_FULL.has(code)) return new EngramError('DISK_FULL', `${text} (the disk is full)`, { cause: err });
  return new EngramError(code === 'ENOENT' ? 'NOT_FOUND' : 'IO', text, { cause: err });
}

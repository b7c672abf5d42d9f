/**
 * The one error class of Engram. Callers branch on `err.code` (a stable string), not on
 * `instanceof`, which breaks when two copies of the package are installed.
 */
export const ERROR_CODES = [
  'INVALID_ARGUMENT',
  'NOT_FOUND',
  'CONFLICT',
  'LOCKED',
  'EMBEDDER_MISMATCH',
  'ENGINE_MISMATCH',
  'UNSUPPORTED',
  'CORRUPT',
  'READ_ONLY',
  'LIMIT_EXCEEDED',
  'CLOSED',
  'IO',
  'DISK_FULL',
  /** The sync server refused the credentials (bad or expired token). */
  'SYNC_AUTH',
  /** The sync server cannot be reached or stays silent (local work goes on; sync again later). */
  'SYNC_UNAVAILABLE',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class EngramError extends Error {
  override readonly name = 'EngramError';
  readonly code: ErrorCode;
  /** Extra structured facts about the failure (field names, limits, ids). */
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details;
  }
}

/** True for any EngramError (also one thrown by another copy of this package). */
export function isEngramError(err: unknown, code?: ErrorCode): err is EngramError {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { name?: unknown; code?: unknown };
  return e.name === 'EngramError' && typeof e.code === 'string' && (code === undefined || e.code === code);
}

export function invalid(message: string, details?: Record<string, unknown>): EngramError {
  return new EngramError('INVALID_ARGUMENT', message, { details });
}

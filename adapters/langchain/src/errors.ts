/** The adapters' bad-input error: core's EngramError with code INVALID_ARGUMENT. */
import { EngramError } from '@engram/core';

export function invalid(message: string, details?: Record<string, unknown>): EngramError {
  return new EngramError('INVALID_ARGUMENT', message, { details });
}

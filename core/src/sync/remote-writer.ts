/**
 * A Queryable whose get() is a compare-and-set on a synced agent's remote (SyncSession
 * .compareAndSet): lets a store run the same guarded UPDATE ... RETURNING on the remote that it
 * runs in a local transaction otherwise. Nothing else may go through it.
 */
import type { Queryable, Row, SqlValue } from '../drivers/types.js';
import { EngramError } from '../util/errors.js';
import type { AgentSync } from '../runtime/sync-handle.js';

export function remoteWriter(session: AgentSync): Queryable {
  const only = (): never => {
    throw new EngramError('INTERNAL', 'a remote compare-and-set takes one UPDATE ... RETURNING through get()');
  };
  return {
    get: <T = Row>(sql: string, params?: readonly SqlValue[]) => session.compareAndSet(sql, params ?? []) as Promise<T | undefined>,
    run: only,
    all: only,
    exec: only,
  };
}

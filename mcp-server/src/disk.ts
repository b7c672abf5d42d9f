/** What an agent takes on disk (its database and side files) and when it was last written: one count for the CLI and the inspector. */
import { statSync } from 'node:fs';
import type { Engram } from '@engram/core';

export interface DiskUsage {
  /** Bytes of the database file and its side files (WAL, shared memory, MVCC log). */
  bytes: number;
  /** The newest modification time among those files, ISO. */
  lastWrite: string | null;
}

export function diskUsage(engram: Engram, id: string): DiskUsage {
  const path = engram.pathOf(id);
  let bytes = 0;
  let newest = 0;
  for (const f of [path, ...engram.driver.sideFiles(path)]) {
    const s = statSync(f, { throwIfNoEntry: false });
    if (!s) continue;
    bytes += s.size;
    newest = Math.max(newest, s.mtimeMs);
  }
  return { bytes, lastWrite: newest > 0 ? new Date(newest).toISOString() : null };
}

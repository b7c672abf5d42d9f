/** The memories row as stored, and its public shape. */
import { toIso, isoTime } from '../util/time.js';
import { isObject, isStringArray, parseStored } from '../util/stored-json.js';
import type { Memory } from './types.js';

export interface MemoryRow {
  id: number;
  uid: string;
  text: string;
  context: string | null;
  search_text: string;
  text_len?: number;
  kind: string;
  tags: string;
  metadata: string;
  importance: number;
  source: string | null;
  created_at: number;
  updated_at: number;
  valid_from: number;
  valid_to: number | null;
  expires_at: number | null;
  supersedes: string | null;
  superseded_by: string | null;
}

export const MEMORY_COLUMNS =
  'm.id, m.uid, m.text, m.context, m.kind, m.tags, m.metadata, m.importance, m.source, m.created_at, m.updated_at, m.valid_from, m.valid_to, m.expires_at, m.supersedes, m.superseded_by';

export function rowToMemory(r: MemoryRow): Memory {
  return {
    id: r.uid,
    text: r.text,
    context: r.context,
    kind: r.kind,
    tags: parseStored<string[]>(r.tags, [], isStringArray),
    metadata: parseStored<Record<string, unknown>>(r.metadata, {}, isObject),
    importance: Number(r.importance) || 0,
    source: r.source,
    createdAt: isoTime(r.created_at),
    updatedAt: isoTime(r.updated_at),
    validFrom: isoTime(r.valid_from),
    validTo: toIso(r.valid_to),
    expiresAt: toIso(r.expires_at),
    supersedes: r.supersedes,
    supersededBy: r.superseded_by,
  };
}

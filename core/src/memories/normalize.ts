/**
 * Checks and normalises what callers give agent.memories (texts, tags, metadata, kinds, times)
 * before anything is written, so bad input never reaches the database.
 */
import { toJsonText } from '../kv/json-value.js';
import type { Limits } from '../runtime/agent-state.js';
import { EngramError, invalid } from '../util/errors.js';
import { checkWellFormed } from '../util/text.js';
import { expiryFromTtl } from '../util/time-range.js';
import { toEpochMs } from '../util/time.js';
import { rejectUnknownFields } from '../util/validate.js';
import type { MemoryPatch, RememberInput } from './types.js';

export const REMEMBER_FIELDS = [
  'text',
  'context',
  'kind',
  'tags',
  'metadata',
  'importance',
  'source',
  'validFrom',
  'ttlMs',
  'expiresAt',
  'supersedes',
  'vector',
];
export const PATCH_FIELDS = ['text', 'context', 'kind', 'tags', 'metadata', 'importance', 'source', 'validFrom', 'ttlMs', 'expiresAt'];
export const KIND = /^[a-z][a-z0-9_-]{0,31}$/;
export const MEMORY_ID = /^mem_[0-9a-f]{32}$/;

/** A remember() input, checked and serialised. */
export interface Normalized {
  text: string;
  context: string | null;
  kind: string;
  tags: string;
  metadata: string;
  importance: number;
  source: string | null;
  validFrom: number;
  expiresAt: number | null;
  supersedes: string | null;
}

/** What full-text search and the embedder see of a memory: its context, then its text. */
export function searchText(text: string, context: string | null): string {
  return context ? `${context}\n${text}` : text;
}

export function checkMemoryId(id: unknown): string {
  if (typeof id !== 'string' || !MEMORY_ID.test(id)) {
    throw invalid(`invalid memory id ${JSON.stringify(String(id).slice(0, 80))}: expected an id returned by remember(), like mem_0123…`);
  }
  return id;
}

/** A memory's text: trimmed (unless `exact`), not empty, within limits.maxTextBytes. */
export function normalizeText(text: unknown, limits: Limits, exact = false): string {
  if (typeof text !== 'string') throw invalid('memory text must be a string');
  const trimmed = checkWellFormed(exact ? text : text.trim(), 'memory text');
  if (trimmed.length === 0 && !exact) throw invalid('memory text is empty');
  const bytes = Buffer.byteLength(trimmed, 'utf8');
  if (bytes > limits.maxTextBytes) {
    throw new EngramError(
      'LIMIT_EXCEEDED',
      `memory text is ${bytes} bytes; the limit is ${limits.maxTextBytes} (split it, or raise limits.maxTextBytes)`,
      { details: { bytes, limit: limits.maxTextBytes } },
    );
  }
  return trimmed;
}

export function normalizeContext(context: unknown, limits: Limits): string | null {
  if (context === undefined || context === null) return null;
  if (typeof context !== 'string') throw invalid('context must be a string');
  const trimmed = checkWellFormed(context.trim(), 'context');
  if (Buffer.byteLength(trimmed, 'utf8') > limits.maxTextBytes) {
    throw new EngramError('LIMIT_EXCEEDED', `memory context is longer than ${limits.maxTextBytes} bytes`);
  }
  return trimmed.length > 0 ? trimmed : null;
}

export function normalizeTags(tags: unknown, limits: Limits): string {
  if (tags === undefined) return '[]';
  const { maxTags } = limits;
  if (!Array.isArray(tags) || tags.length > maxTags || !tags.every((t) => typeof t === 'string' && t.length > 0 && t.length <= 64)) {
    throw invalid(`tags must be an array of at most ${maxTags} non-empty strings of at most 64 characters`);
  }
  for (const tag of tags as string[]) checkWellFormed(tag, 'tag');
  return JSON.stringify([...new Set(tags as string[])]);
}

export function normalizeMetadata(metadata: unknown, limits: Limits): string {
  if (metadata === undefined) return '{}';
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) throw invalid('metadata must be a JSON object');
  // Strict, as kv and actions are: NaN, Infinity, functions, Maps are refused, not stored as null or {}.
  const json = toJsonText(metadata, 'metadata', Number.MAX_SAFE_INTEGER);
  if (Buffer.byteLength(json) > limits.maxMetadataBytes) {
    throw new EngramError('LIMIT_EXCEEDED', `metadata is larger than ${limits.maxMetadataBytes} bytes as JSON`);
  }
  return json;
}

export function normalizeKind(kind: unknown): string {
  if (kind === undefined) return 'fact';
  if (typeof kind !== 'string' || !KIND.test(kind))
    throw invalid(`kind ${JSON.stringify(kind)} is not valid: use a lowercase word such as fact, event, preference or instruction`);
  return kind;
}

export function normalizeImportance(importance: unknown): number {
  if (importance === undefined) return 0.5;
  if (typeof importance !== 'number' || !(importance >= 0 && importance <= 1)) throw invalid('importance must be a number from 0 to 1');
  return importance;
}

export function normalizeSource(source: unknown): string | null {
  if (source === undefined || source === null) return null;
  if (typeof source !== 'string' || source.length > 256) throw invalid('source must be a string of at most 256 characters');
  return checkWellFormed(source, 'source');
}

/** The expiry time from `ttlMs` or `expiresAt` (not both); null for none. */
export function expiry(ttlMs: unknown, expiresAt: unknown, now: number): number | null {
  if (ttlMs !== undefined && expiresAt !== undefined && expiresAt !== null) throw invalid('give ttlMs or expiresAt, not both');
  if (ttlMs !== undefined) return expiryFromTtl(ttlMs, now);
  if (expiresAt === undefined || expiresAt === null) return null;
  return toEpochMs(expiresAt as Date, 'expiresAt');
}

/** One remember() input, checked (unknown fields refused) and serialised. */
export function normalizeRemember(input: RememberInput, limits: Limits, now: number, exactText: boolean): Normalized {
  if (typeof input !== 'object' || input === null) throw invalid('remember() takes { text, ... } or an array of them');
  rejectUnknownFields(input, REMEMBER_FIELDS, 'remember');
  return {
    text: normalizeText(input.text, limits, exactText),
    context: normalizeContext(input.context, limits),
    kind: normalizeKind(input.kind),
    tags: normalizeTags(input.tags, limits),
    metadata: normalizeMetadata(input.metadata, limits),
    importance: normalizeImportance(input.importance),
    source: normalizeSource(input.source),
    validFrom: input.validFrom === undefined ? now : toEpochMs(input.validFrom, 'validFrom'),
    expiresAt: expiry(input.ttlMs, input.expiresAt, now),
    supersedes: input.supersedes === undefined ? null : checkMemoryId(input.supersedes),
  };
}

/** The columns an update() patch sets (besides text and context, which need the stored memory), checked. */
export function patchColumns(patch: MemoryPatch, limits: Limits, now: number): [column: string, value: string | number | null][] {
  if (typeof patch !== 'object' || patch === null) throw invalid('update() takes a patch object');
  rejectUnknownFields(patch, PATCH_FIELDS, 'update');
  const out: [string, string | number | null][] = [];
  if (patch.kind !== undefined) out.push(['kind', normalizeKind(patch.kind)]);
  if (patch.tags !== undefined) out.push(['tags', normalizeTags(patch.tags, limits)]);
  if (patch.metadata !== undefined) out.push(['metadata', normalizeMetadata(patch.metadata, limits)]);
  if (patch.importance !== undefined) out.push(['importance', normalizeImportance(patch.importance)]);
  if (patch.source !== undefined) out.push(['source', normalizeSource(patch.source)]);
  if (patch.validFrom !== undefined) out.push(['valid_from', toEpochMs(patch.validFrom, 'validFrom')]);
  if (patch.ttlMs !== undefined || patch.expiresAt !== undefined) out.push(['expires_at', expiry(patch.ttlMs, patch.expiresAt, now)]);
  return out;
}

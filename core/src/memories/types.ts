/** Public shapes of the memory store. */
import type { TimeInput } from '../util/time.js';
import type { MemoryFilter } from './filter.js';

/** Suggested kinds; any lowercase word of up to 32 characters is accepted. */
export type MemoryKind = 'fact' | 'event' | 'preference' | 'instruction' | (string & {});

export interface RememberInput {
  text: string;
  /**
   * Text that situates the memory (the turn before it in a conversation, the section a fact
   * came from): searched and embedded together with `text`, returned apart from it.
   */
  context?: string;
  /** Default `fact`. */
  kind?: MemoryKind;
  tags?: string[];
  /** Any JSON object; filterable with `metadata` filters. */
  metadata?: Record<string, unknown>;
  /** 0..1, default 0.5; used by importance weighting in recall. */
  importance?: number;
  /** Where the memory came from (a tool, a conversation id, a user). */
  source?: string;
  /** When the fact became true (default now). */
  validFrom?: TimeInput;
  /** Forget automatically after this many milliseconds. */
  ttlMs?: number;
  /** Forget automatically at this time. */
  expiresAt?: TimeInput;
  /** Id of a memory this one replaces: the old one's validity is closed, not deleted. */
  supersedes?: string;
  /**
   * A precomputed embedding of context + text, made by the same model as the agent's embedder
   * (for adapters that already hold vectors). Checked for size and finite values; normalised.
   */
  vector?: ArrayLike<number>;
}

/** Options of a remember() call (for adapters that store documents as memories). */
export interface RememberOptions {
  /**
   * Upsert by a metadata key: a new memory whose metadata has a string at this top-level key
   * supersedes, in the same transaction, every current memory of its kind with that same value
   * (so concurrent upserts of one key leave one current memory).
   */
  replaceByMetadataKey?: string;
  /** Store `text` exactly as given: not trimmed, and an empty text is accepted. */
  exactText?: boolean;
}

export interface Memory {
  id: string;
  text: string;
  context: string | null;
  kind: string;
  tags: string[];
  metadata: Record<string, unknown>;
  importance: number;
  source: string | null;
  createdAt: string;
  updatedAt: string;
  validFrom: string;
  /** Set when a newer memory superseded this one. */
  validTo: string | null;
  expiresAt: string | null;
  supersedes: string | null;
  supersededBy: string | null;
}

export type MemoryPatch = Partial<
  Pick<RememberInput, 'text' | 'kind' | 'tags' | 'metadata' | 'importance' | 'source' | 'validFrom' | 'ttlMs'>
> & {
  /** A time, or null to never expire. */
  expiresAt?: TimeInput | null;
  /** New context, or null to drop it. */
  context?: string | null;
};

export type RecallMode = 'hybrid' | 'vector' | 'text';

export interface RecallOptions extends MemoryFilter {
  /** How many results (default 10, at most 200). */
  limit?: number;
  /** hybrid (default): vector + full text fused by reciprocal rank; or one of them alone. */
  mode?: RecallMode;
  /** Drop results scoring below this (the score a result reports). */
  minScore?: number;
  /**
   * Blend recency and importance into the ranking: each weight in 0..1, their sum below 1.
   * With weights, score = (1 - wr - wi) * relevance + wr * recency + wi * importance, where
   * relevance is the mode's score scaled to 0..1.
   */
  weights?: { recency?: number; importance?: number };
  /** Half-life of recency, in days (default 30). */
  recencyHalfLifeDays?: number;
  /**
   * Hybrid fusion: score = sum over lists of weight / (k + rank). Defaults { k: 10, text: 1,
   * vector: 0.5 } suit the default word-vector embedder; with a strong embedder use vector: 1.
   */
  fusion?: { k?: number; text?: number; vector?: number };
  /**
   * A soft filter: candidates matching it get `weight` (default 0.2) added to their relevance
   * (scaled to the best text score in text mode), so they rank higher without excluding the
   * rest. For example the speaker named in a question: `{ metadata: { speaker: 'Ann' } }`.
   */
  prefer?: MemoryFilter & { weight?: number };
  /**
   * Time awareness (default true): times the query names ("in June", "on 13 October 2023", "in
   * 2023", "last week", "3 days ago") softly prefer candidates whose valid-from falls then (up to
   * a week after, since memories often tell of what just happened). Dates are UTC; a month or
   * day without a year matches any year; relative times count back from now (or `asOf`).
   */
  timeHints?: boolean;
  /**
   * A precomputed embedding of the query, made by the same model as the agent's embedder (for
   * adapters that already hold one): used instead of embedding `query`, which may then be ''.
   * Modes vector and hybrid only. Checked for size and finite values; normalised.
   */
  queryVector?: ArrayLike<number>;
}

export interface ScoreParts {
  /** Cosine similarity to the query, and rank among vector candidates (1 = best). */
  vector?: { similarity: number; rank: number };
  /** Full-text relevance (BM25, higher is better) and rank among text candidates. */
  text?: { bm25: number; rank: number };
  /** Weighted reciprocal-rank fusion of the two, scaled so 1 = first in both lists. */
  fused?: number;
  /** exp(-age / half-life) by valid-from time, when recency weighting is on. */
  recency?: number;
  /** The memory's importance, when importance weighting is on. */
  importance?: number;
  /** True when the memory matched `prefer` and was boosted. */
  preferred?: boolean;
  /** The words of the query naming a time this memory is valid at ("in June"), when it was boosted for it. */
  timeHint?: string;
}

export interface RecallResult {
  memory: Memory;
  /** What results are sorted by; higher is better. See RecallOptions.weights. */
  score: number;
  parts: ScoreParts;
}

export interface ListOptions extends MemoryFilter {
  limit?: number;
  offset?: number;
  /** newest (default) or oldest first, by valid-from time. */
  order?: 'newest' | 'oldest';
}

export interface HistogramOptions extends MemoryFilter {
  /** Most buckets (1-366, default 30); each spans a whole number of UTC days. */
  buckets?: number;
}

/** How many memories fall in each period of valid-from time, oldest period first. */
export interface MemoryHistogram {
  /** Start of the first bucket (UTC midnight), or null when no memory matches. */
  start: string | null;
  /** Length of each bucket in milliseconds (a whole number of days). */
  bucketMs: number;
  /** Memories per bucket; empty when none matches. */
  counts: number[];
}

export interface ReembedProgress {
  done: number;
  total: number;
}

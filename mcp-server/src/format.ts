/**
 * Short text renderings of core results, for the `content` a model reads. Every line carries
 * what a model needs to act on a memory next: its id, when it held, its kind and tags.
 */
import type { Memory, RecallResult } from '@engram/core';

/** `2024-05-01 10:00` (UTC) from an ISO string. */
export function when(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
}

/** `1.5 KB` style sizes, for people (the CLI and the inspector). */
export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}

/** `text`, cut to `max` characters with an ellipsis. */
export function preview(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * One line: `[id] (kind, valid-from, tags: a, b) text` plus context, metadata and validity.
 * With `brief`, only the text's first characters and no context or metadata (for echoes).
 */
export function memoryLine(m: Memory, brief = false): string {
  const facts = [m.kind, when(m.validFrom)];
  if (m.tags.length > 0) facts.push(`tags: ${m.tags.join(', ')}`);
  if (m.importance !== 0.5) facts.push(`importance ${m.importance}`);
  let line = `[${m.id}] (${facts.join(', ')}) ${brief ? preview(m.text, 160) : m.text}`;
  if (m.context && !brief) line += ` | context: ${m.context}`;
  if (Object.keys(m.metadata).length > 0 && !brief) line += ` | metadata: ${JSON.stringify(m.metadata)}`;
  if (m.validTo) line += ` | superseded ${when(m.validTo)}${m.supersededBy ? ` by ${m.supersededBy}` : ''}`;
  if (m.expiresAt) line += ` | expires ${when(m.expiresAt)}`;
  return line;
}

export function memoryList(memories: Memory[], empty = 'No memories.', brief = false): string {
  return memories.length === 0 ? empty : memories.map((m) => `- ${memoryLine(m, brief)}`).join('\n');
}

export function recallList(results: RecallResult[]): string {
  if (results.length === 0) return 'No memories matched.';
  return results.map((r, i) => `${i + 1}. ${r.score.toFixed(3)} ${memoryLine(r.memory)}`).join('\n');
}

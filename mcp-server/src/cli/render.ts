/** Text renderings of memories and recall results for the terminal. */
import type { Memory, RecallResult, ScoreParts } from '@engram/core';
import { when, type Colors } from './output.js';

/** `fact · 2024-06-01 10:00 · tags: a, b · importance 0.8 · source chat` */
export function memoryFacts(m: Memory, c: Colors): string {
  const facts = [m.kind, when(m.validFrom)];
  if (m.tags.length > 0) facts.push(`tags: ${m.tags.join(', ')}`);
  if (m.importance !== 0.5) facts.push(`importance ${m.importance}`);
  if (m.source) facts.push(`source ${m.source}`);
  if (m.expiresAt) facts.push(`expires ${when(m.expiresAt)}`);
  if (m.validTo) facts.push(c.yellow(`superseded ${when(m.validTo)}${m.supersededBy ? ` by ${m.supersededBy}` : ''}`));
  return c.dim(facts.join(' · '));
}

/** A memory as an indented block: id and facts, its text, context and metadata. */
export function memoryBlock(m: Memory, c: Colors, lead = ''): string[] {
  const pad = ' '.repeat(lead.length);
  const lines = [`${lead}${c.cyan(m.id)}  ${memoryFacts(m, c)}`, `${pad}   ${m.text}`];
  if (m.context) lines.push(`${pad}   ${c.dim(`context: ${m.context}`)}`);
  if (Object.keys(m.metadata).length > 0) lines.push(`${pad}   ${c.dim(`metadata: ${JSON.stringify(m.metadata)}`)}`);
  return lines;
}

/** Why a result scored as it did: each part of its score. */
export function scoreParts(p: ScoreParts): string {
  const parts: string[] = [];
  parts.push(p.vector ? `vector #${p.vector.rank} (cos ${p.vector.similarity.toFixed(3)})` : 'vector -');
  parts.push(p.text ? `text #${p.text.rank} (bm25 ${p.text.bm25.toFixed(2)})` : 'text -');
  if (p.fused !== undefined) parts.push(`fused ${p.fused.toFixed(3)}`);
  if (p.timeHint !== undefined) parts.push(`time hint "${p.timeHint}"`);
  if (p.preferred) parts.push('preferred');
  if (p.recency !== undefined) parts.push(`recency ${p.recency.toFixed(3)}`);
  if (p.importance !== undefined) parts.push(`importance ${p.importance}`);
  return parts.join(' · ');
}

const quote = (s: string) => JSON.stringify(s.length > 60 ? `${s.slice(0, 57)}...` : s);

/** The versions before and after `m` in its supersede chain (oldest first), as one line. */
export function chainLine(m: Memory, chain: Memory[], c: Colors): string | undefined {
  if (chain.length < 2) return undefined;
  const at = chain.findIndex((x) => x.id === m.id);
  const older = chain.slice(0, at).reverse();
  const newer = chain.slice(at + 1);
  const item = (x: Memory) => `${x.id} ${quote(x.text)} (${when(x.validFrom)})`;
  const parts: string[] = [];
  if (older.length > 0) parts.push(`supersedes ${older.map(item).join(' ← ')}`);
  if (newer.length > 0) parts.push(c.yellow(`superseded by ${newer.map(item).join(' → ')}`));
  return parts.join('; ');
}

export function recallBlock(r: RecallResult, rank: number, chain: Memory[], c: Colors): string[] {
  const lead = `${String(rank).padStart(2)}. ${c.bold(r.score.toFixed(3))}  `;
  const lines = memoryBlock(r.memory, c, lead);
  const pad = ' '.repeat(lead.length + 3);
  lines.push(`${pad}${c.dim('why:')} ${scoreParts(r.parts)}`);
  const chained = chainLine(r.memory, chain, c);
  if (chained) lines.push(`${pad}${c.dim('chain:')} ${chained}`);
  return lines;
}

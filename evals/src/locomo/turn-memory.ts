/** What a LoCoMo turn becomes in an agent's memory: its text, and the context stored with it. */
import type { Turn } from './dataset.js';

/** The words said, with the speaker, and a shared photo's caption. */
export function turnText(turn: Turn): string {
  return `${turn.speaker}: ${turn.text}${turn.caption ? ` [shared a photo: ${turn.caption}]` : ''}`;
}

/**
 * What was said just before turn `i` in its session, up to `n` turns, oldest first: what any
 * chat agent holds when the turn arrives (a reply names little of what it answers).
 */
export function previousTurns(turns: readonly Turn[], i: number, n: number): string | undefined {
  const before: string[] = [];
  for (let j = i - 1; j >= 0 && j >= i - n && turns[j]!.session === turns[i]!.session; j--) before.unshift(turnText(turns[j]!));
  return before.length > 0 ? before.join('\n') : undefined;
}

/**
 * What every scale agent holds: its id, and 3-5 short memories drawn from a seeded generator
 * keyed by the agent's index, so a fleet is the same whatever the number of workers.
 */
import { HashEmbedder, WordVectorEmbedder, type Embedder } from '@engram/core';
import type { EmbedderSpec } from './options.js';

export const agentId = (i: number): string => `scale-${String(i).padStart(7, '0')}`;

/** mulberry32: small, fast, seeded. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NAMES = ['Alice', 'Bob', 'Carol', 'Dave', 'Erin', 'Frank', 'Grace', 'Heidi', 'Ivan', 'Judy', 'Oscar', 'Peggy'];
const VERBS = ['prefers', 'booked', 'cancelled', 'asked about', 'reviewed', 'forgot', 'bought', 'recommended', 'disliked', 'scheduled'];
const THINGS = [
  'green tea',
  'the quarterly report',
  'a dentist appointment',
  'the Berlin trip',
  'dark mode',
  'the budget review',
  'a flight to Lisbon',
  'the team offsite',
  'jazz concerts',
  'the database migration',
  'a new laptop',
  'vegetarian food',
  'the contract renewal',
  'hiking boots',
  'the client demo',
  'a yoga class',
];
const WHEN = ['on Monday', 'last week', 'for next month', 'every morning', 'in March', 'after lunch', 'before the holidays', 'yesterday'];

/** The memories of agent `i`: 3-5 sentences such as "Carol booked a flight to Lisbon in March". */
export function memoriesOf(i: number): string[] {
  const next = rng(0x5ca1e + i);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]!;
  return Array.from({ length: 3 + Math.floor(next() * 3) }, () => `${pick(NAMES)} ${pick(VERBS)} ${pick(THINGS)} ${pick(WHEN)}`);
}

/** A question to recall with, seeded by `i`. */
export function queryOf(i: number): string {
  const next = rng(0x9e37 + i);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]!;
  return pick([`what did ${pick(NAMES)} book?`, `${pick(THINGS)}`, `who ${pick(VERBS)} ${pick(THINGS)}?`, `plans ${pick(WHEN)}`]);
}

export async function loadEmbedder(spec: EmbedderSpec): Promise<Embedder> {
  return spec === 'hash' ? new HashEmbedder({ dims: 64 }) : WordVectorEmbedder.load();
}

/**
 * Row ids that cannot collide across replicas. Every INTEGER PRIMARY KEY that Engram mints
 * (memories, files, file chunks, actions, tasks' `seq`) comes from a per-process run of
 * consecutive integers that starts at a random point below 2^52, not from the engine's next
 * rowid: two replicas of one synced agent that each insert offline would otherwise both take
 * `max(id) + 1`, and the later push would overwrite the earlier row (the sync protocol replays
 * an insert by its rowid). Two processes' runs of n1 and n2 ids overlap with odds of about
 * (n1 + n2) / 2^52: 2 x 10^-10 for a million ids each. Ids stay exact as JavaScript numbers.
 *
 * Within one process ids still grow in insertion order, so a tie on a time column still goes
 * to the row written first; across processes they are unordered, so code that needs the order
 * of writes sorts by a time column first.
 */
import { randomInt } from 'node:crypto';

/** Largest id: 2^53 - 1 (Number.MAX_SAFE_INTEGER). */
export const MAX_ID = Number.MAX_SAFE_INTEGER;

/** A run starts below 2^52, so it has 2^52 ids before it reaches MAX_ID. */
function randomStart(): number {
  // randomInt draws below 2^48 - 1: scale by 16 for a start anywhere below 2^52.
  return 1 + randomInt(0, 2 ** 48 - 1) * 16 + randomInt(0, 16);
}

let next = randomStart();

/**
 * A fresh row id in [1, 2^53 - 1], never handed out before by this process.
 * @example
 * await tx.run('INSERT INTO memories (id, ...) VALUES (?, ...)', [mintId(), ...]);
 */
export function mintId(): number {
  if (next >= MAX_ID) next = randomStart();
  return next++;
}

/**
 * Random ids as a SQL expression, for `INSERT ... SELECT` statements that make many rows at
 * once: the engine's random() masked to 53 bits (odds of drawing 0: 2^-53 a row).
 */
export const MINT_ID_SQL = `(random() & ${MAX_ID})`;

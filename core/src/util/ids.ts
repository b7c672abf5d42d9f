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
import { createHash, randomInt } from 'node:crypto';

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
 * The id of a row that is named by a unique key (a file's path): the same on every replica, so
 * two replicas that create the same name offline make one row (the later push wins its columns)
 * instead of two rows whose unique key collides, which the sync protocol cannot replay. 53 bits
 * of SHA-256 of `key`; callers fall back to mintId() when the id is taken locally by a row that
 * now has another name.
 */
export function keyedId(key: string): number {
  const digest = createHash('sha256').update(key).digest();
  const id = (digest.readUInt32BE(0) & 0x1fffff) * 0x1_0000_0000 + digest.readUInt32BE(4);
  return id === 0 ? 1 : id;
}

/**
 * Random ids as a SQL expression, for `INSERT ... SELECT` statements that make many rows at
 * once: the engine's random() masked to 53 bits (odds of drawing 0: 2^-53 a row).
 */
export const MINT_ID_SQL = `(random() & ${MAX_ID})`;

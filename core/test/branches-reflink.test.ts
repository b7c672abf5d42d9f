/**
 * Copy-on-write for real: on an XFS file system with reflink (a loop mount, as root), a branch
 * of a 200 MB agent costs about what a branch of a small one does, and takes no space until
 * it is written. Skipped, with the reason printed, where such a mount cannot be made.
 */
import { statfsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mountReflinkXfs, type MountResult } from '../bench/lib/reflink-fs.js';
import type { Agent } from '../src/agent.js';
import { Engram } from '../src/engram.js';
import { HashEmbedder } from '../src/embedders/hash-embedder.js';
import { DRIVER_NAMES } from './helpers.js';

const MiB = 2 ** 20;
let fs: MountResult | undefined;

beforeAll(() => {
  fs = mountReflinkXfs(600);
  if (fs.skipped) console.warn(`branches-reflink: skipped: ${fs.skipped}`);
}, 600_000);
afterAll(() => fs?.mount?.close());

const freeBytes = (dir: string) => {
  const s = statfsSync(dir);
  return s.bfree * s.bsize;
};

/** Grows an agent to about `mb` MiB: a few real memories and files, then incompressible ballast rows. */
async function grow(agent: Agent, mb: number): Promise<void> {
  await agent.memories.remember([{ text: 'a real memory' }, { text: 'another one' }]);
  await agent.files.writeFile('/notes.md', '# notes\nsomething to search\n');
  await agent.use((s) => s.conn.exec('CREATE TABLE IF NOT EXISTS ballast (id INTEGER PRIMARY KEY, data BLOB NOT NULL)'));
  for (let i = 0; i < mb; i++) await agent.use((s) => s.conn.run('INSERT INTO ballast (data) VALUES (randomblob(?))', [MiB]));
  await agent.checkpoint();
}

/** Median time to branch (with another branch already there, so the change log is on). */
async function medianCreateMs(agent: Agent): Promise<number> {
  await agent.branches.create('keep');
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    const info = await agent.branches.create(`t${i}`);
    times.push(performance.now() - t);
    expect(info.method).toBe('reflink');
    await agent.branches.discard(`t${i}`);
  }
  await agent.branches.discard('keep');
  return times.sort((a, b) => a - b)[2]!;
}

describe.each(DRIVER_NAMES)('branches on a reflink file system (%s)', (driver) => {
  it('branching a 200 MB agent takes about as long as a small one and no space until written', async (ctx) => {
    if (!fs?.mount) return ctx.skip(fs?.skipped);
    const root = join(fs.mount.dir, driver);
    const engram = await Engram.open({ dir: root, driver, embedder: new HashEmbedder({ dims: 64 }) });
    try {
      const small = await engram.agent('small');
      await grow(small, 0);
      const large = await engram.agent('large');
      await grow(large, 200);
      const smallMs = await medianCreateMs(small);
      const largeMs = await medianCreateMs(large);

      const before = freeBytes(root);
      const info = await large.branches.create('space');
      const afterCreate = freeBytes(root);
      expect(info.method).toBe('reflink');
      expect(info.bytes).toBeGreaterThan(200 * MiB);
      // Written on the branch: only the new pages take space; the agent keeps its own.
      const branch = await large.branches.open('space');
      await branch.use((s) => s.conn.exec('DELETE FROM ballast WHERE id <= 20'));
      for (let i = 0; i < 20; i++) await branch.use((s) => s.conn.run('INSERT INTO ballast (data) VALUES (randomblob(?))', [MiB]));
      await branch.checkpoint();
      const afterWrite = freeBytes(root);
      let t = performance.now();
      await large.branches.promote('space', { force: true });
      const promoteMs = performance.now() - t;
      t = performance.now();
      await large.branches.create('gone');
      await large.branches.discard('gone');
      const cycleMs = performance.now() - t;
      console.log(
        `reflink (${driver}): branch of a small agent ${smallMs.toFixed(2)} ms, of a 200 MB agent ${largeMs.toFixed(2)} ms; ` +
          `space taken by the branch ${((before - afterCreate) / MiB).toFixed(2)} MiB, after writing 20 MiB on it ${((afterCreate - afterWrite) / MiB).toFixed(1)} MiB; ` +
          `promote ${promoteMs.toFixed(1)} ms, create + discard ${cycleMs.toFixed(1)} ms`,
      );
      expect(before - afterCreate).toBeLessThan(2 * MiB);
      expect(afterCreate - afterWrite).toBeGreaterThan(15 * MiB);
      // A full copy of 200 MB takes 100+ ms here; a clone costs the same at any size (generous bound).
      expect(largeMs).toBeLessThan(Math.max(5 * smallMs, 25));
      expect(await large.memories.count()).toBe(2);
    } finally {
      await engram.close();
    }
  }, 300_000);
});

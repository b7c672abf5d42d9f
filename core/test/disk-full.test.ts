/**
 * A full disk: a write that fails leaves nothing behind (not visible, not made durable by the
 * next write), fails with DISK_FULL on both engines, and close() does not throw. Runs on a small
 * loop-mounted ext4 file system as root; skipped with the reason printed elsewhere.
 */
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filesDir } from '../src/branches/names.js';
import { DRIVERS } from '../src/drivers/index.js';
import { Engram } from '../src/engram.js';
import { HashEmbedder } from '../src/embedders/hash-embedder.js';
import { DRIVER_NAMES, expectCode, onCleanup } from './helpers.js';
import { fillDisk, mountSmallExt4, type SmallFs } from './small-fs.js';

let fs: SmallFs;
beforeAll(() => {
  fs = mountSmallExt4(12);
  if (fs.skipped) console.warn(`disk-full test skipped: ${fs.skipped}`);
});
afterAll(() => fs.close?.());

const embedder = new HashEmbedder({ dims: 64 });
const IN_WAL = 2 ** 18;
const big = (tag: string, n: number) => `${tag} ${'x'.repeat(n)}`;

describe.each(DRIVER_NAMES)('a full disk (%s)', (driver) => {
  it('fails writes with DISK_FULL, keeps none of them, and closes without throwing', async (ctx) => {
    if (!fs.dir) return ctx.skip(fs.skipped);
    const dir = join(fs.dir, driver);
    mkdirSync(dir);
    const engram = await Engram.open({ dir, driver, embedder });
    onCleanup(() => engram.close().catch(() => undefined)); // closed even when an assertion fails
    const agent = await engram.agent('full');
    await agent.memories.remember({ text: 'before' });
    await agent.kv.set('before', 1);
    await agent.files.writeFile('/before.md', 'before');
    await agent.actions.record({ name: 'before', output: 1, durationMs: 1 });
    await agent.branches.create('keep'); // the change log is on: creating a branch only copies
    await agent.checkpoint();
    // Committed but still in the WAL: closing must checkpoint it into a file that cannot grow.
    // (256 KB: well under the 1000 pages at which the engines checkpoint by themselves, even with
    // the 1 KB pages a new agent gets.)
    await agent.files.writeFile('/in-wal.bin', Buffer.alloc(IN_WAL, 2));

    const free = fillDisk(fs.dir);
    try {
      // A transaction (a batch of memories), an autocommit statement (kv), a file and an action.
      await expectCode(agent.memories.remember(Array.from({ length: 60 }, (_, i) => ({ text: big(`lost-${i}`, 30_000) }))), 'DISK_FULL');
      expect((await agent.memories.list({ limit: 100 })).map((m) => m.text)).toEqual(['before']);
      await expectCode(agent.kv.set('lost', big('lost', 250_000)), 'DISK_FULL');
      expect(await agent.kv.has('lost')).toBe(false);
      await expectCode(agent.files.writeFile('/lost.bin', Buffer.alloc(3 * 2 ** 20, 1)), 'DISK_FULL');
      expect(await agent.files.exists('/lost.bin')).toBe(false);
      await expectCode(
        agent.actions.record(Array.from({ length: 40 }, () => ({ name: 'lost', output: big('o', 60_000), durationMs: 1 }))),
        'DISK_FULL',
      );
      expect((await agent.actions.recent({ limit: 10 })).map((a) => a.name)).toEqual(['before']);
      // A failure inside a transaction that the caller catches and goes on from: whether the
      // transaction then commits or not, the failed write is not part of it.
      const tried = await agent
        .tryInTransaction(async (tx) => {
          await tx.memories.remember(Array.from({ length: 60 }, (_, i) => ({ text: big(`tx-lost-${i}`, 30_000) }))).catch(() => undefined);
          await tx.kv.set('tx-small', 1);
        })
        .then(
          () => 'committed',
          (err: { code?: string }) => err.code,
        );
      expect(['committed', 'DISK_FULL']).toContain(tried);
      expect((await agent.memories.list({ limit: 100 })).map((m) => m.text)).toEqual(['before']);
      expect(await agent.kv.has('tx-small')).toBe(tried === 'committed');
      // Copies of the agent: no partial clone or export stays behind.
      await expectCode(agent.branches.create('lost'), 'DISK_FULL');
      await expectCode(agent.snapshots.create('lost'), 'DISK_FULL');
      await expectCode(engram.export('full', join(fs.dir, 'export.db')), 'DISK_FULL');
      expect(existsSync(join(fs.dir, 'export.db'))).toBe(false);
      expect(readdirSync(filesDir(agent.path, 'branch')).sort()).toEqual(['keep.db', 'keep.json']);
      const snapshots = filesDir(agent.path, 'snapshot'); // may not even have been created
      expect(existsSync(snapshots) ? readdirSync(snapshots) : []).toEqual([]);
      await engram.close(); // must not throw, disk still full
    } finally {
      free();
    }

    const again = await Engram.open({ dir, driver, embedder });
    onCleanup(() => again.close().catch(() => undefined)); // closed even when an assertion fails
    const reopened = await again.agent('full');
    await reopened.memories.remember({ text: 'after' });
    await reopened.kv.set('after', 2);
    await again.close();
    const last = await Engram.open({ dir, driver, embedder });
    onCleanup(() => last.close().catch(() => undefined)); // closed even when an assertion fails
    const a = await last.agent('full');
    expect((await a.memories.list({ limit: 100, order: 'oldest' })).map((m) => m.text)).toEqual(['before', 'after']);
    expect((await a.kv.list()).map((e) => e.key)).toEqual(['after', 'before']);
    expect((await a.files.readdir('/')).map((f) => f.path)).toEqual(['/before.md', '/in-wal.bin']);
    expect((await a.files.readFile('/in-wal.bin')).equals(Buffer.alloc(IN_WAL, 2))).toBe(true);
    expect((await a.actions.recent({ limit: 10 })).map((x) => x.name)).toEqual(['before']);
    expect((await a.branches.list()).map((b) => b.name)).toEqual(['keep']);
    await last.close();
  });
});

describe.each(DRIVER_NAMES)('engine errors that mean the disk or quota is full (%s)', (driver) => {
  it('map to DISK_FULL, the quota ones included', () => {
    for (const message of ['database or disk is full', 'write failed: ENOSPC: no space left on device', 'EDQUOT: disk quota exceeded']) {
      const err = Object.assign(new Error(message), { code: 'GenericFailure' });
      expect(DRIVERS[driver].mapError(err)).toMatchObject({ code: 'DISK_FULL' });
    }
  });
});

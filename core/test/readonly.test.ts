import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { Engram } from '../src/engram.js';
import { HashEmbedder } from '../src/embedders/hash-embedder.js';
import { DRIVER_NAMES, tempDir } from './helpers.js';

/** A read-only view of `dir` (a read-only bind mount): needs root; returns undefined otherwise. */
function mountReadOnly(dir: string): (() => void) | undefined {
  try {
    execFileSync('mount', ['--bind', dir, dir], { stdio: 'pipe' });
    execFileSync('mount', ['-o', 'remount,ro,bind', dir], { stdio: 'pipe' });
    return () => execFileSync('umount', [dir], { stdio: 'pipe' });
  } catch (err) {
    console.warn(`read-only directory test skipped: cannot bind-mount read-only here (${(err as Error).message.split('\n')[0]})`);
    return undefined;
  }
}

describe.each(DRIVER_NAMES)('read-only data directory (%s)', (driver) => {
  it('fails with READ_ONLY on writes and keeps every stored row', async () => {
    const dir = tempDir();
    const embedder = new HashEmbedder({ dims: 64 });
    const first = await Engram.open({ dir, driver, embedder });
    await (await first.agent('kept')).memories.remember([{ text: 'one' }, { text: 'two' }]);
    await first.close();
    const unmount = mountReadOnly(dir);
    if (!unmount) return;
    try {
      const engram = await Engram.open({ dir, driver, embedder });
      const created = await engram.agent('new-agent').catch((e: unknown) => e as { code: string });
      expect((created as { code: string }).code).toBe('READ_ONLY');
      const existing = await engram
        .agent('kept')
        .then((a) => a.memories.remember({ text: 'three' }))
        .catch((e: unknown) => e as { code: string; message: string });
      expect((existing as { code: string }).code, JSON.stringify(existing)).toBe('READ_ONLY');
      await engram.close().catch(() => undefined);
    } finally {
      unmount();
    }
    const after = await Engram.open({ dir, driver, embedder });
    expect((await (await after.agent('kept')).memories.list({ order: 'oldest' })).map((m) => m.text)).toEqual(['one', 'two']);
    await after.close();
  });
});

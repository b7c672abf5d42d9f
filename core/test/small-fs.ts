/**
 * A small ext4 file system on a loop device, for tests of what happens when the disk is full.
 * Needs Linux and root; says why when it cannot be made, so the test can skip with the reason.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mountLoop } from '../bench/lib/loop-fs.js';

export type SmallFs = { dir: string; close(): void; skipped?: undefined } | { dir?: undefined; close?: undefined; skipped: string };

/** Makes and mounts a `sizeMb` ext4 image, or returns why it cannot. */
export function mountSmallExt4(sizeMb: number): SmallFs {
  const made = mountLoop('ext4', sizeMb, ['mkfs.ext4', '-q', '-F']);
  return made.mount ?? { skipped: made.skipped };
}

/** Fills the file system under `dir` with ballast files until a write fails; returns a function freeing them. */
export function fillDisk(dir: string): () => void {
  const files: string[] = [];
  for (const size of [256 * 1024, 4096, 512]) {
    for (;;) {
      const file = join(dir, `ballast-${files.length}`);
      try {
        writeFileSync(file, Buffer.alloc(size, 7));
        files.push(file);
      } catch {
        rmSync(file, { force: true });
        break;
      }
    }
  }
  return () => {
    for (const f of files) rmSync(f, { force: true });
  };
}

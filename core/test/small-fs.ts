/**
 * A small ext4 file system on a loop device, for tests of what happens when the disk is full.
 * Needs Linux and root; says why when it cannot be made, so the test can skip with the reason.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type SmallFs = { dir: string; close(): void; skipped?: undefined } | { dir?: undefined; close?: undefined; skipped: string };

const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 });
const reason = (err: unknown) => ((err as { stderr?: Buffer }).stderr?.toString().trim() || (err as Error).message).split('\n')[0];

/** Makes and mounts a `sizeMb` ext4 image, or returns why it cannot. */
export function mountSmallExt4(sizeMb: number): SmallFs {
  if (process.platform !== 'linux') return { skipped: `loop-mounting ext4 needs Linux (this is ${process.platform})` };
  if (process.getuid?.() !== 0) return { skipped: 'mounting a loop device needs root' };
  const base = mkdtempSync(join(tmpdir(), 'engram-small-fs-'));
  const image = join(base, 'fs.img');
  const dir = join(base, 'mnt');
  let mounted = false;
  const close = () => {
    for (let i = 0; mounted && i < 10; i++) {
      try {
        run('umount', [dir]);
        mounted = false;
      } catch {
        execFileSync('sleep', ['0.2']);
      }
    }
    if (mounted) {
      // Still busy (a handle a failed test left open): detach it now, the kernel frees it later.
      try {
        run('umount', ['-l', dir]);
        mounted = false;
      } catch {
        process.stderr.write(`engram test: could not unmount ${dir}\n`);
      }
    }
    if (!mounted) rmSync(base, { recursive: true, force: true });
  };
  try {
    writeFileSync(image, '');
    truncateSync(image, sizeMb * 2 ** 20);
    run('mkfs.ext4', ['-q', '-F', image]);
    mkdirSync(dir);
    run('mount', ['-o', 'loop', image, dir]);
    mounted = true;
  } catch (err) {
    close();
    return { skipped: `cannot make and loop-mount an ext4 image here: ${reason(err)}` };
  }
  return { dir, close };
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

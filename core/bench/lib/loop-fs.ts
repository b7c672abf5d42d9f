/**
 * A file system image on a loop device, made in a temporary directory and removed on close:
 * for measuring and testing what this machine's own disks cannot show (copy-on-write clones on
 * XFS, a full disk on a small ext4). Needs Linux and root; says why when it cannot be made, so
 * a caller can skip with the reason. Used by reflink-fs.ts and core/test/small-fs.ts.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface LoopMount {
  /** The mounted file system's root directory. */
  dir: string;
  /** Unmounts (lazily if still busy) and removes the image; call in a finally block. */
  close(): void;
}

export type LoopResult = { mount: LoopMount; skipped?: undefined } | { mount?: undefined; skipped: string };

export function run(cmd: string, args: string[], timeout = 120_000): void {
  execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], timeout });
}

/** The first line of a failed command's stderr, or the error's message. */
export const failure = (err: unknown) => ((err as { stderr?: Buffer }).stderr?.toString().trim() || (err as Error).message).split('\n')[0];

/** Why this process cannot loop-mount anything, or undefined when it can. */
export function cannotLoopMount(fsName: string): string | undefined {
  if (process.platform !== 'linux') return `loop-mounting ${fsName} needs Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'mounting a loop device needs root';
  return undefined;
}

/** Makes a `sizeMb` image with `mkfs` (command and arguments before the image path) and mounts it. */
export function mountLoop(fsName: string, sizeMb: number, mkfs: [string, ...string[]]): LoopResult {
  const why = cannotLoopMount(fsName);
  if (why) return { skipped: why };
  const base = mkdtempSync(join(tmpdir(), `engram-${fsName}-`));
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
        process.stderr.write(`engram: could not unmount ${dir}; the image ${image} stays\n`);
      }
    }
    if (!mounted) rmSync(base, { recursive: true, force: true });
  };
  try {
    writeFileSync(image, '');
    truncateSync(image, sizeMb * 2 ** 20);
    const [cmd, ...args] = mkfs;
    run(cmd, [...args, image]);
    mkdirSync(dir);
    run('mount', ['-o', 'loop', image, dir]);
    mounted = true;
  } catch (err) {
    close();
    return { skipped: `cannot make and loop-mount an ${fsName} image here: ${failure(err)}` };
  }
  return { mount: { dir, close } };
}

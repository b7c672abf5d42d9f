/**
 * A small XFS file system with reflink, on a loop device: where copy-on-write clones can be
 * measured on a machine whose disks cannot clone (ext4). Needs Linux and root; installs
 * xfsprogs with apt-get only when mkfs.xfs is missing and the process is root. Used by the
 * branches benchmark and by core/test/branches-reflink.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';

export interface ReflinkMount {
  /** The mounted file system's root directory. */
  dir: string;
  /** Unmounts and removes the image (call in a finally block). */
  close(): void;
}

export type MountResult = { mount: ReflinkMount; skipped?: undefined } | { mount?: undefined; skipped: string };

function run(cmd: string, args: string[], timeout = 120_000): void {
  execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], timeout });
}

function has(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const message = (err: unknown) => ((err as { stderr?: Buffer }).stderr?.toString().trim() || (err as Error).message).split('\n')[0];

/** Mounts a fresh `sizeMb` XFS image with reflink, or says why it cannot. */
export function mountReflinkXfs(sizeMb: number): MountResult {
  if (process.platform !== 'linux') return { skipped: `loop-mounting XFS needs Linux (this is ${process.platform})` };
  if (process.getuid?.() !== 0) return { skipped: 'mounting a loop device needs root' };
  if (!has('mkfs.xfs')) {
    try {
      run('apt-get', ['install', '-y', 'xfsprogs'], 600_000);
    } catch {
      try {
        run('apt-get', ['update'], 600_000);
        run('apt-get', ['install', '-y', 'xfsprogs'], 600_000);
      } catch (err) {
        return { skipped: `mkfs.xfs is missing and apt-get could not install xfsprogs: ${message(err)}` };
      }
    }
  }
  const base = mkdtempSync(join(os.tmpdir(), 'engram-xfs-'));
  const image = join(base, 'xfs.img');
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
    if (mounted) process.stderr.write(`engram: could not unmount ${dir}; the image ${image} stays\n`);
    else rmSync(base, { recursive: true, force: true });
  };
  try {
    writeFileSync(image, '');
    truncateSync(image, sizeMb * 2 ** 20);
    run('mkfs.xfs', ['-q', '-m', 'reflink=1', image]);
    mkdirSync(dir);
    run('mount', ['-o', 'loop', image, dir]);
    mounted = true;
  } catch (err) {
    close();
    return { skipped: `cannot make and loop-mount an XFS image here: ${message(err)}` };
  }
  return { mount: { dir, close } };
}

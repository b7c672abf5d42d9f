/**
 * A small XFS file system with reflink, on a loop device: where copy-on-write clones can be
 * measured on a machine whose disks cannot clone (ext4). Needs Linux and root; installs
 * xfsprogs with apt-get only when mkfs.xfs is missing and the process is root. Used by the
 * branches benchmark and by core/test/branches-reflink.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { cannotLoopMount, failure, mountLoop, run, type LoopMount, type LoopResult } from './loop-fs.js';

export type ReflinkMount = LoopMount;
export type MountResult = LoopResult;

function has(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Mounts a fresh `sizeMb` XFS image with reflink, or says why it cannot. */
export function mountReflinkXfs(sizeMb: number): MountResult {
  const why = cannotLoopMount('XFS');
  if (why) return { skipped: why };
  if (!has('mkfs.xfs')) {
    try {
      run('apt-get', ['install', '-y', 'xfsprogs'], 600_000);
    } catch {
      try {
        run('apt-get', ['update'], 600_000);
        run('apt-get', ['install', '-y', 'xfsprogs'], 600_000);
      } catch (err) {
        return { skipped: `mkfs.xfs is missing and apt-get could not install xfsprogs: ${failure(err)}` };
      }
    }
  }
  return mountLoop('XFS', sizeMb, ['mkfs.xfs', '-q', '-m', 'reflink=1']);
}

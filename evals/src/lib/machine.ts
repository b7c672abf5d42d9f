/** Where a run happened: the machine, its file system, the Node version, the date and the git commit. */
import { execFileSync } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is evals/src/lib/ or evals/dist/lib/). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface FileSystemInfo {
  path: string;
  type: string;
  mount: string;
  device: string;
}

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  /** The file systems holding the temp directory and the repository. */
  fileSystems: FileSystemInfo[];
  date: string;
  git: { commit: string; dirty: boolean } | undefined;
}

/** The mount holding `path` (longest mount-point prefix in /proc/self/mounts); "unknown" elsewhere. */
export function fileSystemOf(path: string): FileSystemInfo {
  let real = path;
  try {
    real = realpathSync(path);
    const mounts = readFileSync('/proc/self/mounts', 'utf8')
      .split('\n')
      .map((line) => line.split(' '))
      .filter((f) => f.length >= 3)
      .map(([device, mount, type]) => ({ device: device!, mount: mount!.replace(/\\040/g, ' '), type: type! }));
    const inside = (m: string) => m === '/' || real === m || real.startsWith(`${m}/`);
    const best = mounts.filter((m) => inside(m.mount)).sort((a, b) => b.mount.length - a.mount.length)[0];
    if (best) return { path: real, ...best };
  } catch {
    // not Linux, or the path is gone: say so below
  }
  return { path: real, type: 'unknown', mount: 'unknown', device: 'unknown' };
}

function git(): MachineInfo['git'] {
  try {
    const run = (args: string[]) => execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return { commit: run(['rev-parse', 'HEAD']).trim(), dirty: run(['status', '--porcelain', '--untracked-files=no']).trim() !== '' };
  } catch {
    return undefined;
  }
}

/**
 * @example machineInfo([os.tmpdir()]).fileSystems[0].type // 'ext4'
 */
export function machineInfo(paths: readonly string[] = [os.tmpdir(), REPO_ROOT]): MachineInfo {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    fileSystems: paths.map(fileSystemOf),
    date: new Date().toISOString(),
    git: git(),
  };
}

/** The limit on open files of this process (soft or hard), from /proc (Linux); undefined elsewhere. */
export function openFileLimit(which: 'soft' | 'hard' = 'soft'): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const [soft, hard] = line!.slice('Max open files'.length).trim().split(/\s+/);
    const n = Number(which === 'soft' ? soft : hard);
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

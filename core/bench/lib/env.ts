/** Machine facts, paths, temp directories and disk usage. */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';

/** core/ (this file is core/dist-bench/bench/lib/env.js once built). */
export const CORE_DIR = fileURLToPath(new URL('../../../', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
export const WORD_VECTORS_PATH = join(CORE_DIR, 'assets', 'glove-100d-int8.bin');

function packageVersion(name: string): string {
  for (const base of [join(CORE_DIR, 'node_modules'), join(REPO_ROOT, 'node_modules')]) {
    try {
      return (JSON.parse(readFileSync(join(base, name, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      // try the next place
    }
  }
  return 'unknown';
}

export function machineInfo() {
  const db = new Database(':memory:');
  sqliteVec.load(db);
  const versions = db.prepare('SELECT sqlite_version() AS sqlite, vec_version() AS vec').get() as { sqlite: string; vec: string };
  db.close();
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    totalMemoryBytes: os.totalmem(),
    totalMemoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    tmpdir: os.tmpdir(),
    packages: {
      '@tursodatabase/database': packageVersion('@tursodatabase/database'),
      'better-sqlite3': packageVersion('better-sqlite3'),
      'sqlite-vec': packageVersion('sqlite-vec'),
      sqlite: versions.sqlite,
      'sqlite-vec (runtime)': versions.vec,
    },
  };
}

/** One temp root for the whole run; everything under it is removed at exit. */
export class TempRoot {
  readonly path: string;
  private removed = false;

  constructor() {
    this.path = mkdtempSync(join(os.tmpdir(), 'engram-bench-'));
  }

  dir(name: string): string {
    return mkdtempSync(join(this.path, `${name}-`));
  }

  remove(): void {
    if (this.removed) return;
    this.removed = true;
    rmSync(this.path, { recursive: true, force: true });
  }
}

export interface DiskUsage {
  files: number;
  bytes: number;
  /** Bytes of allocated blocks (what the file system really spends). */
  allocated: number;
  bySuffix: Record<string, { files: number; bytes: number }>;
}

export function diskUsage(dir: string): DiskUsage {
  const u: DiskUsage = { files: 0, bytes: 0, allocated: 0, bySuffix: {} };
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        const st = statSync(p);
        u.files++;
        u.bytes += st.size;
        u.allocated += st.blocks * 512;
        const suffix = /\.db(-\w+)?$/.exec(e.name)?.[0] ?? 'other';
        const s = (u.bySuffix[suffix] ??= { files: 0, bytes: 0 });
        s.files++;
        s.bytes += st.size;
      }
    }
  };
  walk(dir);
  return u;
}

export function rmrf(path: string): void {
  rmSync(path, { recursive: true, force: true });
}

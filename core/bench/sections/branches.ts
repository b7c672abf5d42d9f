/**
 * Section `branches`: branch, promote and discard times against agent size, on the work disk
 * (ext4 here: branches are full copies) and on a reflink XFS loop mount (copy-on-write clones;
 * root only, skipped with the reason otherwise), beside a plain `cp` of the same file.
 * Agents are grown with incompressible 1 MiB rows, so the file size is the agent size.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Engram, HashEmbedder, type Agent, type DriverName } from '../../src/index.js';
import type { TempRoot } from '../lib/env.js';
import { mountReflinkXfs } from '../lib/reflink-fs.js';
import { log } from '../lib/report.js';
import { now, summarize, type Summary } from '../lib/stats.js';

export interface BranchBenchOptions {
  sizesMb: number[];
  drivers: DriverName[];
  /** Timed repetitions of each operation per size. */
  repeats: number;
}

export interface BranchRow {
  fs: string;
  driver: DriverName;
  sizeMb: number;
  fileBytes: number;
  method: string;
  /** The first branch of an agent also switches its change log on (one small commit). */
  firstBranchMs: Summary;
  /** Further branches (change log already on). */
  branchMs: Summary;
  discardMs: Summary;
  /** Promote of a branch with one change (includes closing and reopening the agent). */
  promoteMs: Summary;
  /** `cp --reflink=never` of the agent file, as a process. */
  cpMs: Summary;
  /** fs.copyFile of the agent file, in process (no reflink). */
  copyFileMs: Summary;
  /** `cp --reflink=always`, where the file system can clone. */
  cpReflinkMs?: Summary;
}

export interface BranchResults {
  rows: BranchRow[];
  skipped: string[];
}

const MiB = 2 ** 20;

async function timed(fn: () => Promise<unknown> | unknown): Promise<number> {
  const t = now();
  await fn();
  return now() - t;
}

async function growTo(agent: Agent, mb: number): Promise<void> {
  await agent.use((s) => s.conn.exec('CREATE TABLE IF NOT EXISTS ballast (id INTEGER PRIMARY KEY, data BLOB NOT NULL)'));
  while (statSync(agent.path).size < mb * MiB) {
    await agent.use((s) => s.conn.run('INSERT INTO ballast (data) VALUES (randomblob(?))', [MiB]));
    if ((await agent.use((s) => s.conn.get<{ n: number }>('SELECT count(*) AS n FROM ballast')))!.n % 64 === 0) await agent.checkpoint();
  }
  await agent.checkpoint();
}

/** Flushes dirty pages to disk (not timed), so each timed copy starts from the same state. */
function settleDisk(): void {
  spawnSync('sync');
}

function cp(src: string, dst: string, reflink: 'never' | 'always'): number {
  const t = now();
  const r = spawnSync('cp', [`--reflink=${reflink}`, src, dst]);
  const ms = now() - t;
  rmSync(dst, { force: true });
  if (r.status !== 0) throw new Error(`cp --reflink=${reflink} failed: ${r.stderr.toString()}`);
  return ms;
}

async function measure(
  fs: string,
  driver: DriverName,
  root: string,
  sizes: number[],
  repeats: number,
  cloning: boolean,
): Promise<BranchRow[]> {
  const rows: BranchRow[] = [];
  const engram = await Engram.open({ dir: join(root, driver), driver, embedder: new HashEmbedder({ dims: 64 }) });
  try {
    const agent = await engram.agent('bench');
    await agent.memories.remember({ text: 'a memory to carry along' });
    for (const sizeMb of sizes) {
      await growTo(agent, sizeMb);
      log(`branches: ${fs} ${driver} ${sizeMb} MB`);
      const first: number[] = [];
      const branch: number[] = [];
      const discard: number[] = [];
      const promote: number[] = [];
      const cps: number[] = [];
      const copies: number[] = [];
      const reflinks: number[] = [];
      let method = '';
      const copy = join(root, 'copy.bin');
      // Interleaved, each after a `sync`: copies leave dirty pages whose writeback would slow the next one.
      for (let i = 0; i < repeats; i++) {
        settleDisk();
        cps.push(cp(agent.path, copy, 'never'));
        settleDisk();
        copies.push(await timed(() => copyFileSync(agent.path, copy)));
        rmSync(copy, { force: true });
        if (cloning) reflinks.push(cp(agent.path, copy, 'always'));
        settleDisk();
        first.push(await timed(async () => (method = (await agent.branches.create('first')).method)));
        await agent.branches.create('keep');
        settleDisk();
        branch.push(await timed(() => agent.branches.create(`b${i}`)));
        discard.push(await timed(() => agent.branches.discard(`b${i}`)));
        await agent.branches.discard('keep');
        await agent.branches.discard('first');
        await agent.branches.create(`p${i}`);
        await (await agent.branches.open(`p${i}`)).kv.set('round', i);
        promote.push(await timed(() => agent.branches.promote(`p${i}`)));
      }
      rows.push({
        fs,
        driver,
        sizeMb,
        fileBytes: statSync(agent.path).size,
        method,
        firstBranchMs: summarize(first),
        branchMs: summarize(branch),
        discardMs: summarize(discard),
        promoteMs: summarize(promote),
        cpMs: summarize(cps),
        copyFileMs: summarize(copies),
        ...(cloning ? { cpReflinkMs: summarize(reflinks) } : {}),
      });
    }
    await engram.delete('bench');
  } finally {
    await engram.close();
  }
  return rows;
}

export async function runBranches(options: BranchBenchOptions, tmp: TempRoot): Promise<BranchResults> {
  const rows: BranchRow[] = [];
  const skipped: string[] = [];
  const disk = tmp.dir('branches');
  const fsType = `${spawnSync('findmnt', ['-n', '-o', 'FSTYPE', '--target', disk]).stdout?.toString().trim() || 'work'} disk`;
  for (const driver of options.drivers) rows.push(...(await measure(fsType, driver, disk, options.sizesMb, options.repeats, false)));
  rmSync(disk, { recursive: true, force: true });
  const largest = Math.max(...options.sizesMb);
  // Room for the agent, a plain copy of it, the WAL while it grows, and slack.
  const { mount, skipped: why } = mountReflinkXfs(Math.ceil(largest * 2.5) + 300);
  if (!mount) {
    skipped.push(`reflink XFS: ${why}`);
    log(`branches: reflink XFS skipped: ${why}`);
  } else {
    try {
      for (const driver of options.drivers)
        rows.push(...(await measure('xfs (reflink)', driver, mount.dir, options.sizesMb, options.repeats, true)));
    } finally {
      mount.close();
    }
  }
  return { rows, skipped };
}

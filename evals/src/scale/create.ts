/**
 * Create phase: `agents` agents made by worker threads in parallel, timed (wall and CPU of the
 * whole process), then the disk they take once closed: apparent size and allocated blocks.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { DriverName } from '@engram/core';
import { Progress } from '../lib/progress.js';
import { round } from '../lib/stats.js';
import type { CreateWorkerData, CreateWorkerMessage } from './create-worker.js';
import type { EmbedderSpec } from './options.js';

export interface CreateResult {
  agents: number;
  memories: number;
  workers: number;
  seconds: number;
  agentsPerSec: number;
  /** CPU time of the process (all threads) per agent created. */
  cpuMsPerAgent: number;
}

export interface DiskResult {
  files: number;
  /** Sum of file sizes. */
  bytes: number;
  /** Allocated blocks (what the file system really spends). */
  allocated: number;
  bytesPerAgent: number;
  allocatedPerAgent: number;
  /** Files and bytes per kind: `.db`, `.db-wal`, `.db-shm`, `.db-tshm`... */
  bySuffix: Record<string, { files: number; bytes: number; allocated: number }>;
}

export async function createAgents(
  dir: string,
  driver: DriverName,
  embedder: EmbedderSpec,
  agents: number,
  workers: number,
): Promise<CreateResult> {
  const n = Math.min(workers, agents);
  const done = new Array<number>(n).fill(0);
  const bar = new Progress('scale', `create ${driver}`, agents, 'agents');
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let memories = 0;
  const running: Worker[] = [];
  try {
    await Promise.all(
      Array.from({ length: n }, (_, w) => {
        const data: CreateWorkerData = { dir, driver, embedder, first: w, end: agents, step: n };
        const worker = new Worker(new URL('./create-worker.js', import.meta.url), { workerData: data });
        running.push(worker);
        return new Promise<void>((resolve, reject) => {
          worker.on('message', (m: CreateWorkerMessage) => {
            done[w] = m.done;
            if (m.type === 'done') memories += m.memories;
            bar.update(done.reduce((a, b) => a + b, 0));
          });
          worker.on('error', reject);
          worker.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`create worker ${w} exited with code ${code}`))));
        });
      }),
    );
  } catch (err) {
    await Promise.all(running.map((w) => w.terminate()));
    throw err;
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  bar.finish(agents);
  return {
    agents,
    memories,
    workers: n,
    seconds: round(seconds, 1),
    agentsPerSec: Math.round(agents / seconds),
    cpuMsPerAgent: round((cpu.user + cpu.system) / 1000 / agents, 2),
  };
}

/** Disk taken by every file under `dir`. */
export function diskUsage(dir: string, agents: number): DiskResult {
  const u: DiskResult = { files: 0, bytes: 0, allocated: 0, bytesPerAgent: 0, allocatedPerAgent: 0, bySuffix: {} };
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        const st = statSync(p);
        const suffix = /\.db(-\w+)?$/.exec(e.name)?.[0] ?? 'other';
        const s = (u.bySuffix[suffix] ??= { files: 0, bytes: 0, allocated: 0 });
        for (const t of [u, s]) {
          t.files++;
          t.bytes += st.size;
          t.allocated += st.blocks * 512;
        }
      }
    }
  };
  walk(dir);
  u.bytesPerAgent = Math.round(u.bytes / agents);
  u.allocatedPerAgent = Math.round(u.allocated / agents);
  return u;
}

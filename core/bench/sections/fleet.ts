/**
 * Sections 3 and 4: many small agents on disk. A fleet of agents (3-5 memories each, default
 * WordVectorEmbedder) is created by worker threads through the public API; then a fresh Engram
 * times `agent(id)` + first recall over a random sample (cold open), and a child process
 * measures the RSS of holding many handles open at once.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Engram, WordVectorEmbedder, type DriverName } from '../../src/index.js';
import { SentenceGenerator } from '../lib/data.js';
import { diskUsage, rmrf, WORD_VECTORS_PATH, type DiskUsage, type TempRoot } from '../lib/env.js';
import { log, progress } from '../lib/report.js';
import { Rng } from '../lib/rng.js';
import { now, round, summarize, type Summary } from '../lib/stats.js';
import type { FleetWorkerData } from '../fleet-worker.js';
import type { MemoryChildInput, MemorySnapshot } from '../memory-child.js';

export interface FleetRow {
  driver: DriverName;
  agents: number;
  memories: number;
  workers: number;
  createSeconds: number;
  agentsPerSec: number;
  disk: DiskUsage;
  bytesPerAgent: number;
  allocatedPerAgent: number;
}

export interface ColdRow {
  driver: DriverName;
  agents: number;
  sample: number;
  maxOpenAgents: number;
  recallMode: string;
  openMs: Summary;
  firstRecallMs: Summary;
  totalMs: Summary;
  warmRecallMs: Summary;
}

export interface MemoryRow {
  driver: DriverName;
  handles: number;
  gcExposed: boolean;
  openAgents: number;
  rssPerHandleOpen: number;
  rssPerHandleAfterRecall: number;
  heapPerHandle: number;
  externalPerHandle: number;
  fdsPerHandle: number;
  rssReleasedAfterClose: number;
  snapshots: { before: MemorySnapshot; opened: MemorySnapshot; recalled: MemorySnapshot; closed: MemorySnapshot };
}

export interface FleetResults {
  fleet: FleetRow[];
  cold: ColdRow[];
  memory: MemoryRow[];
}

export interface FleetPlan {
  agents: number;
  coldSample: number;
  openHandles: number;
  workers: number;
  cold: boolean;
  memory: boolean;
  vocab: string[];
}

const agentId = (i: number) => `agent-${String(i).padStart(5, '0')}`;

async function createFleet(dir: string, driver: DriverName, count: number, plan: FleetPlan): Promise<FleetRow> {
  const ids = Array.from({ length: count }, (_, i) => agentId(i));
  const workers = Math.min(plan.workers, count);
  const done = new Array<number>(workers).fill(0);
  let memories = 0;
  const t0 = now();
  await Promise.all(
    Array.from({ length: workers }, (_, w) => {
      const data: FleetWorkerData = {
        dir,
        driver,
        ids: ids.filter((_, i) => i % workers === w),
        seed: 7_000 + w,
        vocab: plan.vocab,
        wordVectorsPath: WORD_VECTORS_PATH,
      };
      return new Promise<void>((resolve, reject) => {
        const worker = new Worker(new URL('../fleet-worker.js', import.meta.url), { workerData: data });
        worker.on('message', (m: { type: string; done: number; memories?: number }) => {
          done[w] = m.done;
          if (m.type === 'done') memories += m.memories ?? 0;
          const total = done.reduce((a, b) => a + b, 0);
          progress(`fleet ${driver}: created ${total}/${count} agents (${Math.round(total / ((now() - t0) / 1000))}/s)`);
        });
        worker.on('error', reject);
        worker.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`fleet worker exited with code ${code}`))));
      });
    }),
  );
  const seconds = (now() - t0) / 1000;
  const disk = diskUsage(dir);
  log(`fleet ${driver}: ${count} agents in ${seconds.toFixed(1)} s, ${Math.round(disk.bytes / count)} bytes/agent`);
  return {
    driver,
    agents: count,
    memories,
    workers,
    createSeconds: round(seconds),
    agentsPerSec: Math.round(count / seconds),
    disk,
    bytesPerAgent: Math.round(disk.bytes / count),
    allocatedPerAgent: Math.round(disk.allocated / count),
  };
}

async function coldOpen(dir: string, driver: DriverName, count: number, plan: FleetPlan): Promise<ColdRow> {
  const maxOpenAgents = 64;
  const embedder = await WordVectorEmbedder.load({ path: WORD_VECTORS_PATH });
  const engram = await Engram.open({ dir, driver, embedder, maxOpenAgents, idleTimeoutMs: 0 });
  const rng = new Rng(31_337);
  const queries = new SentenceGenerator(plan.vocab, new Rng(31_338));
  const all = Array.from({ length: count }, (_, i) => agentId(i));
  const picked = rng.sample(all, Math.min(count, plan.coldSample + 20));
  const warm = picked.slice(0, 20);
  const sample = picked.slice(20);
  const open: number[] = [];
  const first: number[] = [];
  const total: number[] = [];
  const warmRecall: number[] = [];
  try {
    for (const id of warm) await (await engram.agent(id)).memories.recall(queries.next());
    for (const [i, id] of sample.entries()) {
      const q = queries.next();
      const t0 = now();
      const agent = await engram.agent(id);
      const t1 = now();
      await agent.memories.recall(q);
      const t2 = now();
      await agent.memories.recall(queries.next());
      warmRecall.push(now() - t2);
      open.push(t1 - t0);
      first.push(t2 - t1);
      total.push(t2 - t0);
      progress(`cold ${driver}: ${i + 1}/${sample.length} agents opened`);
    }
  } finally {
    await engram.close();
  }
  const row: ColdRow = {
    driver,
    agents: count,
    sample: sample.length,
    maxOpenAgents,
    recallMode: 'hybrid (default), limit 10',
    openMs: summarize(open),
    firstRecallMs: summarize(first),
    totalMs: summarize(total),
    warmRecallMs: summarize(warmRecall),
  };
  log(`cold ${driver}: open+first recall p50 ${row.totalMs.p50} ms, p99 ${row.totalMs.p99} ms`);
  return row;
}

async function memoryPerHandle(dir: string, driver: DriverName, count: number, plan: FleetPlan): Promise<MemoryRow> {
  const handles = Math.min(plan.openHandles, count - 20);
  const input: MemoryChildInput = {
    dir,
    driver,
    ids: Array.from({ length: handles }, (_, i) => agentId(i)),
    warmIds: Array.from({ length: 20 }, (_, i) => agentId(count - 1 - i)),
    query: 'what did we agree about the new office and the budget for next year',
    wordVectorsPath: WORD_VECTORS_PATH,
  };
  log(`memory ${driver}: holding ${handles} agents open in a child process`);
  const result = await new Promise<{
    ok: boolean;
    error?: string;
    gcExposed: boolean;
    openAgents: number;
    before: MemorySnapshot;
    opened: MemorySnapshot;
    recalled: MemorySnapshot;
    closed: MemorySnapshot;
  }>((resolve, reject) => {
    const child = fork(fileURLToPath(new URL('../memory-child.js', import.meta.url)), [JSON.stringify(input)], {
      execArgv: ['--expose-gc'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let message: unknown;
    child.on('message', (m) => (message = m));
    child.on('error', reject);
    child.on('exit', (code) =>
      message ? resolve(message as never) : reject(new Error(`memory child exited with code ${code} and no result`)),
    );
  });
  if (!result.ok) throw new Error(`memory child failed: ${result.error}`);
  const { before, opened, recalled, closed } = result;
  const per = (a: number, b: number) => Math.round((b - a) / handles);
  return {
    driver,
    handles,
    gcExposed: result.gcExposed,
    openAgents: result.openAgents,
    rssPerHandleOpen: per(before.rss, opened.rss),
    rssPerHandleAfterRecall: per(before.rss, recalled.rss),
    heapPerHandle: per(before.heapUsed, recalled.heapUsed),
    externalPerHandle: per(before.external, recalled.external),
    fdsPerHandle: round((recalled.fds - before.fds) / handles, 2),
    rssReleasedAfterClose: recalled.rss - closed.rss,
    snapshots: { before, opened, recalled, closed },
  };
}

export async function runFleet(drivers: DriverName[], plan: FleetPlan, tmp: TempRoot): Promise<FleetResults> {
  const out: FleetResults = { fleet: [], cold: [], memory: [] };
  const count = Math.max(plan.cold ? plan.agents : 0, plan.memory ? plan.openHandles + 50 : 0);
  for (const driver of drivers) {
    const dir = tmp.dir(`fleet-${driver}`);
    try {
      out.fleet.push(await createFleet(dir, driver, count, plan));
      if (plan.cold) out.cold.push(await coldOpen(dir, driver, count, plan));
      if (plan.memory) out.memory.push(await memoryPerHandle(dir, driver, count, plan));
    } finally {
      rmrf(dir);
    }
  }
  return out;
}

/**
 * Memory per open agent handle, per engine, with every store in use (memories recalled, files
 * searched, kv, actions and tasks read): the figure the default `maxOpenAgents` is sized from.
 * Each engine runs in a child process started with --expose-gc, so nothing else sits in its heap.
 *
 *   npm run build && tsc -p core/tsconfig.bench.json && node core/dist-bench/bench/handle-rss.js [agents=100] [memories=30,1000]
 *
 * Prints a table and writes results/bench-handle-rss.json.
 */
import { fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Engram, HashEmbedder, type DriverName } from '../src/index.js';
import { REPO_ROOT } from './lib/env.js';

interface ChildResult {
  driver: DriverName;
  agents: number;
  memoriesPerAgent: number;
  rssBefore: number;
  rssOpen: number;
  rssAfterClose: number;
  /** What the pool estimates per handle (HANDLE_MEMORY), to compare with the measured growth. */
  estimatedPerHandle: number;
}

const MiB = 2 ** 20;
const settle = async () => {
  for (let i = 0; i < 3; i++) {
    (globalThis as { gc?: () => void }).gc?.();
    await new Promise((r) => setTimeout(r, 50));
  }
  return process.memoryUsage().rss;
};

async function child(driver: DriverName, count: number, perAgent: number): Promise<ChildResult> {
  const dir = mkdtempSync(join(os.tmpdir(), 'engram-rss-'));
  try {
    const embedder = new HashEmbedder({ dims: 384 });
    const ids = Array.from({ length: count }, (_, i) => `agent-${i}`);
    const setup = await Engram.open({ dir, driver, embedder, maxOpenAgents: 8 });
    for (const id of [...ids, 'warm']) {
      const a = await setup.agent(id);
      for (let from = 0; from < perAgent; from += 1000) {
        const n = Math.min(1000, perAgent - from);
        await a.memories.remember(
          Array.from({ length: n }, (_, k) => ({
            text: `memory ${from + k} of ${id} about tea and the weather, ${'with some more words '.repeat(k % 7)}`,
          })),
        );
      }
      await a.files.writeFile('/notes.md', `# Notes of ${id}\n${'a line about deployments and tea\n'.repeat(60)}`);
      await a.kv.set('state', { step: 1 });
      await a.actions.record({ name: 'search', output: 'ok', durationMs: 3 });
      await a.tasks.create({ title: 'follow up' });
    }
    await setup.close();
    // No byte budget here: every handle stays open, and the pool's estimate is reported beside the measurement.
    const engram = await Engram.open({
      dir,
      driver,
      embedder,
      maxOpenAgents: count + 16,
      maxOpenBytes: Number.MAX_SAFE_INTEGER,
      idleTimeoutMs: 0,
    });
    const use = async (id: string) => {
      const a = await engram.agent(id);
      await a.memories.recall('tea');
      await a.files.search('deployments');
      await a.kv.get('state');
      await a.actions.recent();
      await a.tasks.list();
    };
    await use('warm');
    const estimateWarm = engram.openAgentBytes;
    const rssBefore = await settle();
    for (const id of ids) await use(id);
    const rssOpen = await settle();
    const estimatedPerHandle = (engram.openAgentBytes - estimateWarm) / count;
    await engram.close();
    const rssAfterClose = await settle();
    return { driver, agents: count, memoriesPerAgent: perAgent, rssBefore, rssOpen, rssAfterClose, estimatedPerHandle };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.send) {
  const [driver, count, perAgent] = process.argv.slice(2);
  process.send(await child(driver as DriverName, Number(count), Number(perAgent)));
} else {
  const count = Number(process.argv[2] ?? 100);
  const sizes = (process.argv[3] ?? '30,1000').split(',').map(Number);
  const results: (ChildResult & { perHandleMiB: number })[] = [];
  for (const perAgent of sizes)
    for (const driver of ['turso', 'sqlite'] as const) {
      const r = await new Promise<ChildResult>((resolve, reject) => {
        const p = fork(fileURLToPath(import.meta.url), [driver, String(count), String(perAgent)], { execArgv: ['--expose-gc'] });
        p.once('message', (m) => resolve(m as ChildResult));
        p.once('error', reject);
        p.once('exit', (code) => code !== 0 && reject(new Error(`child for ${driver} exited with ${code}`)));
      });
      results.push({ ...r, perHandleMiB: Math.round(((r.rssOpen - r.rssBefore) / count / MiB) * 100) / 100 });
    }
  console.log(
    '| engine | memories per agent | agents open | RSS before | RSS with all open | per handle | pool estimate | RSS after close |',
  );
  console.log(
    '| ------ | ------------------ | ----------- | ---------- | ----------------- | ---------- | ------------- | --------------- |',
  );
  for (const r of results) {
    const mb = (b: number) => `${Math.round(b / MiB)} MiB`;
    console.log(
      `| ${r.driver} | ${r.memoriesPerAgent} | ${r.agents} | ${mb(r.rssBefore)} | ${mb(r.rssOpen)} | ${r.perHandleMiB} MiB | ${Math.round((r.estimatedPerHandle / MiB) * 100) / 100} MiB | ${mb(r.rssAfterClose)} |`,
    );
  }
  mkdirSync(join(REPO_ROOT, 'results'), { recursive: true });
  writeFileSync(
    join(REPO_ROOT, 'results', 'bench-handle-rss.json'),
    JSON.stringify({ at: new Date().toISOString(), node: process.version, results }, null, 2),
  );
}

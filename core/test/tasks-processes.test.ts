import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Engram } from '../src/engram.js';
import { HashEmbedder } from '../src/embedders/hash-embedder.js';
import { DRIVER_NAMES, tempDir } from './helpers.js';

const WORKER = fileURLToPath(new URL('./fixtures/task-worker.mjs', import.meta.url));
const BUILT = fileURLToPath(new URL('../dist/index.js', import.meta.url));

interface Worker {
  /** Resolves once the worker has opened the agent. */
  ready: Promise<void>;
  start: () => void;
  /** Resolves with the ids it completed. */
  done: Promise<string[]>;
}

function spawnWorker(dir: string, driver: string, worker: string): Worker {
  const child = spawn(process.execPath, [WORKER, dir, driver, 'queue', worker, '2'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let signalReady = () => {};
  const ready = new Promise<void>((resolve) => (signalReady = resolve));
  child.stdout.setEncoding('utf8').on('data', (c: string) => {
    out += c;
    if (out.startsWith('ready\n')) signalReady();
  });
  child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
  const done = new Promise<string[]>((resolve, reject) =>
    child.on('exit', (code) =>
      code === 0
        ? resolve([...out.matchAll(/^done (task_\w+)$/gm)].map((m) => m[1]!))
        : reject(new Error(`${worker} exited ${code}: ${err}`)),
    ),
  );
  // A worker that dies before "ready" must fail the test, not hang it.
  void done.catch(() => signalReady());
  return { ready, start: () => child.stdin.write('go\n'), done };
}

describe.each(DRIVER_NAMES)('tasks claimed from two processes (%s)', (driver) => {
  it.runIf(existsSync(BUILT))('each of 60 ready tasks is claimed and completed exactly once', async () => {
    const dir = tempDir();
    const engram = await Engram.open({ dir, driver, embedder: new HashEmbedder({ dims: 64 }) });
    const agent = await engram.agent('queue');
    const ids: string[] = [];
    for (let i = 0; i < 60; i++) ids.push((await agent.tasks.create({ title: `task ${i}`, priority: i % 3 })).id);
    await engram.close();

    const workers = [spawnWorker(dir, driver, 'alpha'), spawnWorker(dir, driver, 'beta')];
    await Promise.all(workers.map((w) => w.ready));
    for (const w of workers) w.start();
    const [a = [], b = []] = await Promise.all(workers.map((w) => w.done));
    expect(new Set(a).size).toBe(a.length);
    expect(new Set(b).size).toBe(b.length);
    expect(a.filter((id) => b.includes(id))).toEqual([]);
    expect([...a, ...b].sort()).toEqual([...ids].sort());

    const check = await Engram.open({ dir, driver, embedder: new HashEmbedder({ dims: 64 }) });
    const tasks = await (await check.agent('queue')).tasks.list({ limit: 100 });
    expect(tasks.every((t) => t.status === 'done')).toBe(true);
    for (const t of tasks) expect(t.result).toEqual({ by: a.includes(t.id) ? 'alpha' : 'beta' });
    await check.close();
  });
});

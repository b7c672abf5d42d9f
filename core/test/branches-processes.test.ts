/**
 * Branches against other processes: branching an agent another process is writing, promote
 * refusing while another process holds the agent, and kill -9 in the middle of promote.
 * The child processes run the built package (npm run build).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Agent } from '../src/agent.js';
import { Engram } from '../src/engram.js';
import { HashEmbedder } from '../src/embedders/hash-embedder.js';
import type { DriverName } from '../src/drivers/types.js';
import { GATE_FILE } from '../src/drivers/open-gate.js';
import { DRIVER_NAMES, expectCode, tempDir } from './helpers.js';

const require = createRequire(import.meta.url);

const WRITER = fileURLToPath(new URL('./fixtures/writer.mjs', import.meta.url));
const PROMOTER = fileURLToPath(new URL('./fixtures/promoter.mjs', import.meta.url));
const BUILT = fileURLToPath(new URL('../dist/index.js', import.meta.url));

interface Child {
  /** The last number the child reported after `word` (e.g. "committed 12"). */
  last: () => number;
  ready: Promise<void>;
  done: Promise<number | null>;
  kill: () => void;
  stderr: () => string;
}

function child(script: string, args: string[], word: string): Child {
  const proc = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let last = 0;
  let err = '';
  let onReady!: () => void;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  const pattern = new RegExp(`${word} (\\d+)`, 'g');
  proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const m = [...chunk.matchAll(pattern)].at(-1);
    if (m) last = Number(m[1]);
    if (m || chunk.includes('ready')) onReady();
  });
  proc.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
  return {
    last: () => last,
    ready,
    done: new Promise((resolve) => proc.on('exit', (code) => resolve(code))),
    kill: () => proc.kill('SIGKILL'),
    stderr: () => err,
  };
}

const open = (dir: string, driver: DriverName) =>
  Engram.open({ dir, driver, embedder: new HashEmbedder({ dims: 64 }), lockTimeoutMs: 30_000 });

async function integrity(agent: Agent): Promise<string[]> {
  return (await agent.use((s) => s.conn.all<Record<string, unknown>>('PRAGMA integrity_check')))
    .map((r) => String(Object.values(r)[0]))
    .filter((line) => !line.includes('__turso_internal_fts'));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(DRIVER_NAMES)('branches and other processes (%s)', (driver) => {
  it.runIf(existsSync(BUILT))('branches an agent that another process is writing: every branch is a consistent state', async () => {
    const dir = tempDir();
    const engram = await open(dir, driver);
    const agent = await engram.agent('shared');
    await agent.memories.remember({ text: 'seed' });
    const w = child(WRITER, [dir, driver, 'shared', 'w', '0'], 'committed');
    try {
      await w.ready;
      for (let i = 0; i < 5; i++) {
        await agent.branches.create(`b${i}`);
        const b = await agent.branches.open(`b${i}`);
        const [row] = await b.use((s) =>
          s.conn.all<{ n: number; v: number; top: number | null }>(
            `SELECT (SELECT count(*) FROM memories WHERE text <> 'seed') AS n, (SELECT count(*) FROM memory_vectors) - 1 AS v,
                    (SELECT max(json_extract(metadata, '$.i')) FROM memories) AS top`,
          ),
        );
        // Whole transactions only: memories 1..top, each with its vector.
        expect(Number(row!.n)).toBe(Number(row!.top ?? 0));
        expect(Number(row!.v)).toBe(Number(row!.n));
        expect(await integrity(b)).toEqual(['ok']);
        if (row!.top) {
          const last = `w memory number ${row!.top}`;
          expect((await b.memories.recall(last, { mode: 'text', limit: 1 }))[0]!.memory.text).toBe(last);
        }
        await agent.branches.discard(`b${i}`);
        await sleep(30);
      }
      expect(w.last()).toBeGreaterThan(0);
    } finally {
      w.kill();
      await w.done;
      await engram.close();
    }
  });

  it('promote waits for no open in flight: while another process is opening an agent under the root, LOCKED, then it goes through', async () => {
    const dir = tempDir();
    const engram = await open(dir, driver);
    const agent = await engram.agent('gated');
    await agent.kv.set('k', 'base');
    await agent.branches.create('b');
    await (await agent.branches.open('b')).kv.set('k', 'branch');
    // Another process in the middle of an open holds the shared side of the root's gate.
    const opener = spawn(
      process.execPath,
      [
        '-e',
        `const D = require(${JSON.stringify(require.resolve('better-sqlite3'))}); const db = new D(process.argv[1], { timeout: 0 });
         db.exec('BEGIN'); db.prepare('SELECT count(*) FROM sqlite_schema').get(); process.stdout.write('holding\\n');
         process.stdin.on('end', () => { db.exec('COMMIT'); process.exit(0); }); process.stdin.resume();`,
        join(dir, 'agents', GATE_FILE),
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    const exited = new Promise((resolve) => opener.on('exit', resolve));
    try {
      await new Promise<void>((resolve) => opener.stdout.once('data', () => resolve()));
      const err = await expectCode(agent.branches.promote('b', { force: true }), 'LOCKED');
      expect((err as Error & { details?: unknown }).details).toMatchObject({ reason: 'open-in-flight' });
      expect(await agent.kv.get('k')).toBe('base');
    } finally {
      opener.stdin.end();
      await exited;
    }
    await agent.branches.promote('b', { force: true });
    expect(await agent.kv.get('k')).toBe('branch');
    await engram.close();
  });

  it.runIf(existsSync(BUILT) && process.platform === 'linux')(
    'promote refuses with LOCKED while another process holds the agent; merge replays instead',
    async () => {
      const dir = tempDir();
      const engram = await open(dir, driver);
      const agent = await engram.agent('held');
      await agent.kv.set('k', 'base');
      await agent.branches.create('b');
      const b = await agent.branches.open('b');
      await b.kv.set('k', 'branch');
      const w = child(WRITER, [dir, driver, 'held', 'w', '0'], 'committed');
      try {
        await w.ready;
        const err = await expectCode(agent.branches.promote('b', { force: true }), 'LOCKED');
        expect(err.message).toContain('another process');
        expect(await b.kv.get('k')).toBe('branch');
        const r = await agent.branches.merge('b');
        expect(r.method).toBe('replay');
        expect(await agent.kv.get('k')).toBe('branch');
      } finally {
        w.kill();
        await w.done;
      }
      // Once the other process is gone, promote works.
      await agent.branches.create('c');
      await (await agent.branches.open('c')).kv.set('k', 'c');
      await agent.branches.promote('c', { force: true });
      expect(await agent.kv.get('k')).toBe('c');
      await engram.close();
    },
  );

  it.runIf(existsSync(BUILT))('kill -9 during promote, in a loop: the agent is always the old state or the new one', async () => {
    const dir = tempDir();
    let seen = 0;
    for (let round = 0; round < 6; round++) {
      const p = child(PROMOTER, [dir, driver, 'crashy'], 'promoted');
      await p.ready;
      // Let it promote a few times, then kill it at a random moment.
      const target = seen + 2;
      const start = Date.now();
      while (p.last() < target && Date.now() - start < 30_000) await sleep(2);
      await sleep(Math.random() * 120);
      p.kill();
      await p.done;
      const reported = p.last();
      expect(reported, p.stderr()).toBeGreaterThan(seen);

      const engram = await open(dir, driver);
      const agent = await engram.agent('crashy');
      const marker = (await agent.kv.get<number>('marker')) ?? 0;
      // Nothing promoted is lost; at most the promote in flight also landed.
      expect(marker).toBeGreaterThanOrEqual(reported);
      expect(marker).toBeLessThanOrEqual(reported + 1);
      // Never a mix: every part of round `marker` is there, and nothing of a later one.
      expect(await agent.memories.count()).toBe(marker);
      expect(await agent.memories.count({ metadata: { round: marker } })).toBe(1);
      expect(await agent.files.readFile('/round.txt', 'utf8')).toBe(String(marker));
      expect(await integrity(agent)).toEqual(['ok']);
      expect((await agent.memories.recall(`round ${marker} happened`, { mode: 'text', limit: 1 }))[0]!.memory.text).toBe(
        `round ${marker} happened`,
      );
      seen = marker;
      await engram.close();
    }
  });
});

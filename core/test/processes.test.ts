import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Engram } from '../src/engram.js';
import { HashEmbedder } from '../src/embedders/hash-embedder.js';
import { DRIVER_NAMES, tempDir } from './helpers.js';

const WRITER = fileURLToPath(new URL('./fixtures/writer.mjs', import.meta.url));
const BUILT = fileURLToPath(new URL('../dist/index.js', import.meta.url));

interface Child {
  done: Promise<number | null>;
  committed: () => number;
  kill: () => void;
  stderr: () => string;
}

function writer(args: string[]): Child {
  const child = spawn(process.execPath, [WRITER, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let last = 0;
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const m = [...chunk.matchAll(/committed (\d+)/g)].at(-1);
    if (m) last = Number(m[1]);
  });
  child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
  return {
    done: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
    committed: () => last,
    kill: () => child.kill('SIGKILL'),
    stderr: () => err,
  };
}

describe.each(DRIVER_NAMES)('several processes on one agent (%s)', (driver) => {
  it.runIf(existsSync(BUILT))('two processes write the same agent database concurrently and both succeed', async () => {
    const dir = tempDir();
    const a = writer([dir, driver, 'shared', 'alpha', '60']);
    const b = writer([dir, driver, 'shared', 'beta', '60']);
    const codes = await Promise.all([a.done, b.done]);
    expect(codes, a.stderr() + b.stderr()).toEqual([0, 0]);
    const engram = await Engram.open({ dir, driver, embedder: new HashEmbedder({ dims: 64 }) });
    const agent = await engram.agent('shared');
    expect(await agent.memories.count()).toBe(120);
    expect(await agent.memories.count({ metadata: { writer: 'alpha' } })).toBe(60);
    expect(await agent.memories.count({ metadata: { writer: 'beta' } })).toBe(60);
    expect((await agent.memories.recall('beta memory number 42', { mode: 'text', limit: 1 }))[0]!.memory.text).toBe(
      'beta memory number 42',
    );
    await engram.close();
  });

  it.runIf(existsSync(BUILT))('a writer killed with SIGKILL loses no committed memory', async () => {
    const dir = tempDir();
    for (let round = 0; round < 3; round++) {
      const w = writer([dir, driver, 'crashy', `round${round}`, '0']);
      const start = Date.now();
      while (w.committed() < 25 + round * 10 && Date.now() - start < 30_000) await new Promise((r) => setTimeout(r, 5));
      w.kill();
      await w.done;
      const committed = w.committed();
      expect(committed).toBeGreaterThan(0);
      const engram = await Engram.open({ dir, driver, embedder: new HashEmbedder({ dims: 64 }) });
      const agent = await engram.agent('crashy');
      const stored = await agent.memories.count({ metadata: { writer: `round${round}` } });
      // everything reported as committed is there (one more may have committed before the kill landed)
      expect(stored).toBeGreaterThanOrEqual(committed);
      expect(stored).toBeLessThanOrEqual(committed + 1);
      const check = (await agent.use((s) => s.conn.all<Record<string, unknown>>('PRAGMA integrity_check')))
        .map((r) => String(Object.values(r)[0]))
        // Turso 0.7 miscounts its own FTS backing index even on a clean, never-crashed file.
        .filter((line) => !line.includes('__turso_internal_fts'));
      expect(check.every((line) => line === 'ok')).toBe(true);
      const last = `round${round} memory number ${committed}`;
      expect((await agent.memories.recall(last, { mode: 'text', limit: 1 }))[0]!.memory.text).toBe(last);
      await engram.close();
    }
  });

  it.runIf(existsSync(BUILT))('a writer of batches killed with SIGKILL leaves every batch whole or absent', async () => {
    const dir = tempDir();
    const batch = 200;
    for (let round = 0; round < 3; round++) {
      const w = writer([dir, driver, 'batches', `round${round}`, '0', String(batch)]);
      const start = Date.now();
      while (w.committed() < batch * (2 + round) && Date.now() - start < 60_000) await new Promise((r) => setTimeout(r, 5));
      // Killed at a different point of its next batch each round.
      await new Promise((r) => setTimeout(r, round * 7));
      w.kill();
      await w.done;
      const committed = w.committed();
      expect(committed).toBeGreaterThan(0);
      const engram = await Engram.open({ dir, driver, embedder: new HashEmbedder({ dims: 64 }) });
      const agent = await engram.agent('batches');
      const stored = await agent.memories.count({ metadata: { writer: `round${round}` } });
      expect(stored % batch).toBe(0);
      expect(stored).toBeGreaterThanOrEqual(committed);
      expect(stored).toBeLessThanOrEqual(committed + batch);
      const check = (await agent.use((s) => s.conn.all<Record<string, unknown>>('PRAGMA integrity_check')))
        .map((r) => String(Object.values(r)[0]))
        .filter((line) => !line.includes('__turso_internal_fts'));
      expect(check.every((line) => line === 'ok')).toBe(true);
      // The last batch is searchable by its words and by its vectors.
      const last = `round${round} memory number ${stored} of a batch`;
      expect((await agent.memories.recall(last, { mode: 'text', limit: 1 }))[0]!.memory.text).toBe(last);
      expect((await agent.memories.recall(last, { mode: 'vector', limit: 1 }))[0]!.memory.text).toBe(last);
      await engram.close();
    }
  });
});

describe('test prerequisites', () => {
  it('core is built (npm test builds it first)', () => {
    expect(existsSync(BUILT), 'run `npm run build` before vitest; `npm test` does it').toBe(true);
  });
});

/**
 * kill -9 during a push and during a pull, against a real sync server: no acknowledged write is
 * lost, and the next sync from the same replica completes. Also a sync server killed and
 * restarted mid-stream.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Engram } from '../src/engram.js';
import { HashEmbedder } from '../src/embedders/hash-embedder.js';
import { onCleanup, tempDir } from './helpers.js';
import { SyncServer } from './sync/sync-server.js';

const WRITER = fileURLToPath(new URL('./fixtures/sync-writer.mjs', import.meta.url));
const BUILT = fileURLToPath(new URL('../dist/index.js', import.meta.url));

interface Child {
  acked: () => number;
  lines: () => string[];
  waitFor: (line: RegExp, count?: number) => Promise<void>;
  kill9: () => Promise<void>;
}

function child(args: string[]): Child {
  const proc = spawn(process.execPath, [WRITER, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise((resolve) => proc.on('exit', resolve));
  onCleanup(() => proc.kill('SIGKILL'));
  const lines: string[] = [];
  let err = '';
  let buffered = '';
  proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const parts = buffered.split('\n');
    buffered = parts.pop()!;
    lines.push(...parts);
  });
  proc.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
  return {
    lines: () => lines,
    acked: () => Number(/ack (\d+)/.exec(lines.findLast((l) => l.startsWith('ack ')) ?? '')?.[1] ?? 0),
    async waitFor(line, count = 1) {
      const deadline = Date.now() + 30_000;
      while (lines.filter((l) => line.test(l)).length < count) {
        if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`child exited: ${err}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${line}: ${lines.slice(-5).join(' | ')} ${err}`);
        await new Promise((r) => setTimeout(r, 2));
      }
    },
    async kill9() {
      proc.kill('SIGKILL');
      await exited;
    },
  };
}

async function open(dir: string, url: string): Promise<Engram> {
  const engram = await Engram.open({ dir, embedder: new HashEmbedder({ dims: 64 }), sync: { url, intervalMs: 0 } });
  onCleanup(() => engram.close());
  return engram;
}

const texts = async (engram: Engram, id: string) =>
  new Set((await (await engram.agent(id)).memories.list({ limit: 1000 })).map((m) => m.text));

describe.runIf(existsSync(BUILT))('sync survives kill -9 (turso, real sync server)', () => {
  it('kill -9 during pushes loses no acknowledged write; the replica syncs afterwards', async () => {
    const remote = await SyncServer.start(join(tempDir(), 'remote.db'));
    onCleanup(() => remote.stop());
    for (const round of [1, 2, 3]) {
      const dir = tempDir();
      const writer = child([dir, remote.url, 'killed', `round${round}`, 'write']);
      // Killed right after the round's n-th sync started, with a little jitter to land inside it.
      await writer.waitFor(/^syncing$/, round);
      await new Promise((r) => setTimeout(r, round * 3));
      await writer.kill9();
      const acked = writer.acked();
      expect(acked).toBeGreaterThanOrEqual(20 * round);
      // The same replica reopens, syncs, and everything it acknowledged reaches the remote.
      const again = await open(dir, remote.url);
      await (await again.agent('killed')).sync();
      await again.close();
      const fresh = await open(tempDir(), remote.url);
      const seen = await texts(fresh, 'killed');
      for (let i = 1; i <= acked; i++) expect(seen.has(`round${round} memory number ${i}`), `round ${round} #${i}`).toBe(true);
    }
  });

  it('kill -9 during a pull (and a bootstrap) leaves a replica that syncs afterwards', async () => {
    const remote = await SyncServer.start(join(tempDir(), 'remote.db'));
    onCleanup(() => remote.stop());
    const source = await open(tempDir(), remote.url);
    const agent = await source.agent('pulled');
    await agent.memories.remember(Array.from({ length: 400 }, (_, i) => ({ text: `batch one ${i}` })));
    await agent.sync();
    const dir = tempDir();
    // Killed while bootstrapping (at several moments, so some land inside it).
    for (const delay of [0, 4, 10, 25]) {
      const first = child([dir, remote.url, 'pulled', 'x', 'pull']);
      await first.waitFor(/^opening$/);
      await new Promise((r) => setTimeout(r, delay));
      await first.kill9();
    }
    // Killed mid-pull of a second batch.
    const second = child([dir, remote.url, 'pulled', 'x', 'pull']);
    await second.waitFor(/^synced$/);
    await agent.memories.remember(Array.from({ length: 400 }, (_, i) => ({ text: `batch two ${i}` })));
    await agent.sync();
    await second.waitFor(/^syncing$/, second.lines().filter((l) => l === 'syncing').length + 1);
    await new Promise((r) => setTimeout(r, 2));
    await second.kill9();
    const replica = await open(dir, remote.url);
    const pulled = await replica.agent('pulled');
    await pulled.sync();
    expect((await pulled.memories.list({ limit: 1000 })).length).toBe(800);
    // And its own writes still go out.
    await pulled.memories.remember({ text: 'after the crash' });
    await pulled.sync();
    await agent.sync();
    expect((await agent.memories.list({ limit: 1000 })).length).toBe(801);
  });

  it('a sync server killed -9 right after acknowledging pushes, and restarted, has every pushed write', async () => {
    const remote = await SyncServer.start(join(tempDir(), 'remote.db'));
    onCleanup(() => remote.stop());
    const writer = await open(tempDir(), remote.url);
    const agent = await writer.agent('durable');
    let written = 0;
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 30; i++) await agent.memories.remember({ text: `durable ${written++}` });
      await agent.sync();
      await remote.stop(); // SIGKILL, right after the push was acknowledged
      await remote.restart();
    }
    const fresh = await open(tempDir(), remote.url);
    const seen = await texts(fresh, 'durable');
    expect(seen.size).toBe(written);
  });

  it('two processes with their own directories write one agent through a server outage and kill -9: the union of every acknowledged write survives', async () => {
    const remote = await SyncServer.start(join(tempDir(), 'remote.db'));
    onCleanup(() => remote.stop());
    const dirs = [tempDir(), tempDir()];
    const writers = dirs.map((dir, i) => child([dir, remote.url, 'shared', i === 0 ? 'alpha' : 'beta', 'write']));
    const until = async (ok: () => boolean) => {
      const deadline = Date.now() + 60_000;
      while (!ok()) {
        if (Date.now() > deadline) throw new Error(`timed out: ${writers.map((w) => w.lines().slice(-3).join(' | ')).join(' || ')}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    await until(() => writers.every((w) => w.acked() >= 40));
    await remote.stop();
    const downAt = writers.map((w) => w.acked());
    await until(() => writers.every((w, i) => w.acked() >= downAt[i]! + 40)); // offline writes on both
    await remote.restart();
    const upAt = writers.map((w) => w.lines().filter((l) => l === 'synced').length);
    await until(() => writers.every((w, i) => w.lines().filter((l) => l === 'synced').length >= upAt[i]! + 2));
    for (const w of writers) await w.kill9();
    // Both really wrote through the outage: their syncs failed meanwhile, and later succeeded.
    for (const w of writers) expect(w.lines()).toContain('sync failed SYNC_UNAVAILABLE');
    const acked = writers.map((w) => w.acked());
    // Each replica reopens and syncs; then both, and a new directory, hold the union.
    const replicas = [await open(dirs[0]!, remote.url), await open(dirs[1]!, remote.url)];
    for (const r of [...replicas, replicas[0]!]) await (await r.agent('shared')).sync();
    const expected = [
      ...Array.from({ length: acked[0]! }, (_, i) => `alpha memory number ${i + 1}`),
      ...Array.from({ length: acked[1]! }, (_, i) => `beta memory number ${i + 1}`),
    ];
    for (const engram of [...replicas, await open(tempDir(), remote.url)]) {
      const seen = await engram.agent('shared').then((a) => a.use((s) => s.conn.all<{ text: string }>('SELECT text FROM memories')));
      const set = new Set(seen.map((r) => r.text));
      expect(expected.filter((t) => !set.has(t))).toEqual([]);
    }
  });
});

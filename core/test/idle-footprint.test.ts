import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { connect } from '@tursodatabase/database';
import { describe, expect, it } from 'vitest';
import { Engram } from '../src/engram.js';
import { HashEmbedder } from '../src/embedders/hash-embedder.js';
import { FunctionEmbedder } from '../src/embedders/function-embedder.js';
import { pageSizeFor } from '../src/schema/page-size.js';
import { GATE_FILE } from '../src/drivers/open-gate.js';
import { DRIVER_NAMES, tempDir } from './helpers.js';

const HOLDER = fileURLToPath(new URL('./fixtures/holder.mjs', import.meta.url));
const REOPENER = fileURLToPath(new URL('./fixtures/reopener.mjs', import.meta.url));
const BUILT = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const LINUX = process.platform === 'linux';

const MEMORIES = [
  'Carol booked a flight to Lisbon in March',
  'Bob prefers green tea every morning',
  'Alice reviewed the quarterly report yesterday',
  'Dave cancelled the team offsite before the holidays',
  'Erin bought hiking boots last week',
];

/** Every file under `dir` (relative path -> bytes). */
function files(dir: string): Map<string, number> {
  const out = new Map<string, number>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(p.slice(dir.length + 1), statSync(p).size);
    }
  };
  walk(dir);
  return out;
}

function pageSize(path: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return db.pragma('page_size', { simple: true }) as number;
  } finally {
    db.close();
  }
}

describe('page size of new agents', () => {
  it('is the smallest (from 1 KB) in which a vector row stays on its leaf page', () => {
    expect(pageSizeFor(64)).toBe(1024);
    expect(pageSizeFor(100)).toBe(1024); // the default word vectors
    expect(pageSizeFor(240)).toBe(1024);
    expect(pageSizeFor(250)).toBe(2048);
    expect(pageSizeFor(384)).toBe(2048); // MiniLM
    expect(pageSizeFor(500)).toBe(4096);
    expect(pageSizeFor(1536)).toBe(4096);
  });
});

describe.each(DRIVER_NAMES)('idle footprint (%s)', (driver) => {
  it('an idle agent with a few memories takes at most 32 KB on disk, all its files counted', async () => {
    const dir = tempDir();
    const engram = await Engram.open({ dir, driver, embedder: new HashEmbedder({ dims: 100 }) });
    const agent = await engram.agent('small');
    await agent.memories.remember(MEMORIES.map((text) => ({ text })));
    await engram.close();
    const all = files(dir);
    // The root's open gate (a lock file, always empty) is not the agent's.
    expect(all.get(join('agents', GATE_FILE)) ?? 0).toBe(0);
    const agentFiles = [...all].filter(([name]) => name.startsWith('agents') && !name.endsWith(GATE_FILE));
    const bytes = [...all.values()].reduce((a, b) => a + b, 0);
    expect(bytes, JSON.stringify([...all])).toBeLessThanOrEqual(32 * 1024);
    // Only the database itself: no WAL, no shared-memory or coordination file.
    expect(agentFiles.map(([name]) => name.replace(/.*\//, ''))).toEqual(['small.db']);
    expect(pageSize(join(dir, agentFiles[0]![0]))).toBe(1024);
    // Still a sound agent that answers.
    const again = await Engram.open({ dir, driver, embedder: new HashEmbedder({ dims: 100 }) });
    const hits = await (await again.agent('small')).memories.recall('green tea', { limit: 1 });
    expect(hits[0]!.memory.text).toBe('Bob prefers green tea every morning');
    await again.close();
  });

  it('an existing agent file keeps its page size and opens as before', async () => {
    const dir = tempDir();
    const embedder = new HashEmbedder({ dims: 64 });
    const engram = await Engram.open({ dir, driver, embedder });
    const path = engram.pathOf('old');
    await engram.close();
    // A file made before page sizes were chosen: 4 KB pages, something already in it.
    mkdirSync(dirname(path), { recursive: true });
    if (driver === 'turso') {
      const db = await connect(path);
      await db.exec('CREATE TABLE leftover (x)');
      await db.close();
    } else {
      const db = new Database(path);
      db.exec('CREATE TABLE leftover (x)');
      db.close();
    }
    expect(pageSize(path)).toBe(4096);
    const reopened = await Engram.open({ dir, driver, embedder });
    const agent = await reopened.agent('old');
    await agent.memories.remember(MEMORIES.map((text) => ({ text })));
    expect(await agent.memories.count()).toBe(MEMORIES.length);
    await reopened.close();
    expect(pageSize(path)).toBe(4096);
  });

  it('a 384-dimension embedder gets 2 KB pages, where its vectors fit a leaf', async () => {
    const dir = tempDir();
    const embedder = new FunctionEmbedder(async (texts) => texts.map((_, i) => Array.from({ length: 384 }, (_, j) => ((i + j) % 7) - 3)), {
      id: 'wide@1',
      dims: 384,
    });
    const engram = await Engram.open({ dir, driver, embedder });
    const agent = await engram.agent('wide');
    await agent.memories.remember(MEMORIES.map((text) => ({ text })));
    const path = agent.path;
    await engram.close();
    expect(pageSize(path)).toBe(2048);
    const db = new Database(path, { readonly: true });
    // No vector row spilled into an overflow page.
    const overflow = db.prepare(`SELECT count(*) AS n FROM dbstat WHERE name = 'memory_vectors' AND pagetype = 'overflow'`).get() as {
      n: number;
    };
    db.close();
    expect(overflow.n).toBe(0);
  });
});

describe.each(DRIVER_NAMES)('pageSize option (%s)', (driver) => {
  it('gives new agents the page size asked for, and leaves existing ones theirs', async () => {
    const dir = tempDir();
    const small = await Engram.open({ dir, driver, embedder: new HashEmbedder({ dims: 64 }) });
    const before = await small.agent('before');
    await before.memories.remember([{ text: MEMORIES[0]! }]);
    await small.close();
    const large = await Engram.open({ dir, driver, embedder: new HashEmbedder({ dims: 64 }), pageSize: 8192 });
    const after = await large.agent('after');
    await after.memories.remember(MEMORIES.map((text) => ({ text })));
    expect((await (await large.agent('before')).memories.list()).length).toBe(1);
    await large.close();
    expect(pageSize(after.path)).toBe(8192);
    expect(pageSize(before.path)).toBe(1024);
  });

  it.each([512, 3000, 131072, 1.5, '4096', null])('refuses %j with INVALID_ARGUMENT before touching the directory', async (pageSize) => {
    const dir = join(tempDir(), 'never');
    await expect(Engram.open({ dir, driver, pageSize: pageSize as number })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(existsSync(dir)).toBe(false);
  });
});

describe('page size of encrypted agents (turso)', () => {
  it('stays 4 KB: the engine encrypts no other size', async () => {
    const dir = tempDir();
    const encryptionKey = 'ab'.repeat(32);
    const engram = await Engram.open({ dir, driver: 'turso', embedder: new HashEmbedder({ dims: 100 }) });
    const agent = await engram.agent('secret', { encryptionKey });
    await agent.memories.remember(MEMORIES.map((text) => ({ text })));
    const size = await agent.use((s) => s.conn.get<{ page_size: number }>('PRAGMA page_size'));
    expect(size?.page_size).toBe(4096);
    await engram.close();
    const again = await Engram.open({ dir, driver: 'turso', embedder: new HashEmbedder({ dims: 100 }) });
    expect(await (await again.agent('secret', { encryptionKey })).memories.count()).toBe(MEMORIES.length);
    await again.close();
  });
});

interface Holder {
  count(): Promise<number>;
  exit(): Promise<number | null>;
}

/** A child process holding `agentId` open (fixtures/holder.mjs). */
async function holder(dir: string, agentId: string): Promise<Holder> {
  const child = spawn(process.execPath, [HOLDER, dir, 'turso', agentId], { stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const next = async () => {
    const line = await lines.next();
    if (line.done) throw new Error(`holder exited: ${err}`);
    return line.value;
  };
  expect(await next()).toBe('ready');
  return {
    async count() {
      child.stdin.write('count\n');
      return Number((await next()).replace('count ', ''));
    },
    async exit() {
      child.stdin.write('exit\n');
      return exited;
    },
  };
}

function reopener(dir: string, prefix: string, count: number): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [REOPENER, dir, 'turso', 'shared', prefix, String(count)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stderr })));
}

describe.runIf(LINUX && existsSync(BUILT))('turso side files with two processes', () => {
  it('closing an agent another process has open keeps its coordination files, and the two still see each other', async () => {
    const dir = tempDir();
    const engram = await Engram.open({ dir, driver: 'turso', embedder: new HashEmbedder({ dims: 64 }), idleTimeoutMs: 0 });
    const path = engram.pathOf('shared');
    const other = await holder(dir, 'shared');
    expect(existsSync(`${path}-tshm`)).toBe(true);
    for (let i = 1; i <= 3; i++) {
      const agent = await engram.agent('shared');
      await agent.memories.remember({ text: `written here, round ${i}` });
      await agent.close();
      // The other process still has it open: removing its coordination file would split the two.
      expect(existsSync(`${path}-tshm`)).toBe(true);
      expect(await other.count()).toBe(1 + i);
    }
    expect(await other.exit()).toBe(0);
    // Now nobody has it open: the next close leaves the database alone.
    const agent = await engram.agent('shared');
    expect(await agent.memories.count()).toBe(4);
    await agent.close();
    expect(existsSync(`${path}-tshm`)).toBe(false);
    expect(existsSync(`${path}-wal`)).toBe(false);
    await engram.close();
  });

  it('a removal waits for opens in flight in other processes (the gate), then happens in the background', async () => {
    const dir = tempDir();
    const engram = await Engram.open({ dir, driver: 'turso', embedder: new HashEmbedder({ dims: 64 }), idleTimeoutMs: 0 });
    const agent = await engram.agent('gated');
    await agent.memories.remember({ text: 'one memory' });
    // Another process in the middle of an open: it holds the gate's shared side.
    const opener = spawn(
      process.execPath,
      [
        '-e',
        `const db = new (require('better-sqlite3'))(process.argv[1]); db.exec('BEGIN'); db.prepare('SELECT count(*) FROM sqlite_schema').get();
         process.stdout.write('holding\\n'); process.stdin.once('data', () => { db.exec('COMMIT'); process.exit(0); });`,
        engram.gate,
      ],
      { stdio: ['pipe', 'pipe', 'inherit'], cwd: fileURLToPath(new URL('..', import.meta.url)) },
    );
    const exited = new Promise((resolve) => opener.on('exit', resolve));
    await new Promise((resolve) => opener.stdout.once('data', resolve));
    await agent.close();
    expect(existsSync(`${agent.path}-tshm`)).toBe(true);
    opener.stdin.write('go\n');
    await exited;
    const start = Date.now();
    while (existsSync(`${agent.path}-tshm`) && Date.now() - start < 5_000) await new Promise((r) => setTimeout(r, 20));
    expect(existsSync(`${agent.path}-tshm`)).toBe(false);
    expect(existsSync(`${agent.path}-wal`)).toBe(false);
    await engram.close();
  });

  it('two processes opening and closing one agent over and over lose nothing', async () => {
    const dir = tempDir();
    const rounds = 40;
    const results = await Promise.all([reopener(dir, 'alpha', rounds), reopener(dir, 'beta', rounds)]);
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const engram = await Engram.open({ dir, driver: 'turso', embedder: new HashEmbedder({ dims: 64 }) });
    const agent = await engram.agent('shared');
    expect(await agent.memories.count({ metadata: { writer: 'alpha' } })).toBe(rounds);
    expect(await agent.memories.count({ metadata: { writer: 'beta' } })).toBe(rounds);
    const check = await agent.use((s) => s.conn.all<Record<string, unknown>>('PRAGMA integrity_check'));
    expect(check.map((r) => String(Object.values(r)[0]))).toEqual(['ok']);
    const path = agent.path;
    await engram.close();
    expect(existsSync(`${path}-tshm`)).toBe(false);
  });
});

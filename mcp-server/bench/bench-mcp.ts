/**
 * MCP round trips against direct core calls: remember and recall on an agent seeded with 1k
 * and with 10k memories, over a spawned `engram mcp` stdio server and straight on
 * `agent.memories` (the baseline, same run), on each driver. Default embedder (GloVe 100-d word
 * vectors, offline) on both paths. The memory_recall p50 over stdio is checked against its
 * target beside the core call: at 1k memories 1.5 ms on turso and 1.0 ms on sqlite (issue 16),
 * at 10k 10 ms (issue 5). Tables go to stdout, progress to stderr, everything to
 * results/bench-mcp.json.
 *
 *   npm run bench:mcp                          1k and 10k memories, 300 calls of each kind, both drivers
 *   npm run bench:mcp -- --memories=1000 --calls=100 --drivers=turso
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Engram, type DriverName, type RememberInput } from '@engram/core';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
/** memory_recall p50 over stdio (ms), by memories in the agent, per driver; where the target is set. */
const RECALL_P50_TARGETS: ReadonlyMap<number, { ms: Readonly<Record<DriverName, number>>; source: string }> = new Map([
  [1000, { ms: { turso: 1.5, sqlite: 1.0 }, source: 'issue 16' }],
  [10_000, { ms: { turso: 10, sqlite: 10 }, source: 'issue 5' }],
]);
const AGENT = 'bench-agent';

function option(name: string, fallback: string): string {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  return arg === undefined ? fallback : arg.slice(name.length + 3);
}
const SIZES = option('memories', '1000,10000').split(',').map(Number);
const CALLS = Number(option('calls', '300'));
const WARMUP = 30;
const DRIVERS = option('drivers', 'turso,sqlite').split(',') as DriverName[];

const say = (line: string) => process.stderr.write(`[bench:mcp ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

/** Deterministic pseudo-random numbers (mulberry32), so every run stores the same sentences. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = rng(42);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
const NAMES = ['Alice', 'Bob', 'Carol', 'Dave', 'Erin', 'Frank', 'Grace', 'Heidi', 'Ivan', 'Judy', 'Mallory', 'Oscar', 'Peggy', 'Trent'];
const VERBS = ['prefers', 'booked', 'cancelled', 'asked about', 'reviewed', 'forgot', 'bought', 'recommended', 'disliked', 'scheduled'];
const THINGS = [
  'green tea',
  'the quarterly report',
  'a dentist appointment',
  'the Berlin trip',
  'dark mode',
  'espresso',
  'the budget review',
  'a flight to Lisbon',
  'the team offsite',
  'jazz concerts',
  'the database migration',
  'a new laptop',
  'vegetarian food',
  'the contract renewal',
  'morning standups',
  'the marketing plan',
  'hiking boots',
  'the client demo',
  'a yoga class',
  'the release checklist',
];
const WHEN = ['on Monday', 'last week', 'for next month', 'every morning', 'in March', 'after lunch', 'before the holidays', 'yesterday'];
const sentence = () => `${pick(NAMES)} ${pick(VERBS)} ${pick(THINGS)} ${pick(WHEN)}`;
const query = () =>
  pick([`what does ${pick(NAMES)} like?`, `${pick(THINGS)}`, `who ${pick(VERBS)} ${pick(THINGS)}?`, `plans ${pick(WHEN)}`]);

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
const round = (x: number) => Math.round(x * 1000) / 1000;

interface Row {
  driver: DriverName;
  /** Memories in the agent. */
  memories: number;
  path: 'core' | 'mcp stdio';
  op: 'remember' | 'recall';
  calls: number;
  p50: number;
  p95: number;
  mean: number;
  /** The recall target over MCP stdio (ms) and whether the p50 meets it. */
  target?: { p50Ms: number; source: string; status: 'PASS' | 'MISS' };
}

async function measure(n: number, fn: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < WARMUP; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
  }
  return samples;
}

function row(driver: DriverName, memories: number, path: Row['path'], op: Row['op'], samples: number[]): Row {
  const p50 = round(percentile(samples, 50));
  const target = op === 'recall' && path !== 'core' ? RECALL_P50_TARGETS.get(memories) : undefined;
  return {
    driver,
    memories,
    path,
    op,
    calls: samples.length,
    p50,
    p95: round(percentile(samples, 95)),
    mean: round(samples.reduce((a, b) => a + b, 0) / samples.length),
    ...(target
      ? {
          target: {
            p50Ms: target.ms[driver],
            source: target.source,
            status: p50 <= target.ms[driver] ? ('PASS' as const) : ('MISS' as const),
          },
        }
      : {}),
  };
}

async function seed(dir: string, driver: DriverName, memories: number): Promise<string> {
  const engram = await Engram.open({ dir, driver });
  const agent = await engram.agent(AGENT);
  const t = performance.now();
  for (let done = 0; done < memories; done += 1000) {
    const batch: RememberInput[] = Array.from({ length: Math.min(1000, memories - done) }, () => ({
      text: sentence(),
      kind: pick(['fact', 'event', 'preference']),
      tags: [pick(NAMES).toLowerCase()],
    }));
    await agent.memories.remember(batch);
  }
  say(`${driver}: seeded ${memories} memories through core in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const embedder = engram.embedder.id;
  await engram.close();
  return embedder;
}

async function direct(dir: string, driver: DriverName, memories: number): Promise<Row[]> {
  const engram = await Engram.open({ dir, driver });
  try {
    const agent = await engram.agent(AGENT);
    const recall = await measure(CALLS, () => agent.memories.recall(query(), { limit: 10 }));
    const remember = await measure(CALLS, () => agent.memories.remember({ text: sentence() }));
    return [row(driver, memories, 'core', 'recall', recall), row(driver, memories, 'core', 'remember', remember)];
  } finally {
    await engram.close();
  }
}

async function overStdio(dir: string, driver: DriverName, memories: number): Promise<Row[]> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, 'mcp', '--agent', AGENT, '--dir', dir, '--driver', driver],
  });
  const client = new Client({ name: 'bench-mcp', version: '1.0.0' });
  await client.connect(transport);
  try {
    await client.listTools(); // the client checks structured results against the output schemas, as real clients may
    const callTool = async (name: string, args: Record<string, unknown>) => {
      const result = await client.callTool({ name, arguments: args });
      if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.content)}`);
    };
    const recall = await measure(CALLS, () => callTool('memory_recall', { query: query(), limit: 10 }));
    const remember = await measure(CALLS, () => callTool('memory_remember', { memories: [{ text: sentence() }] }));
    return [row(driver, memories, 'mcp stdio', 'recall', recall), row(driver, memories, 'mcp stdio', 'remember', remember)];
  } finally {
    await client.close();
  }
}

function table(rows: Row[]): string {
  const header = ['memories', 'driver', 'op', 'path', 'calls', 'p50 ms', 'p95 ms', 'mean ms', 'MCP overhead p50', 'target'];
  const body = rows.map((r) => {
    const core = rows.find((c) => c.memories === r.memories && c.driver === r.driver && c.op === r.op && c.path === 'core')!;
    const diff = r.p50 - core.p50;
    const overhead = r.path === 'core' ? '' : `${diff >= 0 ? '+' : '-'}${Math.abs(diff).toFixed(2)} ms`;
    const target = r.target ? `p50<=${r.target.p50Ms}ms ${r.target.status} (${r.target.source})` : '';
    return [
      r.memories.toLocaleString('en-US'),
      r.driver,
      r.op,
      r.path,
      String(r.calls),
      r.p50.toFixed(2),
      r.p95.toFixed(2),
      r.mean.toFixed(2),
      overhead,
      target,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

const tmp = mkdtempSync(join(os.tmpdir(), 'engram-bench-mcp-'));
process.once('SIGINT', () => {
  rmSync(tmp, { recursive: true, force: true });
  process.exit(130);
});
try {
  const rows: Row[] = [];
  let embedder = '';
  for (const memories of SIZES) {
    for (const driver of DRIVERS) {
      const dir = join(tmp, `${driver}-${memories}`);
      embedder = await seed(dir, driver, memories);
      rows.push(...(await direct(dir, driver, memories)));
      say(`${driver}, ${memories} memories: core calls done`);
      rows.push(...(await overStdio(dir, driver, memories)));
      say(`${driver}, ${memories} memories: MCP stdio calls done`);
    }
  }
  rows.sort(
    (a, b) => a.memories - b.memories || a.driver.localeCompare(b.driver) || a.op.localeCompare(b.op) || a.path.localeCompare(b.path),
  );
  process.stdout.write(
    `\n== MCP round trips vs direct core calls (the baseline): ${SIZES.join(' and ')} memories in the agent, embedder ${embedder}, recall limit 10 (hybrid)\n${table(rows)}\n`,
  );
  const results = {
    bench: 'mcp',
    date: new Date().toISOString(),
    machine: { cpu: os.cpus()[0]?.model, cores: os.cpus().length, node: process.version, os: `${os.type()} ${os.release()}` },
    options: { memories: SIZES, calls: CALLS, warmup: WARMUP, drivers: DRIVERS, embedder, transport: 'stdio (spawned engram mcp)' },
    targets: [...RECALL_P50_TARGETS].map(([memories, t]) => ({ memories, recallP50Ms: t.ms, source: t.source })),
    results: rows,
  };
  mkdirSync(join(REPO_ROOT, 'results'), { recursive: true });
  writeFileSync(join(REPO_ROOT, 'results', 'bench-mcp.json'), `${JSON.stringify(results, null, 2)}\n`);
  say('wrote results/bench-mcp.json');
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

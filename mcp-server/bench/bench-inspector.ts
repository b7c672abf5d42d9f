/**
 * How fast the inspector's pages come back on a big agent: seeds one agent with N memories
 * (default 100k, spread over 90 days; the default GloVe embedder), serves it, and times GETs
 * of the pages a person opens first: the agent list, the overview (with its charts), the first
 * and a deep page of memories, a recall, one memory. Tables to stdout, progress to stderr,
 * everything to results/bench-inspector.json.
 *
 *   npm run bench:inspector                                 100k memories, 20 GETs a page, turso
 *   npm run bench:inspector -- --memories=10000 --gets=10 --drivers=turso,sqlite
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Engram, type DriverName, type RememberInput } from '@engram/core';
import { startHttpServer } from '@engram/mcp-server';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const AGENT = 'bench-agent';

function option(name: string, fallback: string): string {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  return arg === undefined ? fallback : arg.slice(name.length + 3);
}
const MEMORIES = Number(option('memories', '100000'));
const GETS = Number(option('gets', '20'));
const DRIVERS = option('drivers', 'turso').split(',') as DriverName[];
const say = (line: string) => process.stderr.write(`[bench:inspector ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

const WORDS =
  'alice bob carol dave tea coffee report meeting lisbon berlin queue billing deploy staging database invoice travel flight hotel budget'.split(
    ' ',
  );

function get(url: string): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    request(url, (res) => {
      let bytes = 0;
      res.on('data', (d: Buffer) => (bytes += d.length));
      res.on('end', () => resolve({ status: res.statusCode!, bytes }));
    })
      .on('error', reject)
      .end();
  });
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

interface Row {
  driver: string;
  page: string;
  p50: number;
  p95: number;
  kb: number;
}

async function run(driver: DriverName): Promise<Row[]> {
  const dir = mkdtempSync(join(os.tmpdir(), 'engram-bench-inspector-'));
  try {
    const engram = await Engram.open({ dir, driver });
    const agent = await engram.agent(AGENT);
    const now = Date.now();
    const t0 = performance.now();
    for (let i = 0; i < MEMORIES; i += 1000) {
      const batch: RememberInput[] = Array.from({ length: Math.min(1000, MEMORIES - i) }, (_, j) => {
        const n = i + j;
        return {
          text: `Note ${n}: ${WORDS[n % WORDS.length]} and ${WORDS[(n * 7) % WORDS.length]} on day ${n % 90}`,
          kind: n % 3 === 0 ? 'event' : 'fact',
          tags: [WORDS[n % 5]!],
          validFrom: now - (n % 90) * 86_400_000,
        };
      });
      await agent.memories.remember(batch);
      if ((i / 1000) % 20 === 0) say(`${driver}: ${i + batch.length} memories`);
    }
    say(`${driver}: seeded ${MEMORIES} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const [one] = await agent.memories.list({ limit: 1 });
    const http = await startHttpServer({ engram, port: 0 });
    const base = `${http.url}/agents/${AGENT}`;
    const pages: [string, string][] = [
      ['agents list', `${http.url}/`],
      ['overview + charts', `${base}/`],
      ['memories page 1', `${base}/memories`],
      [`memories offset ${Math.max(0, MEMORIES - 50).toLocaleString('en-US')}`, `${base}/memories?offset=${Math.max(0, MEMORIES - 50)}`],
      ['memories filtered (kind)', `${base}/memories?kind=event`],
      ['recall (hybrid, 50)', `${base}/memories?q=${encodeURIComponent('alice tea in lisbon')}`],
      ['one memory', `${base}/memories/${one!.id}`],
    ];
    const rows: Row[] = [];
    for (const [page, url] of pages) {
      const first = await get(url); // warm-up (and opens caches)
      if (first.status !== 200) throw new Error(`${page}: HTTP ${first.status}`);
      const times: number[] = [];
      for (let i = 0; i < GETS; i++) {
        const t = performance.now();
        await get(url);
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      rows.push({ driver, page, p50: pct(times, 50), p95: pct(times, 95), kb: first.bytes / 1024 });
    }
    await http.close();
    await engram.close();
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const all: Row[] = [];
for (const driver of DRIVERS) all.push(...(await run(driver)));
const lines = [
  `Inspector pages on one agent with ${MEMORIES.toLocaleString('en-US')} memories (${GETS} GETs each after a warm-up, loopback HTTP)`,
  '',
  '| driver | page | p50 | p95 | size |',
  '| ------ | ---- | --- | --- | ---- |',
  ...all.map((r) => `| ${r.driver} | ${r.page} | ${r.p50.toFixed(1)} ms | ${r.p95.toFixed(1)} ms | ${r.kb.toFixed(0)} KB |`),
];
process.stdout.write(`${lines.join('\n')}\n`);
mkdirSync(join(REPO_ROOT, 'results'), { recursive: true });
writeFileSync(
  join(REPO_ROOT, 'results', 'bench-inspector.json'),
  JSON.stringify({ memories: MEMORIES, gets: GETS, cpus: os.cpus().length, node: process.version, rows: all }, null, 2),
);

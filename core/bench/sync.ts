/**
 * Sync benchmark, against a real sync server (`tursodb --sync-server` on loopback, from the
 * `turso` devDependency): replication lag between two replicas under a steady write load, push
 * and pull cost per memory (bytes, ms), and the bootstrap time of a 10k-memory agent on a new
 * directory. Default embedder (offline GloVe, 100 dims). Tables to stdout, progress to stderr,
 * everything to results/bench-sync.json.
 *
 *   npm run bench:sync                 full run (30 s of load at 10 writes/s, 1 s sync interval; 10k bootstrap)
 *   npm run bench:sync -- --quick      smoke run (8 s of load, 2k bootstrap)
 */
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engram } from '../src/engram.js';
import { WordVectorEmbedder } from '../src/embedders/word-vectors.js';
import { SyncServer } from '../test/sync/sync-server.js';
import { machineInfo, REPO_ROOT, TempRoot, WORD_VECTORS_PATH } from './lib/env.js';
import { log, table } from './lib/report.js';
import { now, round, summarize, type Summary } from './lib/stats.js';

const quick = process.argv.includes('--quick');
const LOAD_SECONDS = quick ? 8 : 30;
const WRITES_PER_SECOND = 10;
const INTERVAL_MS = 1000;
const COST_BATCHES = quick ? [50, 200] : [100, 1000];
const BOOTSTRAP_MEMORIES = quick ? 2000 : 10_000;

const tmp = new TempRoot();
const servers: SyncServer[] = [];
const engrams: Engram[] = [];
const embedder = await WordVectorEmbedder.load({ path: WORD_VECTORS_PATH });

const sentence = (i: number) =>
  `Note ${i}: the user mentioned that the ${['blue', 'green', 'red', 'amber'][i % 4]} project review moves to ${['Monday', 'Wednesday', 'Friday'][i % 3]} at ${8 + (i % 9)} o'clock, and that ${['Ana', 'Bo', 'Chen', 'Dee'][i % 4]} owns the follow-up.`;

async function remote(name: string): Promise<SyncServer> {
  const s = await SyncServer.start(join(tmp.dir(name), 'remote.db'));
  servers.push(s);
  return s;
}

async function replica(url: string, intervalMs: number): Promise<Engram> {
  const e = await Engram.open({ dir: tmp.dir('replica'), embedder, sync: { url, intervalMs } });
  engrams.push(e);
  return e;
}

/** Lag from a write's acknowledgement on A to its first sighting on B, both syncing every INTERVAL_MS. */
async function lag(): Promise<{ summary: Summary; writes: number; intervalMs: number; writesPerSecond: number }> {
  const server = await remote('lag');
  const a = await replica(server.url, INTERVAL_MS);
  const b = await replica(server.url, INTERVAL_MS);
  const agentA = await a.agent('lag');
  const agentB = await b.agent('lag');
  const acked = new Map<number, number>();
  const lags: number[] = [];
  let writing = true;
  const reader = (async () => {
    const seen = new Set<number>();
    while (writing || seen.size < acked.size) {
      const rows = await agentB.use((s) => s.conn.all<{ i: number }>(`SELECT json_extract(metadata, '$.i') AS i FROM memories`));
      const t = now();
      for (const { i } of rows) {
        if (seen.has(i)) continue;
        seen.add(i);
        const at = acked.get(i);
        if (at !== undefined) lags.push(t - at);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const total = LOAD_SECONDS * WRITES_PER_SECOND;
  const start = now();
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / WRITES_PER_SECOND;
    if (due > now()) await new Promise((r) => setTimeout(r, due - now()));
    await agentA.memories.remember({ text: sentence(i), metadata: { i } });
    acked.set(i, now());
    if (i % 50 === 0) log(`lag: ${i}/${total} writes`);
  }
  writing = false;
  await reader;
  return { summary: summarize(lags), writes: total, intervalMs: INTERVAL_MS, writesPerSecond: WRITES_PER_SECOND };
}

interface CostRow {
  memories: number;
  pushMs: number;
  pushBytes: number;
  pullMs: number;
  pullBytes: number;
}

/** One explicit sync on A after `n` single-memory writes (push), then one on B (pull). */
async function cost(): Promise<CostRow[]> {
  const out: CostRow[] = [];
  for (const n of COST_BATCHES) {
    const server = await remote(`cost-${n}`);
    const a = await replica(server.url, 0);
    const b = await replica(server.url, 0);
    const agentA = await a.agent('cost');
    const agentB = await b.agent('cost');
    await agentA.sync();
    await agentB.sync();
    for (let i = 0; i < n; i++) await agentA.memories.remember({ text: sentence(i), metadata: { i } });
    const push = await agentA.sync();
    const pull = await agentB.sync();
    out.push({ memories: n, pushMs: push.ms, pushBytes: push.bytesSent, pullMs: pull.ms, pullBytes: pull.bytesReceived });
    log(`cost: ${n} memories pushed in ${round(push.ms, 1)} ms, pulled in ${round(pull.ms, 1)} ms`);
  }
  return out;
}

/** Time for a new directory to open an agent that exists only on the remote. */
async function bootstrap(): Promise<{ memories: number; openMs: number; remoteBytes: number; firstRecallMs: number; pullOneMs: number[] }> {
  const server = await remote('bootstrap');
  const a = await replica(server.url, 0);
  const agentA = await a.agent('boot');
  for (let i = 0; i < BOOTSTRAP_MEMORIES; i += 1000) {
    await agentA.memories.remember(Array.from({ length: Math.min(1000, BOOTSTRAP_MEMORIES - i) }, (_, j) => ({ text: sentence(i + j) })));
    log(`bootstrap: ${i + 1000}/${BOOTSTRAP_MEMORIES} written`);
  }
  await agentA.sync();
  const walBytes = (() => {
    try {
      return statSync(`${server.file}-wal`).size;
    } catch {
      return 0;
    }
  })();
  const c = await replica(server.url, 0);
  const t0 = now();
  const agentC = await c.agent('boot');
  const openMs = now() - t0;
  const t1 = now();
  await agentC.memories.recall('who owns the follow-up of the amber review?');
  const firstRecallMs = now() - t1;
  const count = (await agentC.use((s) => s.conn.get<{ n: number }>('SELECT count(*) AS n FROM memories')))!.n;
  if (count !== BOOTSTRAP_MEMORIES) throw new Error(`bootstrap brought ${count} memories, expected ${BOOTSTRAP_MEMORIES}`);
  // Steady state on a large replica: one new memory elsewhere, then a sync here (pull + reconcile).
  const pullOneMs: number[] = [];
  for (let i = 0; i < 10; i++) {
    await agentA.memories.remember({ text: sentence(BOOTSTRAP_MEMORIES + i) });
    await agentA.sync();
    pullOneMs.push((await agentC.sync()).ms);
  }
  return { memories: BOOTSTRAP_MEMORIES, openMs, remoteBytes: statSync(server.file).size + walBytes, firstRecallMs, pullOneMs };
}

/** A task claim on a synced agent: sync, compare-and-set on the remote, sync (see TaskStore.claim). */
async function claims(): Promise<Summary> {
  const server = await remote('claims');
  const a = await replica(server.url, 0);
  const agent = await a.agent('claims');
  for (let i = 0; i < 20; i++) await agent.tasks.create({ title: `job ${i}` });
  await agent.sync();
  const ms: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t0 = now();
    const task = await agent.tasks.claim({ worker: 'bench' });
    ms.push(now() - t0);
    if (!task) throw new Error('no task to claim');
  }
  return summarize(ms);
}

try {
  const startedAt = new Date();
  log(`bench:sync ${quick ? '(quick) ' : ''}against tursodb --sync-server on loopback`);
  const lagResult = await lag();
  const costRows = await cost();
  const boot = await bootstrap();
  const claim = await claims();
  console.log(
    table(
      `Replication lag A -> B (${lagResult.writesPerSecond} writes/s for ${LOAD_SECONDS} s, both replicas sync every ${INTERVAL_MS} ms)`,
      ['writes', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'],
      [[lagResult.summary.n, lagResult.summary.p50, lagResult.summary.p95, lagResult.summary.p99, lagResult.summary.max]],
      ['Lag = first sighting on B (polled every 20 ms) minus the write acknowledged on A; expected below two intervals.'],
    ),
  );
  console.log(
    table(
      'Push and pull cost (one sync after n single-memory writes)',
      ['memories', 'push ms', 'push KB', 'push ms/mem', 'push B/mem', 'pull ms', 'pull KB', 'pull ms/mem', 'pull B/mem'],
      costRows.map((r) => [
        r.memories,
        r.pushMs,
        r.pushBytes / 1024,
        r.pushMs / r.memories,
        Math.round(r.pushBytes / r.memories),
        r.pullMs,
        r.pullBytes / 1024,
        r.pullMs / r.memories,
        Math.round(r.pullBytes / r.memories),
      ]),
      ['Push sends logical row changes (memory, vector, term postings); pull receives database pages.'],
    ),
  );
  console.log(
    table(
      `Bootstrap of a ${boot.memories.toLocaleString('en-US')}-memory agent on a new directory`,
      ['memories', 'remote MB', 'open ms', 'first recall ms', 'sync of 1 new memory p50 ms'],
      [[boot.memories, boot.remoteBytes / 2 ** 20, boot.openMs, boot.firstRecallMs, summarize(boot.pullOneMs).p50]],
      ['The last column: another replica wrote one memory; this one pulls it (and reconciles) in one sync.'],
    ),
  );
  console.log(
    table(
      'Task claim on a synced agent (sync, compare-and-set on the remote, sync)',
      ['claims', 'p50 ms', 'p95 ms', 'max ms'],
      [[claim.n, claim.p50, claim.p95, claim.max]],
    ),
  );
  const resultsDir = join(REPO_ROOT, 'results');
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, 'bench-sync.json');
  writeFileSync(
    file,
    `${JSON.stringify({ startedAt, quick, machine: machineInfo(), lag: lagResult, cost: costRows, bootstrap: boot, claim }, null, 2)}\n`,
  );
  log(`results written to ${file}`);
} finally {
  for (const e of engrams) await e.close().catch(() => undefined);
  for (const s of servers) await s.stop();
  tmp.remove();
}

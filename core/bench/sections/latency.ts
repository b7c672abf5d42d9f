/**
 * Sections 1 and 2: exact top-10 recall latency and insert throughput. One agent per driver and
 * dataset grows through `remember()` in batches of 1000; at each size it is closed, reopened
 * (first recall = index build), then measured: `recall(mode: 'vector')`, the engine's brute-force
 * scan, and an instrumented recall that splits the time into its steps. The anchors over the same
 * vectors: sqlite-vec's vec0 table (exact) and hnswlib-node's HNSW graph (M 16, ef 128), each
 * also timed on its first query after reopening (HNSW: reading its index file).
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';
import { Engram, vectorToBlob, type Agent, type DriverName, type Embedder } from '../../src/index.js';
import type { AgentState } from '../../src/runtime/agent-state.js';
import { INDEX_MIN_VECTORS, firstPassSize, rerankSize } from '../../src/memories/recall.js';
import type { Dataset } from '../lib/datasets.js';
import { row } from '../lib/data.js';
import { diskUsage, rmrf, type TempRoot } from '../lib/env.js';
import { progress, log } from '../lib/report.js';
import { mean, now, recallAt, round, summarize, type Summary } from '../lib/stats.js';
import { vectorCache } from '../../src/search/vector-cache.js';

/**
 * Above this many memories (the opt-in 1M case: `--sizes=...,1000000`) the agent grows by
 * batches of LARGE_BATCH (the engine's whole-batch path; the insert table's segments show it),
 * the engine's exact scan and the candidate sweep use fewer queries (one exact query over 1M
 * vectors takes seconds), and the anchors stop growing: hnswlib would take the better part of
 * an hour to build 1M x 384 here.
 */
const LARGE = 100_000;
const LARGE_BATCH = 10_000;
const LARGE_QUERIES = 20;

/** Candidate counts tried in the first-pass experiment (plus the default). */
const SWEEP = [100, 200, 300, 400, 600, 800, 1200, 1600, 2400, 3200, 4800, 6400, 9600, 12800, 19200, 25600];

export interface LatencyRow {
  dataset: string;
  dims: number;
  size: number;
  driver: DriverName | 'sqlite-vec' | 'hnswlib';
  method: 'engram recall (vector)' | 'engine brute force' | 'vec0 knn' | 'hnsw (M16, ef128)';
  latency: Summary;
  recallAt10: number;
  recallMin: number;
}

export interface IndexBuildRow {
  dataset: string;
  size: number;
  driver: DriverName | 'sqlite-vec' | 'hnswlib';
  openMs: number;
  firstRecallMs: number;
  /** CPU time (user + system, whole process) of the first recall: what a loaded machine does not inflate. */
  firstRecallCpuMs?: number;
  secondRecallMs: number;
}

export interface InsertRow {
  dataset: string;
  dims: number;
  driver: DriverName | 'sqlite-vec' | 'hnswlib';
  rows: number;
  seconds: number;
  rowsPerSec: number;
  segments: { from: number; to: number; rowsPerSec: number }[];
  batchMs: Summary;
  dbBytes?: number;
}

export interface BreakdownRow {
  dataset: string;
  size: number;
  driver: DriverName;
  mode: 'vector' | 'hybrid' | 'text';
  total: Summary;
  /** p50 and mean per step, ms (steps: embed, version check, first pass, rerank, row fetch, full-text, exact scan, other SQL, JS rest). */
  steps: Record<string, { p50: number; mean: number }>;
  firstPassCandidates: number;
}

export interface SweepRow {
  dataset: string;
  size: number;
  driver: DriverName;
  variant: 'core first pass' | 'first pass, re-scored to rerankSize';
  k: number;
  isDefault: boolean;
  candidatesMean: number;
  firstPassMs: Summary;
  rerankMs: Summary;
  totalMs: number;
  recallAt10: number;
  recallMin: number;
}

export interface LatencyResults {
  /** Anchors that could not run here, with the reason. */
  skipped: string[];
  latency: LatencyRow[];
  indexBuild: IndexBuildRow[];
  insert: InsertRow[];
  breakdown: BreakdownRow[];
  sweep: SweepRow[];
}

export interface LatencyPlan {
  sizes: number[];
  queries: number;
  bruteQueries: number;
  warmup: number;
  measureLatency: boolean;
}

const vectorOf = (d: Dataset, j: number) => row(d.queryVectors, j, d.dims);

// ---- instrumentation ---------------------------------------------------------------------------

type Step = 'embed' | 'version check' | 'first pass' | 'rerank' | 'exact scan' | 'row fetch' | 'full-text' | 'other SQL';

function classify(sql: string): Step {
  if (/vectors_version/.test(sql)) return 'version check';
  if (/memory_vectors/.test(sql)) return /json_each/.test(sql) ? 'rerank' : 'exact scan';
  if (/memory_terms|memory_term_df|_fts|text_docs/.test(sql)) return 'full-text';
  if (/m\.uid/.test(sql)) return 'row fetch';
  return 'other SQL';
}

interface Trace {
  steps: Map<Step, number>;
  candidates: number;
  rerankSql?: string;
}

/**
 * Wraps the open agent's connection, first-pass index and embedder so that one real recall()
 * reports where its time went. The wrappers are own properties, removed by `restore()`.
 */
async function instrument(agent: Agent, embedder: Embedder) {
  const state: AgentState = await agent.use(async (s) => s);
  let trace: Trace = { steps: new Map(), candidates: 0 };
  const add = (step: Step, ms: number) => trace.steps.set(step, (trace.steps.get(step) ?? 0) + ms);
  const conn = state.conn as unknown as Record<string, unknown>;
  for (const method of ['all', 'get', 'run'] as const) {
    const original = conn[method] as (sql: string, params?: unknown[]) => Promise<unknown>;
    conn[method] = async (sql: string, params?: unknown[]) => {
      const t = now();
      try {
        return await original.call(state.conn, sql, params);
      } finally {
        const step = classify(sql);
        add(step, now() - t);
        if (step === 'rerank' && params && Buffer.isBuffer(params[0]) && typeof params[1] === 'string') trace.rerankSql = sql;
      }
    };
  }
  const emb = embedder as unknown as Record<string, unknown>;
  const originalEmbed = embedder.embed;
  emb.embed = async (texts: readonly string[]) => {
    const t = now();
    try {
      return await originalEmbed.call(embedder, texts);
    } finally {
      add('embed', now() - t);
    }
  };
  const wrappedIndexes: Record<string, unknown>[] = [];
  const wrapIndex = () => {
    const index = vectorCache(state).index;
    if (!index || Object.hasOwn(index, 'nearest')) return;
    const original = index.nearest;
    const rec = index as unknown as Record<string, unknown>;
    rec.nearest = (...args: Parameters<typeof original>) => {
      const t = now();
      const out = original.apply(index, args);
      add('first pass', now() - t);
      trace.candidates += out.length;
      return out;
    };
    wrappedIndexes.push(rec);
  };
  return {
    state,
    async run(fn: () => Promise<unknown>): Promise<{ total: number; trace: Trace }> {
      wrapIndex();
      trace = { steps: new Map(), candidates: 0 };
      const t = now();
      await fn();
      return { total: now() - t, trace };
    },
    restore() {
      for (const m of ['all', 'get', 'run']) delete conn[m];
      delete emb.embed;
      for (const rec of wrappedIndexes) delete rec.nearest;
    },
  };
}

// ---- one driver over one dataset -----------------------------------------------------------------

async function runDriver(d: Dataset, driver: DriverName, plan: LatencyPlan, tmp: TempRoot, out: LatencyResults): Promise<void> {
  const dir = tmp.dir(`latency-${d.name}-${driver}`);
  const embedder = d.embedder();
  const large = plan.sizes.some((n) => n > LARGE);
  const engram = await Engram.open({
    dir,
    driver,
    embedder,
    maxOpenAgents: 8,
    idleTimeoutMs: 0,
    ...(large ? { limits: { maxBatch: LARGE_BATCH } } : {}),
  });
  const tag = `${d.name} ${driver}`;
  try {
    let agent = await engram.agent('bench');
    const uidToRow = new Map<string, number>();
    const batchMs: number[] = [];
    const segments: InsertRow['segments'] = [];
    let inserted = 0;
    let insertSeconds = 0;
    const maxSize = plan.sizes[plan.sizes.length - 1]!;
    for (const size of plan.sizes) {
      const from = inserted;
      const t0 = now();
      while (inserted < size) {
        const end = Math.min(size, inserted + (inserted >= LARGE ? LARGE_BATCH : 1000));
        const tb = now();
        const memories = await agent.memories.remember(d.texts.slice(inserted, end).map((text) => ({ text })));
        batchMs.push(now() - tb);
        memories.forEach((m, i) => uidToRow.set(m.id, inserted + i));
        inserted = end;
        progress(`${tag}: inserted ${inserted}/${maxSize} (${Math.round((inserted - from) / ((now() - t0) / 1000))} rows/s)`);
      }
      const seconds = (now() - t0) / 1000;
      insertSeconds += seconds;
      segments.push({ from, to: size, rowsPerSec: Math.round((size - from) / seconds) });
      log(`${tag}: inserted ${inserted}/${maxSize}`);
      if (!plan.measureLatency) continue;

      // Fresh handle: the first recall builds the first-pass index (large agents).
      await agent.close();
      let t = now();
      agent = await engram.agent('bench');
      const openMs = now() - t;
      const warmText = (i: number) => d.queryTexts[d.measured + (i % plan.warmup)]!;
      t = now();
      const cpu = process.cpuUsage();
      await agent.memories.recall(warmText(0), { mode: 'vector', limit: 10 });
      const firstRecallMs = now() - t;
      const cpuUsed = process.cpuUsage(cpu);
      t = now();
      await agent.memories.recall(warmText(1), { mode: 'vector', limit: 10 });
      const secondRecallMs = now() - t;
      out.indexBuild.push({
        dataset: d.name,
        size,
        driver,
        openMs: round(openMs),
        firstRecallMs: round(firstRecallMs),
        firstRecallCpuMs: round((cpuUsed.user + cpuUsed.system) / 1000),
        secondRecallMs: round(secondRecallMs),
      });
      log(
        `${tag} @${size}: reopen ${openMs.toFixed(1)} ms, first recall ${firstRecallMs.toFixed(1)} ms, second ${secondRecallMs.toFixed(1)} ms`,
      );

      const truth = d.truth.get(size)!;
      // recall(), mode vector
      for (let i = 0; i < plan.warmup; i++) await agent.memories.recall(warmText(i), { mode: 'vector', limit: 10 });
      const lat: number[] = [];
      const rec: number[] = [];
      for (let j = 0; j < plan.queries; j++) {
        t = now();
        const results = await agent.memories.recall(d.queryTexts[j]!, { mode: 'vector', limit: 10 });
        lat.push(now() - t);
        rec.push(
          recallAt(
            results.map((r) => uidToRow.get(r.memory.id) ?? -1),
            truth[j]!,
          ),
        );
      }
      out.latency.push({
        dataset: d.name,
        dims: d.dims,
        size,
        driver,
        method: 'engram recall (vector)',
        latency: summarize(lat),
        recallAt10: round(mean(rec), 4),
        recallMin: Math.min(...rec),
      });
      log(`${tag} @${size}: recall p50 ${summarize(lat).p50} ms, recall@10 ${mean(rec).toFixed(4)}`);

      // The engine's exact scan over every vector.
      const rowidToRow = new Map<number, number>();
      const state: AgentState = await agent.use(async (s) => s);
      for (const r of await state.conn.all<{ id: number; uid: string }>('SELECT id, uid FROM memories')) {
        rowidToRow.set(Number(r.id), uidToRow.get(r.uid) ?? -1);
      }
      const bruteSql = `SELECT memory_id AS id, ${state.conn.dialect.cosineDistance('embedding', '?')} AS d FROM memory_vectors ORDER BY d LIMIT 10`;
      const brute = (j: number, vector = vectorOf(d, j)) =>
        agent.use((s) => s.conn.all<{ id: number; d: number }>(bruteSql, [vectorToBlob(vector)]));
      for (let i = 0; i < 3; i++) await brute(0, vectorOf(d, d.measured + i));
      const bLat: number[] = [];
      const bRec: number[] = [];
      const bruteQueries = size > LARGE ? Math.min(plan.bruteQueries, LARGE_QUERIES) : plan.bruteQueries;
      for (let j = 0; j < bruteQueries; j++) {
        t = now();
        const rows = await brute(j);
        bLat.push(now() - t);
        bRec.push(
          recallAt(
            rows.map((r) => rowidToRow.get(Number(r.id)) ?? -1),
            truth[j]!,
          ),
        );
        progress(`${tag} @${size}: engine brute force ${j + 1}/${bruteQueries}`);
      }
      out.latency.push({
        dataset: d.name,
        dims: d.dims,
        size,
        driver,
        method: 'engine brute force',
        latency: summarize(bLat),
        recallAt10: round(mean(bRec), 4),
        recallMin: Math.min(...bRec),
      });

      // Where recall's time goes, step by step, for vector, hybrid and text modes.
      const probe = await instrument(agent, embedder);
      let rerankSql: string | undefined;
      try {
        for (const mode of ['vector', 'hybrid', 'text'] as const) {
          for (let i = 0; i < 3; i++) await probe.run(() => agent.memories.recall(warmText(i), { mode, limit: 10 }));
          const totals: number[] = [];
          const steps = new Map<string, number[]>();
          let candidates = 0;
          for (let j = 0; j < plan.queries; j++) {
            const { total, trace } = await probe.run(() => agent.memories.recall(d.queryTexts[j]!, { mode, limit: 10 }));
            totals.push(total);
            let accounted = 0;
            for (const [step, ms] of trace.steps) {
              accounted += ms;
              (steps.get(step) ?? steps.set(step, []).get(step)!).push(ms);
            }
            (steps.get('JS rest') ?? steps.set('JS rest', []).get('JS rest')!).push(total - accounted);
            candidates += trace.candidates;
            rerankSql ??= trace.rerankSql;
          }
          const stepSummary: BreakdownRow['steps'] = {};
          for (const [step, list] of steps) {
            while (list.length < totals.length) list.push(0);
            stepSummary[step] = { p50: summarize(list).p50, mean: round(mean(list)) };
          }
          out.breakdown.push({
            dataset: d.name,
            size,
            driver,
            mode,
            total: summarize(totals),
            steps: stepSummary,
            firstPassCandidates: Math.round(candidates / plan.queries),
          });
        }
      } finally {
        probe.restore();
      }

      // First-pass size sweep: core's own candidates and the same rerank SQL as recall().
      const index = vectorCache(state).index;
      if (size >= INDEX_MIN_VECTORS && index) {
        const sql =
          rerankSql ??
          `SELECT v.memory_id AS id, ${state.conn.dialect.cosineDistance('v.embedding', '?1')} AS d FROM json_each(?2) j CROSS JOIN memory_vectors v ON v.memory_id = j.value ORDER BY d LIMIT 10`;
        const variants: [SweepRow['variant'], (q: Float32Array, k: number) => number[]][] = [
          ['core first pass', (q, k) => index.candidates(q, k, Date.now())],
          ['first pass, re-scored to rerankSize', (q, k) => index.nearest(q, k, rerankSize(10, index.size), Date.now())],
        ];
        const def = firstPassSize(10, index.size);
        const ks = [...new Set([...SWEEP, def])].filter((k) => k <= size / 2).sort((a, b) => a - b);
        for (const [variant, candidates] of variants) {
          let saturated = 0;
          for (const k of ks) {
            const fp: number[] = [];
            const rr: number[] = [];
            const kr: number[] = [];
            let cands = 0;
            const sweepQueries = size > LARGE ? Math.min(plan.queries, LARGE_QUERIES) : plan.queries;
            for (let j = 0; j < sweepQueries; j++) {
              const q = vectorOf(d, j);
              t = now();
              const ids = candidates(q, k);
              fp.push(now() - t);
              cands += ids.length;
              t = now();
              const rows = await state.conn.all<{ id: number; d: number }>(sql, [vectorToBlob(q), JSON.stringify(ids)]);
              rr.push(now() - t);
              kr.push(
                recallAt(
                  rows.map((r) => rowidToRow.get(Number(r.id)) ?? -1),
                  truth[j]!,
                ),
              );
            }
            const fps = summarize(fp);
            const rrs = summarize(rr);
            const recallAt10 = round(mean(kr), 4);
            out.sweep.push({
              dataset: d.name,
              size,
              driver,
              variant,
              k,
              isDefault: k === def,
              candidatesMean: Math.round(cands / sweepQueries),
              firstPassMs: fps,
              rerankMs: rrs,
              totalMs: round(fps.p50 + rrs.p50),
              recallAt10,
              recallMin: Math.min(...kr),
            });
            progress(`${tag} @${size}: ${variant} k=${k}: recall@10 ${recallAt10}`, true);
            // Stop once recall has stayed at or above 0.995 for two candidate counts past the default.
            if (recallAt10 >= 0.995 && k >= def && ++saturated >= 2) break;
          }
        }
      }
    }
    // rows/s (the insert target) counts the batches of 1000 only; larger ones show in the segments.
    const small = segments.filter((x) => x.to <= LARGE);
    const smallRows = small.reduce((a, x) => a + x.to - x.from, 0);
    const smallSeconds = small.reduce((a, x) => a + (x.to - x.from) / x.rowsPerSec, 0);
    out.insert.push({
      dataset: d.name,
      dims: d.dims,
      driver,
      rows: inserted,
      seconds: round(insertSeconds),
      rowsPerSec: Math.round(smallRows < inserted && smallRows > 0 ? smallRows / smallSeconds : inserted / insertSeconds),
      segments,
      batchMs: summarize(batchMs),
    });
  } finally {
    await engram.close();
    const row = out.insert.find((r) => r.dataset === d.name && r.driver === driver);
    if (row) row.dbBytes = diskUsage(dir).bytes;
    rmrf(dir);
  }
}

/** What an anchor index offers the shared growth and measurement loop (runAnchor). */
interface Anchor<Q> {
  driver: 'sqlite-vec' | 'hnswlib';
  method: LatencyRow['method'];
  /** Inserts vectors from..to-1 (their ids are their positions). */
  insert(from: number, to: number): void;
  /** The query for vector j, made before the clock starts. */
  query(j: number): Q;
  search(q: Q): number[];
  /** Makes the index readable by reopen() (untimed). */
  persist?(): void;
  /** Reopens the index as a fresh process would (page cache warm); the returned search is then timed. */
  reopen(): { search(q: Q): unknown; close(): void };
}

/**
 * Grows an anchor index to each planned size, timing inserts; at each size measures warm
 * top-10 latency and recall@10 against the ground truth, then a reopen and its first queries.
 */
function runAnchor<Q>(d: Dataset, plan: LatencyPlan, out: LatencyResults, a: Anchor<Q>): void {
  let inserted = 0;
  let seconds = 0;
  const batchMs: number[] = [];
  const segments: InsertRow['segments'] = [];
  for (const size of plan.sizes) {
    const from = inserted;
    const t0 = now();
    while (inserted < size) {
      const end = Math.min(size, inserted + 1000);
      const tb = now();
      a.insert(inserted, end);
      batchMs.push(now() - tb);
      inserted = end;
      progress(`${d.name} ${a.driver}: inserted ${inserted}/${plan.sizes[plan.sizes.length - 1]}`);
    }
    const s = (now() - t0) / 1000;
    seconds += s;
    segments.push({ from, to: size, rowsPerSec: Math.round((size - from) / s) });
    if (!plan.measureLatency) continue;
    const truth = d.truth.get(size)!;
    for (let i = 0; i < plan.warmup; i++) a.search(a.query(d.measured + i));
    const lat: number[] = [];
    const rec: number[] = [];
    for (let j = 0; j < plan.queries; j++) {
      const q = a.query(j);
      const t = now();
      const ids = a.search(q);
      lat.push(now() - t);
      rec.push(recallAt(ids, truth[j]!));
      progress(`${d.name} ${a.driver} @${size}: query ${j + 1}/${plan.queries}`);
    }
    out.latency.push({
      dataset: d.name,
      dims: d.dims,
      size,
      driver: a.driver,
      method: a.method,
      latency: summarize(lat),
      recallAt10: round(mean(rec), 4),
      recallMin: Math.min(...rec),
    });
    log(`${d.name} ${a.driver} @${size}: p50 ${summarize(lat).p50} ms, recall@10 ${mean(rec).toFixed(4)}`);
    const [q0, q1] = [a.query(d.measured), a.query(d.measured + 1)];
    a.persist?.();
    let t = now();
    const cold = a.reopen();
    const openMs = now() - t;
    t = now();
    cold.search(q0);
    const firstRecallMs = now() - t;
    t = now();
    cold.search(q1);
    const secondRecallMs = now() - t;
    cold.close();
    out.indexBuild.push({
      dataset: d.name,
      size,
      driver: a.driver,
      openMs: round(openMs),
      firstRecallMs: round(firstRecallMs),
      secondRecallMs: round(secondRecallMs),
    });
  }
  out.insert.push({
    dataset: d.name,
    dims: d.dims,
    driver: a.driver,
    rows: inserted,
    seconds: round(seconds),
    rowsPerSec: Math.round(inserted / seconds),
    segments,
    batchMs: summarize(batchMs),
  });
}

/** sqlite-vec vec0 over the same vectors (one file, better-sqlite3), grown to each size. */
function runVec0(d: Dataset, plan: LatencyPlan, tmp: TempRoot, out: LatencyResults): void {
  const dir = tmp.dir(`vec0-${d.name}`);
  const file = join(dir, 'vec0.db');
  const db = new Database(file);
  const KNN = 'SELECT rowid AS id, distance FROM items WHERE embedding MATCH ? AND k = 10 ORDER BY distance';
  const bytes = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  try {
    sqliteVec.load(db);
    db.pragma('journal_mode = WAL');
    // Default L2 distance: on unit vectors it ranks exactly as cosine does.
    db.exec(`CREATE VIRTUAL TABLE items USING vec0(embedding float[${d.dims}])`);
    const insert = db.prepare('INSERT INTO items(rowid, embedding) VALUES (?, ?)');
    const insertMany = db.transaction((from: number, to: number) => {
      for (let i = from; i < to; i++)
        insert.run(BigInt(i), Buffer.from(d.vectors.buffer, d.vectors.byteOffset + i * d.dims * 4, d.dims * 4));
    });
    const knn = db.prepare(KNN);
    const ids = (rows: unknown[]) => (rows as { id: number | bigint }[]).map((r) => Number(r.id));
    runAnchor(d, plan, out, {
      driver: 'sqlite-vec',
      method: 'vec0 knn',
      insert: (from, to) => insertMany(from, to),
      query: (j) => bytes(vectorOf(d, j)),
      search: (q) => ids(knn.all(q)),
      reopen: () => {
        const cold = new Database(file);
        sqliteVec.load(cold);
        const coldKnn = cold.prepare(KNN);
        return { search: (q) => coldKnn.all(q), close: () => cold.close() };
      },
    });
  } finally {
    db.close();
    rmrf(dir);
  }
}

interface HnswIndex {
  initIndex(maxElements: number, m?: number, efConstruction?: number, randomSeed?: number): void;
  resizeIndex(n: number): void;
  addPoint(point: number[], label: number): void;
  setEf(ef: number): void;
  searchKnn(point: number[], k: number): { neighbors: number[] };
  writeIndexSync(path: string): void;
  readIndexSync(path: string): void;
}
type HnswModule = { HierarchicalNSW: new (space: 'cosine', dims: number) => HnswIndex };

/** hnswlib-node, a dev dependency built from source at install: absent where it could not build. */
function loadHnsw(): HnswModule | string {
  try {
    return createRequire(import.meta.url)('hnswlib-node') as HnswModule;
  } catch (err) {
    return `hnswlib-node is not installed or did not build (${(err as Error).message.split('\n')[0]})`;
  }
}

/** hnswlib's HNSW graph over the same vectors (M 16, efConstruction 128, ef 128), grown to each size. */
function runHnsw(d: Dataset, plan: LatencyPlan, tmp: TempRoot, out: LatencyResults): void {
  const lib = loadHnsw();
  if (typeof lib === 'string') {
    if (!out.skipped.includes(lib)) out.skipped.push(lib);
    return;
  }
  const dir = tmp.dir(`hnsw-${d.name}`);
  const file = join(dir, 'index.bin');
  const index = new lib.HierarchicalNSW('cosine', d.dims);
  index.initIndex(plan.sizes[plan.sizes.length - 1]!, 16, 128, 100);
  index.setEf(128);
  try {
    runAnchor(d, plan, out, {
      driver: 'hnswlib',
      method: 'hnsw (M16, ef128)',
      insert: (from, to) => {
        for (let i = from; i < to; i++) index.addPoint(Array.from(row(d.vectors, i, d.dims)), i);
      },
      // hnswlib-node takes plain arrays: converted before the clock starts.
      query: (j) => Array.from(vectorOf(d, j)),
      search: (q) => index.searchKnn(q, 10).neighbors,
      // Reopen: the index file written, then read back (the OS page cache is warm).
      persist: () => index.writeIndexSync(file),
      reopen: () => {
        const cold = new lib.HierarchicalNSW('cosine', d.dims);
        cold.readIndexSync(file);
        cold.setEf(128);
        return { search: (q) => cold.searchKnn(q, 10), close: () => undefined };
      },
    });
  } finally {
    rmrf(dir);
  }
}

export async function runLatency(datasets: Dataset[], drivers: DriverName[], plan: LatencyPlan, tmp: TempRoot): Promise<LatencyResults> {
  const out: LatencyResults = { skipped: [], latency: [], indexBuild: [], insert: [], breakdown: [], sweep: [] };
  const anchorSizes = plan.sizes.filter((n) => n <= LARGE);
  if (anchorSizes.length < plan.sizes.length)
    out.skipped.push(`anchors (vec0, hnswlib) above ${LARGE} memories: their build takes too long here`);
  const anchorPlan = { ...plan, sizes: anchorSizes };
  for (const d of datasets) {
    if (anchorSizes.length > 0) {
      runVec0(d, anchorPlan, tmp, out);
      runHnsw(d, anchorPlan, tmp, out);
    }
    for (const driver of drivers) await runDriver(d, driver, plan, tmp, out);
  }
  return out;
}

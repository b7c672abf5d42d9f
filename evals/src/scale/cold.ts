/**
 * Cold open phase: a fresh Engram (small pool) opens random agents of the fleet one at a time
 * and recalls once (default hybrid mode, limit 10), then once more (warm). Measured twice over
 * disjoint samples: with the page cache as creation left it, and with each sampled agent's
 * files flushed and dropped from the page cache first (`dd iflag=nocache`, Linux), so the
 * first open reads the disk.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Engram, resolveDriver, type DriverName } from '@engram/core';
import { Progress } from '../lib/progress.js';
import { summarize, type Summary } from '../lib/stats.js';
import { agentId, loadEmbedder, queryOf, rng } from './fleet.js';
import type { EmbedderSpec } from './options.js';

export type CacheState = 'warm' | 'evicted';

export interface ColdResult {
  cache: CacheState;
  sample: number;
  maxOpenAgents: number;
  openMs: Summary;
  firstRecallMs: Summary;
  /** open + first recall: the figure the cold-open target is checked on. */
  totalMs: Summary;
  warmRecallMs: Summary;
  /** First recalls that found nothing (every agent holds memories: should be 0). */
  emptyRecalls: number;
  /** For `evicted`: how the page cache was dropped and what fincore saw afterwards. */
  eviction?: { method: string; files: number; residentPagesAfter?: number };
}

const MAX_OPEN_AGENTS = 16;
const WARMUP = 20;

/** `count` distinct indexes below `n`, seeded (partial Fisher-Yates). */
export function sampleIndexes(n: number, count: number, seed: number): number[] {
  const a = Int32Array.from({ length: n }, (_, i) => i);
  const next = rng(seed);
  const k = Math.min(count, n);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(next() * (n - i));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return [...a.subarray(0, k)];
}

/** Flushes then drops the page cache of `files`; returns pages still resident (if fincore exists). */
function evict(files: string[]): number | undefined {
  for (let i = 0; i < files.length; i += 500) {
    const batch = files.slice(i, i + 500);
    execFileSync('sh', ['-c', 'sync "$@" && for f; do dd if="$f" iflag=nocache count=0 status=none; done', 'evict', ...batch], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  }
  try {
    let resident = 0;
    for (let i = 0; i < files.length; i += 500) {
      const out = execFileSync('fincore', ['--noheadings', '--raw', '--output', 'PAGES', ...files.slice(i, i + 500)], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      resident += out
        .split('\n')
        .filter(Boolean)
        .reduce((s, l) => s + Number(l), 0);
    }
    return resident;
  } catch {
    return undefined;
  }
}

export function canEvict(): boolean {
  if (process.platform !== 'linux') return false;
  try {
    execFileSync('sh', ['-c', 'dd if=/dev/null iflag=nocache count=0 status=none'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function measure(
  engram: Engram,
  driver: DriverName,
  indexes: number[],
  cache: CacheState,
  eviction?: ColdResult['eviction'],
): Promise<ColdResult> {
  const open: number[] = [];
  const first: number[] = [];
  const total: number[] = [];
  const warm: number[] = [];
  let empty = 0;
  const bar = new Progress('scale', `cold open ${driver} (${cache} cache)`, indexes.length, 'agents');
  for (const [n, i] of indexes.entries()) {
    const t0 = performance.now();
    const agent = await engram.agent(agentId(i), { create: false });
    const t1 = performance.now();
    const hits = await agent.memories.recall(queryOf(i), { limit: 10 });
    const t2 = performance.now();
    await agent.memories.recall(queryOf(i + 1), { limit: 10 });
    warm.push(performance.now() - t2);
    open.push(t1 - t0);
    first.push(t2 - t1);
    total.push(t2 - t0);
    if (hits.length === 0) empty++;
    bar.update(n + 1);
  }
  bar.finish(indexes.length);
  return {
    cache,
    sample: indexes.length,
    maxOpenAgents: MAX_OPEN_AGENTS,
    openMs: summarize(open),
    firstRecallMs: summarize(first),
    totalMs: summarize(total),
    warmRecallMs: summarize(warm),
    emptyRecalls: empty,
    ...(eviction ? { eviction } : {}),
  };
}

/** Cold open + first recall over `sample` random agents, with a warm and (where possible) an evicted page cache. */
export async function coldOpen(
  dir: string,
  driver: DriverName,
  embedder: EmbedderSpec,
  agents: number,
  sample: number,
): Promise<ColdResult[]> {
  const evictable = canEvict();
  const per = Math.max(1, Math.min(sample, Math.floor((agents - WARMUP) / (evictable ? 2 : 1))));
  const picked = sampleIndexes(agents, WARMUP + per * (evictable ? 2 : 1), 31_337);
  const engram = await Engram.open({
    dir,
    driver,
    embedder: await loadEmbedder(embedder),
    maxOpenAgents: MAX_OPEN_AGENTS,
    idleTimeoutMs: 0,
  });
  try {
    // Load the driver and JIT the paths on agents outside both samples.
    for (const i of picked.slice(0, WARMUP)) await (await engram.agent(agentId(i), { create: false })).memories.recall(queryOf(i));
    const results = [await measure(engram, driver, picked.slice(WARMUP, WARMUP + per), 'warm')];
    if (evictable) {
      const indexes = picked.slice(WARMUP + per);
      const sides = resolveDriver(driver);
      const files = indexes.flatMap((i) => {
        const path = engram.pathOf(agentId(i));
        return [path, ...sides.sideFiles(path)].filter((f) => existsSync(f));
      });
      const residentPagesAfter = evict(files);
      results.push(
        await measure(engram, driver, indexes, 'evicted', {
          method: 'sync + dd iflag=nocache per file',
          files: files.length,
          ...(residentPagesAfter !== undefined ? { residentPagesAfter } : {}),
        }),
      );
    }
    return results;
  } finally {
    await engram.close();
  }
}

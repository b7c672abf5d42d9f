/**
 * Resident-memory phase: RSS with N agents held open at once (opened, then one recall each),
 * measured in child processes so nothing else sits in their heap. N agents need N x (files
 * per handle) descriptors; when that passes the hard open-files limit, the N agents are split
 * over several children and their deltas summed (the table says how many processes). When
 * the agents would need more than half the memory available (measured per agent on the
 * smaller count first), fewer are held and the figure for the count asked is extrapolated.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { DriverName } from '@engram/core';
import { openFileLimit } from '../lib/machine.js';
import { log } from '../lib/progress.js';
import { round } from '../lib/stats.js';
import type { EmbedderSpec } from './options.js';
import type { ResidentChildInput, ResidentChildResult } from './resident-child.js';

export interface ResidentResult {
  /** Agents asked to be held open at once. */
  requested: number;
  /** Agents held open at once (over every process). */
  agents: number;
  /** Why fewer than requested were held. */
  capped?: string;
  /** With `capped`: baseline + requested x RSS per agent in use. */
  rssExtrapolated?: number;
  processes: number;
  /** Open-files limit inside each child. */
  fdLimit: number | undefined;
  fdsPerAgent: number | undefined;
  openSeconds: number;
  /** Sum over the processes of RSS with the agents in use (baseline included). */
  rssTotal: number;
  /** Sum over the processes of RSS before opening them (runtime, driver, embedder). */
  rssBaseline: number;
  rssPerAgentOpen: number;
  rssPerAgentInUse: number;
  heapPerAgent: number;
  externalPerAgent: number;
  error?: string;
}

const FD_RESERVE = 256;
/** Until measured: turso holds 3-5 descriptors per open agent here, sqlite 3. */
const FDS_PER_AGENT_GUESS = 8;
/** Until measured: turso holds about 2.3 MB per open agent here, sqlite 0.3 MB. */
const RSS_PER_AGENT_GUESS = 4 * 2 ** 20;
const MEMORY_SHARE = 0.5;

/** MemAvailable from /proc/meminfo (Linux), else free memory. */
function availableMemory(): number {
  try {
    const kb = /^MemAvailable:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1];
    if (kb) return Number(kb) * 1024;
  } catch {
    // not Linux
  }
  return os.freemem();
}

function runChild(input: ResidentChildInput): Promise<ResidentChildResult> {
  const script = fileURLToPath(new URL('./resident-child.js', import.meta.url));
  const args = ['--expose-gc', script, JSON.stringify(input)];
  // Raise the soft open-files limit to the hard one for the child when a shell can.
  const child = existsSync('/bin/sh')
    ? spawn('/bin/sh', ['-c', 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"', 'resident', process.execPath, ...args], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      })
    : spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    let message: ResidentChildResult | undefined;
    child.on('message', (m) => (message = m as ResidentChildResult));
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      message ? resolve(message) : reject(new Error(`resident child exited with ${signal ?? `code ${code}`} and no result`)),
    );
  });
}

/** Holds each of `counts` agents open (ascending), splitting a count over processes when descriptors run short. */
export async function residentMemory(
  dir: string,
  driver: DriverName,
  embedder: EmbedderSpec,
  agents: number,
  counts: number[],
): Promise<ResidentResult[]> {
  const hard = openFileLimit('hard');
  const usable = hard === undefined ? 4096 : hard - FD_RESERVE;
  let fdsPerAgent: number | undefined;
  let rssPerAgent = RSS_PER_AGENT_GUESS;
  let baseline = 0;
  const out: ResidentResult[] = [];
  for (const wanted of [...new Set(counts)].sort((a, b) => a - b)) {
    const affordable = Math.floor((availableMemory() * MEMORY_SHARE - baseline) / rssPerAgent);
    const count = Math.max(1, Math.min(wanted, agents, affordable));
    const guarded = affordable < Math.min(wanted, agents);
    const capped = guarded
      ? `memory guard: ${wanted} agents would need about ${((baseline + wanted * rssPerAgent) / 2 ** 30).toFixed(1)} GB, more than half the memory available`
      : count < wanted
        ? `only ${agents} agents exist`
        : undefined;
    const processes = Math.max(1, Math.ceil((count * Math.max(1, fdsPerAgent ?? FDS_PER_AGENT_GUESS)) / usable));
    const per = Math.ceil(count / processes);
    log('scale', `resident ${driver}: holding ${count.toLocaleString('en-US')} agents open in ${processes} process(es)`);
    const results: ResidentChildResult[] = [];
    for (let first = 0; first < count; first += per) {
      const n = Math.min(per, count - first);
      // Warm up on agents after the held range when the fleet has them.
      const warmup = Array.from({ length: 20 }, (_, k) => (count + k < agents ? count + k : k % agents));
      results.push(await runChild({ dir, driver, embedder, first, count: n, warmup }));
    }
    const failed = results.find((r) => !r.ok);
    const ok = results.filter((r): r is Extract<ResidentChildResult, { ok: true }> => r.ok);
    const sum = (f: (r: (typeof ok)[number]) => number) => ok.reduce((s, r) => s + f(r), 0);
    const held = sum((r) => r.held);
    const fds = sum((r) => r.inUse.fds - r.before.fds);
    if (held > 0 && ok.every((r) => r.before.fds >= 0)) fdsPerAgent = round(fds / held, 2);
    const per1 = (bytes: number) => (held > 0 ? Math.round(bytes / held) : Number.NaN);
    const inUsePerAgent = per1(sum((r) => r.inUse.rss - r.before.rss));
    if (held > 0) {
      rssPerAgent = Math.max(inUsePerAgent, 1);
      baseline = sum((r) => r.before.rss) / ok.length;
    }
    out.push({
      requested: wanted,
      agents: held,
      ...(capped ? { capped } : {}),
      ...(guarded ? { rssExtrapolated: Math.round(baseline + wanted * rssPerAgent) } : {}),
      processes: results.length,
      fdLimit: results[0]?.fdLimit,
      fdsPerAgent,
      openSeconds: round(
        sum((r) => r.openSeconds),
        1,
      ),
      rssTotal: sum((r) => r.inUse.rss),
      rssBaseline: sum((r) => r.before.rss),
      rssPerAgentOpen: per1(sum((r) => r.opened.rss - r.before.rss)),
      rssPerAgentInUse: inUsePerAgent,
      heapPerAgent: per1(sum((r) => r.inUse.heapUsed - r.before.heapUsed)),
      externalPerAgent: per1(sum((r) => r.inUse.external - r.before.external)),
      ...(failed && !failed.ok
        ? { error: `${failed.error} (after ${failed.held} agents; open-files limit ${failed.fdLimit ?? '?'})` }
        : {}),
    });
  }
  return out;
}

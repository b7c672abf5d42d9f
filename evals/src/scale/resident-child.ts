/**
 * Child process of the resident-memory phase (run with --expose-gc and its fd limit raised to
 * the hard limit): memory and file descriptors before and after holding agents
 * `first .. first + count - 1` of a fleet open at once, then after one recall on each.
 */
import { readdirSync } from 'node:fs';
import { Engram, type DriverName } from '@engram/core';
import { openFileLimit } from '../lib/machine.js';
import { agentId, loadEmbedder, queryOf } from './fleet.js';
import type { EmbedderSpec } from './options.js';

export interface ResidentChildInput {
  dir: string;
  driver: DriverName;
  embedder: EmbedderSpec;
  first: number;
  count: number;
  /** Agents opened, recalled and closed before the baseline (outside the held range is best). */
  warmup: number[];
}

export interface Snapshot {
  rss: number;
  heapUsed: number;
  external: number;
  fds: number;
}

export type ResidentChildResult =
  | { ok: true; fdLimit: number | undefined; openSeconds: number; held: number; before: Snapshot; opened: Snapshot; inUse: Snapshot }
  | { ok: false; error: string; fdLimit: number | undefined; held: number };

const gc = (globalThis as { gc?: () => void }).gc;
async function snapshot(): Promise<Snapshot> {
  for (let i = 0; i < 3; i++) {
    gc?.();
    await new Promise((r) => setTimeout(r, 50));
  }
  const m = process.memoryUsage();
  let fds = -1;
  try {
    fds = readdirSync('/proc/self/fd').length;
  } catch {
    // not Linux
  }
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, fds };
}

const input = JSON.parse(process.argv[2]!) as ResidentChildInput;
const fdLimit = openFileLimit();
const engram = await Engram.open({
  dir: input.dir,
  driver: input.driver,
  embedder: await loadEmbedder(input.embedder),
  maxOpenAgents: input.count + input.warmup.length + 16,
  idleTimeoutMs: 0,
});
const agents = [];
let result: ResidentChildResult;
try {
  for (const i of input.warmup) {
    const a = await engram.agent(agentId(i), { create: false });
    await a.memories.recall(queryOf(i));
    await a.close();
  }
  const before = await snapshot();
  const t0 = performance.now();
  for (let i = input.first; i < input.first + input.count; i++) agents.push(await engram.agent(agentId(i), { create: false }));
  const openSeconds = (performance.now() - t0) / 1000;
  const opened = await snapshot();
  for (const [n, a] of agents.entries()) await a.memories.recall(queryOf(input.first + n));
  const inUse = await snapshot();
  result = { ok: true, fdLimit, openSeconds, held: engram.openAgents, before, opened, inUse };
} catch (err) {
  result = { ok: false, error: err instanceof Error ? err.message : String(err), fdLimit, held: agents.length };
}
await engram.close().catch(() => undefined);
process.send!(result);
process.disconnect?.();

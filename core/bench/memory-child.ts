/**
 * Child process of the memory section (run with --expose-gc, so that nothing the parent did
 * sits in its heap): RSS before and after holding N agents of an existing fleet open at once.
 */
import { readdirSync } from 'node:fs';
import { Engram, WordVectorEmbedder, type DriverName } from '../src/index.js';

export interface MemoryChildInput {
  dir: string;
  driver: DriverName;
  ids: string[];
  warmIds: string[];
  query: string;
  wordVectorsPath: string;
}

export interface MemorySnapshot {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  fds: number;
}

const input = JSON.parse(process.argv[2]!) as MemoryChildInput;
const gc = (globalThis as { gc?: () => void }).gc;
const settle = async (): Promise<MemorySnapshot> => {
  for (let i = 0; i < 3; i++) {
    gc?.();
    await new Promise((r) => setTimeout(r, 50));
  }
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, fds: readdirSync('/proc/self/fd').length };
};

const embedder = await WordVectorEmbedder.load({ path: input.wordVectorsPath });
const engram = await Engram.open({
  dir: input.dir,
  driver: input.driver,
  embedder,
  maxOpenAgents: input.ids.length + input.warmIds.length + 16,
  idleTimeoutMs: 0,
});
try {
  // Warm-up: load the driver, JIT the paths, then close those handles again.
  for (const id of input.warmIds) {
    const a = await engram.agent(id);
    await a.memories.recall(input.query);
    await a.close();
  }
  const before = await settle();
  const agents = [];
  for (const id of input.ids) agents.push(await engram.agent(id));
  const opened = await settle();
  for (const a of agents) await a.memories.recall(input.query);
  const recalled = await settle();
  const openAgents = engram.openAgents;
  await engram.close();
  const closed = await settle();
  process.send!({ ok: true, gcExposed: gc !== undefined, openAgents, before, opened, recalled, closed });
} catch (err) {
  await engram.close().catch(() => undefined);
  process.send!({ ok: false, error: String((err as Error)?.stack ?? err) });
}
process.disconnect?.();

/**
 * Worker thread of the create phase: creates agents `first, first + step, ...` below `end`
 * through the public API (open, remember 3-5 memories, close), reporting progress.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Engram, type DriverName } from '@engram/core';
import { agentId, loadEmbedder, memoriesOf } from './fleet.js';
import type { EmbedderSpec } from './options.js';

export interface CreateWorkerData {
  dir: string;
  driver: DriverName;
  embedder: EmbedderSpec;
  first: number;
  end: number;
  step: number;
}

export type CreateWorkerMessage = { type: 'progress'; done: number } | { type: 'done'; done: number; memories: number };

const data = workerData as CreateWorkerData;
const engram = await Engram.open({
  dir: data.dir,
  driver: data.driver,
  embedder: await loadEmbedder(data.embedder),
  maxOpenAgents: 4,
  idleTimeoutMs: 0,
});
let done = 0;
let memories = 0;
try {
  for (let i = data.first; i < data.end; i += data.step) {
    const agent = await engram.agent(agentId(i));
    const texts = memoriesOf(i);
    await agent.memories.remember(texts.map((text) => ({ text })));
    await agent.close();
    memories += texts.length;
    if (++done % 25 === 0) parentPort!.postMessage({ type: 'progress', done } satisfies CreateWorkerMessage);
  }
} finally {
  await engram.close();
}
parentPort!.postMessage({ type: 'done', done, memories } satisfies CreateWorkerMessage);

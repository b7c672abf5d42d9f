/**
 * Worker thread of the fleet section: creates its share of small agents (3-5 memories each,
 * embedded by the default WordVectorEmbedder) through the public API, closing each after use.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Engram, WordVectorEmbedder, type DriverName } from '../src/index.js';
import { SentenceGenerator } from './lib/data.js';
import { Rng } from './lib/rng.js';

export interface FleetWorkerData {
  dir: string;
  driver: DriverName;
  ids: string[];
  seed: number;
  vocab: string[];
  wordVectorsPath: string;
}

const data = workerData as FleetWorkerData;
const embedder = await WordVectorEmbedder.load({ path: data.wordVectorsPath });
const engram = await Engram.open({ dir: data.dir, driver: data.driver, embedder, maxOpenAgents: 8, idleTimeoutMs: 0 });
const rng = new Rng(data.seed);
const sentences = new SentenceGenerator(data.vocab, new Rng(data.seed ^ 0x5bd1e995));
let memories = 0;
try {
  for (const [i, id] of data.ids.entries()) {
    const agent = await engram.agent(id);
    const n = rng.int(3, 5);
    await agent.memories.remember(Array.from({ length: n }, () => ({ text: sentences.next() })));
    memories += n;
    await agent.close();
    if ((i + 1) % 50 === 0) parentPort!.postMessage({ type: 'progress', done: i + 1 });
  }
} finally {
  await engram.close();
}
parentPort!.postMessage({ type: 'done', done: data.ids.length, memories });

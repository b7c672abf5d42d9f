// One measurement with one build of core (see run.mjs): node child.mjs DIST DRIVER TASK DIR
import { existsSync, rmSync } from 'node:fs';
const [dist, driver, task, dir] = process.argv.slice(2);
const { Engram, FunctionEmbedder } = await import(`${dist}/index.js`);
const dims = 384;
const { GaussianMixture, row } = await import(new URL('../../dist-bench/bench/lib/data.js', import.meta.url).href);
const mix = new GaussianMixture({ dims, clusters: 300, seed: 384_002 });
const N = task === 'build' ? 100000 : 10000;
const vectors = mix.sample(N + 200);
const queries = mix.sample(60);
const byText = new Map();
const texts = Array.from(
  { length: N + 200 },
  (_, i) => `memory ${i}: the weather in town ${i % 97} and a cat called ${i % 13}, note ${(i * 7919) % 1000}`,
);
texts.forEach((t, i) => byText.set(t, row(vectors, i, dims)));
const embedder = new FunctionEmbedder(async (b) => b.map((t) => byText.get(t) ?? new Float32Array(dims).fill(0.05)), {
  id: 'ab@1',
  dims,
  normalize: false,
});
const cpuMs = (c) => {
  const u = process.cpuUsage(c);
  return (u.user + u.system) / 1000;
};
const out = {};
if (task === 'insert') {
  rmSync(dir, { recursive: true, force: true });
  const e = await Engram.open({ dir, driver, embedder });
  const a = await e.agent('x');
  let t = performance.now();
  let c = process.cpuUsage();
  for (let i = 0; i < N; i += 1000) await a.memories.remember(texts.slice(i, i + 1000).map((text) => ({ text })));
  out.rowsPerSec = Math.round(N / ((performance.now() - t) / 1000));
  out.rowsPerCpuSec = Math.round(N / (cpuMs(c) / 1000));
  const single = [];
  for (let i = 0; i < 100; i++) {
    t = performance.now();
    await a.memories.remember({ text: texts[N + i] });
    single.push(performance.now() - t);
  }
  single.sort((x, y) => x - y);
  out.singleP50 = single[50];
  await e.close();
  rmSync(dir, { recursive: true, force: true });
} else if (task === 'build') {
  if (!existsSync(dir)) {
    const e = await Engram.open({ dir, driver, embedder });
    const a = await e.agent('x');
    for (let i = 0; i < N; i += 1000) await a.memories.remember(texts.slice(i, i + 1000).map((text) => ({ text })));
    await e.close();
  }
  out.built = true;
} else if (task === 'query') {
  const e = await Engram.open({ dir, driver, embedder, idleTimeoutMs: 0 });
  let t = performance.now();
  const a = await e.agent('x');
  out.openMs = performance.now() - t;
  const q = (j) => ({ mode: 'vector', limit: 10, queryVector: Array.from(row(queries, j, dims)) });
  const q0 = q(0);
  t = performance.now();
  let c = process.cpuUsage();
  await a.memories.recall('', q0);
  out.firstMs = performance.now() - t;
  out.firstCpuMs = cpuMs(c);
  const lat = [],
    cpu = [];
  for (let j = 1; j < 60; j++) {
    const qq = q(j);
    c = process.cpuUsage();
    t = performance.now();
    await a.memories.recall('', qq);
    lat.push(performance.now() - t);
    cpu.push(cpuMs(c));
  }
  lat.sort((x, y) => x - y);
  cpu.sort((x, y) => x - y);
  out.warmP50 = lat[29];
  out.warmCpuP50 = cpu[29];
  await e.close();
}
console.log(JSON.stringify(out));

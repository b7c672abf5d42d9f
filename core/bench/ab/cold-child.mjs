// One cold-open measurement with one build of core (see cold.mjs): node cold-child.mjs DIST DRIVER TASK DIR [N] [SAMPLE] [TRACE]
// build: DIR gets N small agents (3-5 memories, 64-dim hashed word vectors) unless it has them.
// cold: a fresh Engram (maxOpenAgents 64, idle timeout off) times agent(id) + the first hybrid recall
// over SAMPLE random agents (after 20 warm-up ones), as the bench's cold section does. With TRACE,
// every engine call is timed and the SQL of the last agent's open + recall printed to stderr.
import { existsSync, writeFileSync } from 'node:fs';
const [dist, driverName, task, dir, nText = '2000', sampleText = '200', trace] = process.argv.slice(2);
const core = await import(`${dist}/index.js`);
const { Engram, FunctionEmbedder, resolveDriver } = core;
const N = Number(nText);
const dims = 64;
const words =
  'office budget meeting cat dog garden plan travel paris weekend project deadline coffee bug release design review music book dinner friend sister brother doctor school exam holiday train rain sun walk park'.split(
    ' ',
  );
let seed = 12345;
const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
const sentence = () => Array.from({ length: 6 + Math.floor(rand() * 6) }, () => words[Math.floor(rand() * words.length)]).join(' ');
const hash = (w) => {
  let h = 2166136261;
  for (const c of w) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return h >>> 0;
};
const embedder = new FunctionEmbedder(
  async (texts) =>
    texts.map((t) => {
      const v = new Float32Array(dims);
      for (const w of t.split(/\W+/))
        if (w) {
          const h = hash(w);
          v[h % dims] += 1;
          v[(h >>> 8) % dims] -= 0.5;
        }
      v[0] += 0.01;
      return v;
    }),
  { id: 'cold-ab@1', dims },
);
const id = (i) => `agent-${String(i).padStart(6, '0')}`;
if (task === 'build') {
  if (!existsSync(`${dir}/done`)) {
    const e = await Engram.open({ dir, driver: driverName, embedder, maxOpenAgents: 8, idleTimeoutMs: 0 });
    for (let i = 0; i < N; i++) {
      const a = await e.agent(id(i));
      await a.memories.remember(Array.from({ length: 3 + (i % 3) }, () => ({ text: sentence() })));
      await a.close();
    }
    await e.close();
    writeFileSync(`${dir}/done`, '');
  }
  console.log(JSON.stringify({ built: true }));
} else {
  let driver = driverName;
  const log = [];
  if (trace) {
    const base = resolveDriver(driverName);
    const wrap = (h) => {
      const t = (name) => async (sql, params) => {
        const t0 = performance.now();
        try {
          return await h[name](sql, params);
        } finally {
          log.push([name, (performance.now() - t0).toFixed(3), String(sql).replace(/\s+/g, ' ').slice(0, 140)]);
        }
      };
      return { run: t('run'), all: t('all'), get: t('get'), exec: t('exec'), close: () => h.close() };
    };
    driver = {
      ...base,
      open: async (p, o) => {
        const t0 = performance.now();
        const h = await base.open(p, o);
        log.push(['open', (performance.now() - t0).toFixed(3), p]);
        return wrap(h);
      },
    };
  }
  const e = await Engram.open({ dir, driver, embedder, maxOpenAgents: Number(process.env.COLD_MAX ?? 64), idleTimeoutMs: 0 });
  // A fixed spread of agents (7919 is prime, so no agent comes twice while the sample is below N).
  const ids = Array.from({ length: Number(sampleText) + 20 }, (_, j) => id((j * 7919 + 13) % N));
  const open = [],
    first = [],
    total = [],
    cpu = [];
  for (const [j, a] of ids.entries()) {
    const q = sentence();
    if (trace) log.length = 0;
    const c = process.cpuUsage();
    const t0 = performance.now();
    const agent = await e.agent(a);
    const t1 = performance.now();
    await agent.memories.recall(q);
    const t2 = performance.now();
    const u = process.cpuUsage(c);
    if (j < 20) continue;
    open.push(t1 - t0);
    first.push(t2 - t1);
    total.push(t2 - t0);
    cpu.push((u.user + u.system) / 1000);
  }
  if (trace) for (const l of log) process.stderr.write(l.join('  ') + '\n');
  await e.close();
  const p50 = (x) => [...x].sort((a, b) => a - b)[x.length >> 1];
  console.log(JSON.stringify({ openP50: p50(open), firstP50: p50(first), totalP50: p50(total), cpuP50: p50(cpu) }));
}

/**
 * The demo (`npm run demo` at the repository root, or `npm start -w @engram/example-quickstart`;
 * both build first): opens the default data directory, gives one agent a few memories
 * and recalls them by meaning, by words and both, then touches its other sub-stores: files,
 * kv, tasks and the action log. It prints each step.
 * Data lives in ./.engram (or $ENGRAM_DIR) and persists between runs: a second run adds no
 * memories or tasks (it finds the first run's), it only logs new actions.
 */
import { resolve } from 'node:path';
import { Engram, type RecallResult } from '@engram/core';

const dir = resolve(process.env.ENGRAM_DIR ?? '.engram');
const say = (line = '') => process.stdout.write(`${line}\n`);

function show(results: RecallResult[]): void {
  for (const r of results) {
    const parts = [
      r.parts.vector ? `vector #${r.parts.vector.rank} sim ${r.parts.vector.similarity.toFixed(3)}` : null,
      r.parts.text ? `text #${r.parts.text.rank} bm25 ${r.parts.text.bm25.toFixed(2)}` : null,
    ].filter(Boolean);
    say(`    ${r.score.toFixed(3)}  ${r.memory.text}   [${r.memory.kind}; ${parts.join(', ')}]`);
  }
}

const started = performance.now();
const engram = await Engram.open({ dir });
say(`Engram data directory: ${dir} (driver ${engram.driver.name}, embedder ${engram.embedder.id}, ${engram.embedder.dims} dims)`);

const agent = await engram.agent('demo-agent');
say(`Agent "demo-agent" database: ${agent.path}`);

if ((await agent.memories.count()) === 0) {
  say('First run: remembering six memories...');
  const [city] = await agent.memories.remember([
    { text: 'The user lives in Berlin', kind: 'fact', tags: ['profile'] },
    { text: 'The user prefers green tea over coffee', kind: 'preference', tags: ['food'] },
    { text: 'Always answer in short bullet points', kind: 'instruction', importance: 0.9 },
    { text: 'Booked a dentist appointment for Tuesday at 10am', kind: 'event', metadata: { calendar: true } },
    { text: 'The quarterly report is due at the end of March', kind: 'event', metadata: { calendar: true } },
    { text: 'Temporary one-time login code 448812', kind: 'fact', ttlMs: 60_000 },
  ]);
  say('The user moves: a new memory supersedes the old one (kept as history, not deleted).');
  await agent.memories.remember({ text: 'The user moved to Lisbon in 2024', kind: 'fact', tags: ['profile'], supersedes: city!.id });
} else {
  say(`Existing agent: ${await agent.memories.count()} current memories (run with ENGRAM_DIR=<new dir> to start fresh).`);
}

for (const [query, options] of [
  ['where does the user live?', {}],
  ['what does the user like to drink', { mode: 'vector' }],
  ['dentist', { mode: 'text' }],
  ['upcoming deadlines and appointments', { metadata: { calendar: true } }],
] as const) {
  say();
  say(`recall(${JSON.stringify(query)}${Object.keys(options).length ? `, ${JSON.stringify(options)}` : ''}):`);
  show(await agent.memories.recall(query, { limit: 3, ...options }));
}

const [current] = await agent.memories.list({ tags: ['profile'] });
if (current) {
  say();
  say('history of the profile memory:');
  for (const m of await agent.memories.history(current.id)) say(`    ${m.validFrom} .. ${m.validTo ?? 'now'}  ${m.text}`);
}

say();
say('agent.files: a virtual file system with search over its text');
await agent.files.writeFile('/notes/trip.md', '# Trip\n\nFlights to Lisbon leave on Friday morning.\nPack sunscreen.\n', { parents: true });
await agent.files.writeFile('/notes/work.md', '# Work\n\nThe quarterly report is due at the end of March.\n', { parents: true });
say(`    ${(await agent.files.readdir('/notes')).map((e) => `${e.path} (${e.size} bytes)`).join(', ')}`);
for (const hit of await agent.files.search('when do the flights leave?', { limit: 1 })) {
  say(
    `    search -> ${hit.path} lines ${hit.startLine}-${hit.endLine}: ${JSON.stringify(hit.text.split('\n').find((l) => l.includes('Lisbon')))}`,
  );
}

say('agent.kv: small JSON state by key');
await agent.kv.set('settings/units', 'metric');
await agent.kv.set('settings/language', 'en');
say(`    ${JSON.stringify(await agent.kv.list({ prefix: 'settings/', values: true }).then((l) => l.map((e) => [e.key, e.value])))}`);

say('agent.tasks: a plan with a dependency, claimed and completed by a worker');
if ((await agent.tasks.list({ limit: 1 })).length === 0) {
  const research = await agent.tasks.create({ title: 'Look up flights to Lisbon', priority: 2 });
  await agent.tasks.create({ title: 'Book the cheapest flight', dependsOn: [research.id] });
} else {
  say('    (the plan exists from an earlier run)');
}
for (let task; (task = await agent.tasks.claim({ worker: 'demo-worker', leaseMs: 60_000 }));) {
  await agent.tasks.complete(task.id, { worker: 'demo-worker', result: { ok: true } });
  say(`    done: ${task.title}`);
}

say('agent.actions: tool calls logged by wrap(), nested into a trace');
const lookup = agent.actions.wrap('lookup_memory', async (q: string) => (await agent.memories.recall(q, { limit: 1 }))[0]?.memory.text);
const answer = agent.actions.wrap('answer', async (q: string) => `Based on memory: ${await lookup(q)}`);
say(`    ${await answer('where does the user live?')}`);
for (const s of await agent.actions.stats()) say(`    ${s.name}: ${s.count} call(s), p50 ${s.p50Ms} ms, errors ${s.errors}`);

say();
say(`agents under ${dir}: ${(await engram.list()).join(', ')}`);
await engram.close();
say(`done in ${Math.round(performance.now() - started)} ms.`);

/**
 * The demo behind `npm start`: opens the default data directory, gives one agent a few
 * memories, and recalls them by meaning, by words and both, printing each step.
 * Data lives in ./.engram (or $ENGRAM_DIR) and persists between runs.
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
say(`agents under ${dir}: ${(await engram.list()).join(', ')}`);
await engram.close();
say(`done in ${Math.round(performance.now() - started)} ms.`);

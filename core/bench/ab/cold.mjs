// Interleaved A/B of cold open + first hybrid recall of small agents (see cold-child.mjs):
//   node core/bench/ab/cold.mjs BEFORE_DIST AFTER_DIST [rounds=5] [drivers=turso,sqlite] [agents=2000] [sample=200]
// The fleet is built once per driver (by BEFORE_DIST) in /tmp/cold-ab-<driver>-<agents>, then both builds open
// agents of it in alternating order each round. Prints the median of rounds per figure.
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const [before, after, rounds = '5', driverList = 'turso,sqlite', agents = '2000', sample = '200'] = process.argv.slice(2);
if (!before || !after) throw new Error('usage: node core/bench/ab/cold.mjs BEFORE_DIST AFTER_DIST [rounds] [drivers] [agents] [sample]');
const builds = { before: resolve(before), after: resolve(after) };
const child = fileURLToPath(new URL('./cold-child.mjs', import.meta.url));
const run = (dist, driver, task, dir) =>
  JSON.parse(execFileSync('node', [child, dist, driver, task, dir, agents, sample], { encoding: 'utf8' }).trim().split('\n').pop());
const results = {};
for (const driver of driverList.split(',')) {
  const dir = `/tmp/cold-ab-${driver}-${agents}`;
  run(builds.before, driver, 'build', dir);
  for (let r = 0; r < Number(rounds); r++) {
    for (const [name, dist] of r % 2 ? Object.entries(builds).reverse() : Object.entries(builds)) {
      const res = run(dist, driver, 'cold', dir);
      for (const [k, v] of Object.entries(res)) ((results[`${driver} ${k}`] ??= {})[name] ??= []).push(v);
    }
    process.stderr.write(`round ${r + 1}/${rounds} ${driver} done, load average ${loadavg()[0].toFixed(1)}\n`);
  }
}
const med = (x) => [...x].sort((a, b) => a - b)[x.length >> 1];
const fmt = (x) => String(+Number(x).toFixed(3));
for (const [k, v] of Object.entries(results)) {
  console.log(
    `${k.padEnd(20)} before ${fmt(med(v.before)).padStart(7)}   after ${fmt(med(v.after)).padStart(7)}   (${v.before.map(fmt).join(', ')} | ${v.after.map(fmt).join(', ')})`,
  );
}

// A/B of two builds of core on this machine, interleaved (the order alternates each round), median of rounds:
//   git worktree add /tmp/base <commit> && ln -s "$PWD/node_modules" /tmp/base/node_modules && (cd /tmp/base && npx tsc -b core)
//   npm run build && tsc -p core/tsconfig.bench.json
//   node core/bench/ab/run.mjs /tmp/base/core/dist core/dist [rounds=3] [tasks=insert,query] [drivers=turso,sqlite]
// insert: 10k memories (384 dims) in batches of 1000 into a fresh agent, then 100 single remember() calls.
// query: on a 100k-memory agent built once per build and driver (/tmp/ab-<name>-<driver>): reopen, first
// vector recall, then 59 warm ones. Wall and CPU (user + system) times; JSON per child, a table at the end.
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const [before, after, rounds = '3', taskList = 'insert,query', driverList = 'turso,sqlite'] = process.argv.slice(2);
if (!before || !after) throw new Error('usage: node core/bench/ab/run.mjs BEFORE_DIST AFTER_DIST [rounds] [tasks] [drivers]');
const builds = { before: resolve(before), after: resolve(after) };
const tasks = taskList.split(',');
const child = fileURLToPath(new URL('./child.mjs', import.meta.url));
const run = (dist, driver, task, dir) =>
  JSON.parse(execFileSync('node', [child, dist, driver, task, dir], { encoding: 'utf8' }).trim().split('\n').pop());
const results = {};
for (const driver of driverList.split(',')) {
  if (tasks.includes('query')) for (const [name, dist] of Object.entries(builds)) run(dist, driver, 'build', `/tmp/ab-${name}-${driver}`);
  for (let r = 0; r < Number(rounds); r++) {
    for (const [name, dist] of r % 2 ? Object.entries(builds).reverse() : Object.entries(builds)) {
      for (const task of tasks) {
        const res = run(dist, driver, task, task === 'insert' ? `/tmp/ab-ins-${name}-${driver}` : `/tmp/ab-${name}-${driver}`);
        for (const [k, v] of Object.entries(res)) ((results[`${driver} ${k}`] ??= {})[name] ??= []).push(v);
      }
    }
    process.stderr.write(`round ${r + 1}/${rounds} ${driver} done, load average ${loadavg()[0].toFixed(1)}\n`);
  }
}
const med = (x) => [...x].sort((a, b) => a - b)[x.length >> 1];
const fmt = (x) => String(+Number(x).toFixed(2));
for (const [k, v] of Object.entries(results)) {
  if (!v.before || !v.after) continue;
  console.log(
    `${k.padEnd(26)} before ${fmt(med(v.before)).padStart(9)}   after ${fmt(med(v.after)).padStart(9)}   (${v.before.map(fmt).join(', ')} | ${v.after.map(fmt).join(', ')})`,
  );
}

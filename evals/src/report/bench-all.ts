/**
 * `npm run bench:all [-- --quick] [--only=core,branches,mcp,locomo,scale,sync] [--data PATH] [--report-only]`:
 * runs every benchmark of the repo, each as a child process (a crash is reported, not fatal),
 * then writes results/REPORT.md, results/report.json and results/report-*.svg: each figure
 * beside its baseline and target, with the machine, the date and the git commit.
 * `--quick` runs each benchmark in its smoke-test size; `--report-only` rebuilds the report
 * from the JSON already in results/.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { WordVectorEmbedder } from '@engram/core';
import { machineInfo, REPO_ROOT } from '../lib/machine.js';
import { log } from '../lib/progress.js';
import { formatCell, textTable } from '../lib/table.js';
import { BENCHMARKS, buildReport, duration, type BenchmarkId, type ReportInputs, type RunRecord } from './build.js';
import { runStep, stopCurrentStep } from './run-step.js';

const USAGE = 'usage: npm run bench:all -- [--quick] [--only=core,branches,mcp,locomo,scale,sync] [--data LOCOMO.json] [--report-only]';
const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string', default: BENCHMARKS.join(',') },
    data: { type: 'string' },
    'report-only': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const only = new Set(values.only.split(',').filter(Boolean));
for (const id of only) if (!(BENCHMARKS as readonly string[]).includes(id)) throw new Error(`unknown benchmark "${id}". ${USAGE}`);
const quick = values.quick;
const RESULTS = join(REPO_ROOT, 'results');
const FILES: Record<BenchmarkId, string> = {
  core: 'bench-core.json',
  branches: 'bench-branches.json',
  mcp: 'bench-mcp.json',
  locomo: 'locomo.json',
  scale: 'scale.json',
  sync: 'bench-sync.json',
};
const say = (message: string) => log('bench:all', message);

const locomoData = values.data ? resolve(values.data) : resolve(REPO_ROOT, '../shared/datasets/locomo/locomo-dev.json');

interface Plan {
  id: BenchmarkId;
  title: string;
  reproduce: string;
  /** The child to run (command and arguments), or why it is skipped. */
  run: { command: string; args: string[] } | { skip: string };
}

const node = (script: string, ...args: string[]) => ({ command: process.execPath, args: [script, ...args] });

function plans(): Plan[] {
  const q = (flag: string) => (quick ? [flag] : []);
  return [
    {
      id: 'core',
      title: 'Core',
      reproduce: `npm run bench${quick ? ' -- --quick' : ''}`,
      run: node('core/dist-bench/bench/run.js', ...q('--quick')),
    },
    {
      id: 'branches',
      title: 'Branches',
      reproduce: `npm run bench -- --only=branches${quick ? ' --quick' : ''}`,
      run: node('core/dist-bench/bench/run.js', '--only=branches', ...q('--quick')),
    },
    {
      id: 'mcp',
      title: 'MCP server',
      reproduce: `npm run bench:mcp${quick ? ' -- --memories=1000 --calls=100' : ''}`,
      run: node('mcp-server/dist-bench/bench/bench-mcp.js', ...(quick ? ['--memories=1000', '--calls=100'] : [])),
    },
    {
      id: 'locomo',
      title: 'LoCoMo',
      reproduce: `npm run eval:locomo -- --data ${values.data ?? '../shared/datasets/locomo/locomo-dev.json'}${quick ? ' --embedders default' : ' --ablation'}`,
      run: existsSync(locomoData)
        ? node('evals/dist/locomo/run.js', '--data', locomoData, '--out', RESULTS, ...(quick ? ['--embedders', 'default'] : ['--ablation']))
        : { skip: `no LoCoMo data at ${locomoData}: pass --data PATH` },
    },
    {
      id: 'scale',
      title: 'Scale',
      reproduce: `npm run eval:scale${quick ? ' -- --quick' : ''}`,
      run: node('evals/dist/scale/run.js', '--out', RESULTS, ...q('--quick')),
    },
    {
      id: 'sync',
      title: 'Sync',
      reproduce: `npm run bench:sync${quick ? ' -- --quick' : ''}`,
      run: node('core/dist-bench/bench/sync.js', ...q('--quick')),
    },
  ];
}

/** The JSON a benchmark wrote, when it was written at or after `since` (ms since the epoch). */
function readResult(id: BenchmarkId, since: number): unknown {
  const file = join(RESULTS, FILES[id]);
  if (!existsSync(file) || statSync(file).mtimeMs < since - 1000) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

process.once('SIGINT', () => {
  stopCurrentStep();
  process.stderr.write('\nbench:all: interrupted\n');
  process.exit(130);
});

const started = Date.now();
const runs: RunRecord[] = [];
const stepStarts = new Map<BenchmarkId, number>();
const data: ReportInputs['data'] = {};
/** Each benchmark's JSON goes to the report under its id (the section reads it tolerantly). */
const keep = (id: BenchmarkId, json: unknown) => Object.assign(data, { [id]: json });
mkdirSync(RESULTS, { recursive: true });
const todo = plans().filter((p) => only.has(p.id));
for (const [i, p] of todo.entries()) {
  const base = { id: p.id, title: p.title, command: p.reproduce };
  if (values['report-only']) {
    const found = readResult(p.id, 0);
    if (found !== undefined) keep(p.id, found);
    const file = join(RESULTS, FILES[p.id]);
    runs.push({
      ...base,
      status: found === undefined ? 'skipped' : 'ok',
      note: found === undefined ? `no ${FILES[p.id]} in results/` : `not re-run: ${FILES[p.id]} of ${statSync(file).mtime.toISOString()}`,
    });
    continue;
  }
  // The branches benchmark is a section of `npm run bench`: take what the core run just wrote.
  const coreStarted = stepStarts.get('core');
  if (p.id === 'branches' && coreStarted !== undefined) {
    const fromCore = readResult('branches', coreStarted);
    if (fromCore !== undefined) {
      keep('branches', fromCore);
      runs.push({ ...base, status: 'ok', note: 'written by the core benchmark run above' });
      say(`[${i + 1}/${todo.length}] ${p.title}: measured by the core benchmark above`);
      continue;
    }
  }
  if ('skip' in p.run) {
    say(`[${i + 1}/${todo.length}] ${p.title}: skipped: ${p.run.skip}`);
    runs.push({ ...base, status: 'skipped', note: p.run.skip });
    continue;
  }
  say(`[${i + 1}/${todo.length}] ${p.title}: ${p.reproduce}`);
  const stepStarted = Date.now();
  stepStarts.set(p.id, stepStarted);
  const logFile = join('logs', `${p.id}.log`);
  const outcome = await runStep(p.id, p.run.command, p.run.args, { cwd: REPO_ROOT, log: join(RESULTS, logFile) });
  const result = readResult(p.id, stepStarted);
  if (result !== undefined) keep(p.id, result);
  const status = outcome.ok && result !== undefined ? 'ok' : 'failed';
  const note = outcome.error ?? (result === undefined ? `finished but wrote no fresh ${FILES[p.id]}` : undefined);
  runs.push({ ...base, status, seconds: Math.round(outcome.seconds), log: logFile, ...(note ? { note } : {}) });
  say(`[${i + 1}/${todo.length}] ${p.title}: ${status} in ${duration(outcome.seconds)}${note ? ` (${note})` : ''}`);
}

const report = buildReport({
  machine: machineInfo(),
  quick,
  defaultEmbedderId: new WordVectorEmbedder().id,
  runs,
  ...(values['report-only'] ? {} : { wallSeconds: Math.round((Date.now() - started) / 1000) }),
  data,
});
writeFileSync(join(RESULTS, 'REPORT.md'), report.markdown);
writeFileSync(join(RESULTS, 'report.json'), `${JSON.stringify(report.json, null, 2)}\n`);
for (const c of report.charts) writeFileSync(join(RESULTS, c.file), c.svg);

const s = report.json.summary;
const targeted = report.json.sections.flatMap((sec) =>
  sec.figures.filter((f) => f.target).map((f) => [sec.id, f.name, f.value, `${f.target!.op} ${formatCell(f.target!.value)}`, f.status]),
);
process.stdout.write(
  `\n== Figures with a target: ${s.pass} PASS, ${s.miss} MISS\n${textTable(['section', 'figure', 'value', 'target', 'status'], targeted)}\n`,
);
process.stdout.write(
  `\n${textTable(
    ['benchmark', 'status', 'time', 'note'],
    runs.map((r) => [r.title, r.status, duration(r.seconds), r.note]),
  )}\n`,
);
say(`written results/REPORT.md, results/report.json and ${report.charts.length} charts in ${duration((Date.now() - started) / 1000)}`);
if (runs.some((r) => r.status === 'failed')) process.exitCode = 1;

/**
 * `npm run eval:scale`: many agents on one machine, per driver. Creates `--agents` agents
 * (default 100k) with 3-5 memories each through worker threads, then reports disk per idle
 * agent, the create rate, cold open + first recall over a random sample with every agent on
 * disk (page cache warm, and dropped), and resident memory with 1k / 10k agents in use.
 * Progress on stderr, tables on stdout, everything in results/scale.json.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { machineInfo } from '../lib/machine.js';
import { log } from '../lib/progress.js';
import { round } from '../lib/stats.js';
import { canEvict, coldOpen } from './cold.js';
import { createAgents, diskUsage } from './create.js';
import { loadEmbedder } from './fleet.js';
import { parseScaleOptions } from './options.js';
import { residentMemory } from './resident.js';
import { scaleTables, type ScaleDriverResult, type ScaleResults } from './summary.js';

const options = parseScaleOptions(process.argv.slice(2));
const started = performance.now();
const root = mkdtempSync(join(options.dir, 'engram-scale-'));
const cleanup = () => {
  if (!options.keep) rmSync(root, { recursive: true, force: true });
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    // Worker threads may still be writing agents: remove the fleets from a detached process once this one is gone.
    if (!options.keep) {
      const remove = `setTimeout(() => require('fs').rmSync(${JSON.stringify(root)}, { recursive: true, force: true }), 500)`;
      spawn(process.execPath, ['-e', remove], { detached: true, stdio: 'ignore' }).unref();
    }
    process.stderr.write(`\neval:scale: ${signal}${options.keep ? `, fleets kept under ${root}` : `, removing ${root}`}\n`);
    process.exit(130);
  });
}

const embedder = await loadEmbedder(options.embedder);
const notes: string[] = [];
log(
  'scale',
  `${options.agents.toLocaleString('en-US')} agents per driver (${options.drivers.join(', ')}), ${options.workers} workers, embedder ${embedder.id}, under ${root}`,
);
if (!canEvict())
  notes.push('page cache not dropped for the cold sample: needs Linux and GNU dd (iflag=nocache); only the warm-cache figures are given');

const drivers: ScaleDriverResult[] = [];
try {
  for (const driver of options.drivers) {
    const dir = join(root, driver);
    const result: ScaleDriverResult = { driver, cold: [], resident: [] };
    drivers.push(result);
    try {
      result.create = await createAgents(dir, driver, options.embedder, options.agents, options.workers);
      result.disk = diskUsage(dir, options.agents);
      log('scale', `${driver}: ${result.create.agentsPerSec} agents/s, ${Math.round(result.disk.bytesPerAgent / 1024)} KB per idle agent`);
      result.cold = await coldOpen(dir, driver, options.embedder, options.agents, options.sample);
      result.resident = await residentMemory(dir, driver, options.embedder, options.agents, options.resident);
    } catch (err) {
      result.error = err instanceof Error ? err.message : String(err);
      log('scale', `${driver} failed: ${result.error}`);
    }
    if (!options.keep) {
      log('scale', `removing the ${driver} fleet`);
      rmSync(dir, { recursive: true, force: true });
    }
  }
} finally {
  cleanup();
}
if (options.keep) notes.push(`fleets kept under ${root}`);

const { dir: _dir, out: _out, ...shown } = options;
const results: ScaleResults = {
  benchmark: 'scale',
  timestamp: new Date().toISOString(),
  wallSeconds: round((performance.now() - started) / 1000, 1),
  options: shown,
  embedder: { spec: options.embedder, id: embedder.id, dims: embedder.dims },
  machine: machineInfo([options.dir]),
  drivers,
  notes,
};
process.stdout.write(`${scaleTables(results)}\n`);
mkdirSync(options.out, { recursive: true });
const file = join(options.out, 'scale.json');
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
log('scale', `written ${file}`);
if (drivers.some((d) => d.error || d.resident.some((r) => r.error))) process.exitCode = 1;

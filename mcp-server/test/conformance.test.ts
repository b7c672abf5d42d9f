/**
 * The official MCP conformance suite (@modelcontextprotocol/conformance), its server
 * scenarios that apply to Engram (those not needing the suite's own test tools, prompts and
 * resources), against `engram serve` on both engines. On Node 20 the suite's CLI runs with a
 * small module hook (conformance/node20-*.mjs) standing in for fs.globSync, which it imports
 * but those scenarios never call.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startHttpServer } from '../src/http.js';
import { DRIVER_NAMES, onCleanup, openEngram, tempDir } from './helpers.js';

const SCENARIOS = [
  'server-initialize',
  'ping',
  'logging-set-level',
  'tools-list',
  'resources-list',
  'server-sse-multiple-streams',
  'dns-rebinding-protection',
];

const require = createRequire(import.meta.url);
const SUITE = join(require.resolve('@modelcontextprotocol/conformance/package.json'), '..', 'dist', 'index.js');
const NODE20 = Number(process.versions.node.split('.')[0]) < 22;
const REGISTER = fileURLToPath(new URL('./conformance/node20-register.mjs', import.meta.url));

interface Check {
  id: string;
  status: string;
  errorMessage?: string;
}

function runScenario(url: string, scenario: string): Promise<Check[]> {
  const out = tempDir();
  const args = [...(NODE20 ? ['--import', REGISTER] : []), SUITE, 'server', '--url', url, '--scenario', scenario, '-o', out];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { timeout: 60_000 }, (err, stdout, stderr) => {
      const dirs = readdirSync(out);
      if (dirs.length !== 1) return reject(new Error(`${scenario}: no results (${err?.message ?? ''})\n${stdout}\n${stderr}`));
      resolve(JSON.parse(readFileSync(join(out, dirs[0]!, 'checks.json'), 'utf8')) as Check[]);
    });
  });
}

describe.each(DRIVER_NAMES)('MCP conformance suite, server scenarios (%s)', (driver) => {
  it.each(SCENARIOS)('%s', async (scenario) => {
    const http = await startHttpServer({ engram: await openEngram(driver), port: 0 });
    onCleanup(() => http.close());
    const checks = await runScenario(`http://localhost:${http.port}/agents/conformance/mcp`, scenario);
    expect(checks.filter((c) => c.status === 'SUCCESS').length, JSON.stringify(checks)).toBeGreaterThan(0);
    expect(checks.filter((c) => c.status === 'FAILURE')).toEqual([]);
  });
});

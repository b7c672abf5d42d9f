/**
 * The scale harness end to end on a tiny fleet, both drivers, through its built CLI
 * (evals/dist: `npm test` builds first), as `npm run eval:scale` runs it. No timings are checked.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { ScaleResults } from '../src/scale/summary.js';

const CLI = fileURLToPath(new URL('../dist/scale/run.js', import.meta.url));

describe('eval:scale on 50 agents', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scale-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('creates, measures and cleans up on both drivers', async () => {
    const args = [
      '--agents',
      '50',
      '--sample',
      '10',
      '--resident',
      '5,20',
      '--workers',
      '2',
      '--embedder',
      'hash',
      '--dir',
      dir,
      '--out',
      dir,
    ];
    const { stdout } = await promisify(execFile)(process.execPath, [CLI, ...args], { maxBuffer: 1 << 24 });
    expect(stdout).toContain('Cold open + first recall');
    const r = JSON.parse(readFileSync(join(dir, 'scale.json'), 'utf8')) as ScaleResults;
    expect(r.embedder.id).toMatch(/^hash/);
    expect(r.drivers.map((d) => d.driver)).toEqual(['turso', 'sqlite']);
    for (const d of r.drivers) {
      expect(d.error).toBeUndefined();
      expect(d.create).toMatchObject({ agents: 50, workers: 2 });
      expect(d.create!.memories).toBeGreaterThanOrEqual(150);
      expect(d.create!.memories).toBeLessThanOrEqual(250);
      expect(d.disk!.bySuffix['.db']!.files).toBe(50);
      expect(d.disk!.allocatedPerAgent).toBeGreaterThan(0);
      const warm = d.cold.find((c) => c.cache === 'warm')!;
      expect(warm.totalMs.n).toBe(10);
      expect(warm.emptyRecalls).toBe(0);
      if (process.platform === 'linux') expect(d.cold.find((c) => c.cache === 'evicted')?.sample).toBe(10);
      expect(d.resident.map((m) => [m.requested, m.agents, m.processes])).toEqual([
        [5, 5, 1],
        [20, 20, 1],
      ]);
      expect(d.resident[1]!.rssPerAgentInUse).toBeGreaterThan(0);
    }
    // Only scale.json is left: the fleets' temp directory is gone.
    expect(readdirSync(dir)).toEqual(['scale.json']);
  });
});

/**
 * The scale harness end to end on a tiny fleet, both drivers, through its built CLI
 * (evals/dist: `npm test` builds first), as `npm run eval:scale` runs it. No timings are checked.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { suiteSetup, tempDir } from '@engram/test-support';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ScaleResults } from '../src/scale/summary.js';

const CLI = fileURLToPath(new URL('../dist/scale/run.js', import.meta.url));

describe('eval:scale on 50 agents', () => {
  let dir = '';

  let stdout = '';
  let r: ScaleResults;
  // One run of the harness for the block: the tests read its output.
  beforeAll(() =>
    suiteSetup(async () => {
      dir = tempDir('scale-test-');
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
      ({ stdout } = await promisify(execFile)(process.execPath, [CLI, ...args], { maxBuffer: 1 << 24 }));
      r = JSON.parse(readFileSync(join(dir, 'scale.json'), 'utf8')) as ScaleResults;
    }),
  );

  it('prints the cold-open table', () => {
    expect(stdout).toContain('Cold open + first recall');
  });

  it('records the embedder and runs both drivers', () => {
    expect(r.embedder.id).toMatch(/^hash/);
    expect(r.drivers.map((d) => d.driver)).toEqual(['turso', 'sqlite']);
  });

  describe.each(['turso', 'sqlite'])('on %s', (driver) => {
    const d = () => r.drivers.find((x) => x.driver === driver)!;

    it('creates the fleet without an error', () => {
      expect(d().error).toBeUndefined();
      expect(d().create).toMatchObject({ agents: 50, workers: 2 });
      expect(d().create!.memories).toBeGreaterThanOrEqual(150);
      expect(d().create!.memories).toBeLessThanOrEqual(250);
    });

    it('measures the disk: one database file per agent', () => {
      expect(d().disk!.bySuffix['.db']!.files).toBe(50);
      expect(d().disk!.allocatedPerAgent).toBeGreaterThan(0);
    });

    it('measures cold open + first recall with a warm page cache, and an evicted one on Linux', () => {
      const warm = d().cold.find((c) => c.cache === 'warm')!;
      expect(warm.totalMs.n).toBe(10);
      expect(warm.emptyRecalls).toBe(0);
      if (process.platform === 'linux') expect(d().cold.find((c) => c.cache === 'evicted')?.sample).toBe(10);
    });

    it('measures resident memory at each requested number of agents', () => {
      expect(d().resident.map((m) => [m.requested, m.agents, m.processes])).toEqual([
        [5, 5, 1],
        [20, 20, 1],
      ]);
      expect(d().resident[1]!.rssPerAgentInUse).toBeGreaterThan(0);
    });
  });

  it('leaves only scale.json: the fleets are cleaned up', () => {
    // Only scale.json is left: the fleets' temp directory is gone.
    expect(readdirSync(dir)).toEqual(['scale.json']);
  });
});

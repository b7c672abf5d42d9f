/**
 * The quickstart demo as users run it (its built dist, as `npm run demo` does), twice on one
 * ENGRAM_DIR: the second run adds no memories and no tasks.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Engram } from '@engram/core';
import { describe, expect, it } from 'vitest';

const script = join(dirname(fileURLToPath(import.meta.url)), '../dist/main.js');

describe('quickstart example', () => {
  it('run twice on one data directory: nothing is doubled', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'engram-quickstart-'));
    try {
      const run = () => execFileSync(process.execPath, [script], { env: { ...process.env, ENGRAM_DIR: dir }, encoding: 'utf8' });
      const counts = async () => {
        const engram = await Engram.open({ dir });
        try {
          const agent = await engram.agent('demo-agent');
          return { memories: await agent.memories.count({ includeSuperseded: true }), tasks: (await agent.tasks.list()).length };
        } finally {
          await engram.close();
        }
      };
      expect(run()).toContain('First run: remembering six memories');
      const first = await counts();
      expect(first.tasks).toBe(2);
      const second = run();
      expect(second).toMatch(/Existing agent: \d+ current memories/);
      expect(second).toContain('(the plan exists from an earlier run)');
      expect(await counts()).toEqual(first);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

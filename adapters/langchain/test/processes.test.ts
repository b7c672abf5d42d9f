/**
 * Two processes upserting the same document ids through EngramVectorStore at once (the built
 * package, as users run it): every id ends with exactly one current document.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DRIVER_NAMES, openEngram, tempDir } from './helpers.js';

const UPSERTER = fileURLToPath(new URL('./fixtures/upserter.mjs', import.meta.url));
const BUILT = fileURLToPath(new URL('../dist/index.js', import.meta.url));

function upserter(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [UPSERTER, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stderr })));
}

describe.each(DRIVER_NAMES)('EngramVectorStore upserts from two processes (%s)', (driver) => {
  it.runIf(existsSync(BUILT))('leave exactly one current document per id', async () => {
    const dir = tempDir();
    const results = await Promise.all(['alpha', 'beta'].map((tag) => upserter([dir, driver, 'shared', tag, '8'])));
    expect(
      results.map((r) => r.code),
      results.map((r) => r.stderr).join('\n'),
    ).toEqual([0, 0]);
    const agent = await (await openEngram(driver, { dir })).agent('shared');
    const current = await agent.memories.list({ kinds: ['document'], limit: 1000 });
    expect(current.map((m) => m.metadata.lc_id).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `d${i}`).sort());
    expect(await agent.memories.count({ kinds: ['document'], includeSuperseded: true })).toBe(160);
  });
});

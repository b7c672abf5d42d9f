import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/main.js';

describe('langgraph-agent example', () => {
  it('runs offline: remembers across threads and restores a thread after a restart', async () => {
    const lines: string[] = [];
    await main((line) => lines.push(line));
    const out = lines.join('\n');
    expect(out).toMatch(/\[thread-2\] {3}recalled: I prefer green tea over coffee/);
    expect(out).toContain('thread-1 restored from its checkpoint: 4 messages');
    expect(out).toMatch(/\[thread-1\] {3}recalled: I live in Lisbon by the river/);
    expect(out).toMatch(/thread-1 has \d+ checkpoints; the store holds 2 memories about alice/);
  });

  it('run twice on one ENGRAM_DIR: the memories are replaced, not doubled, and the thread goes on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'engram-langgraph-twice-'));
    const previous = process.env.ENGRAM_DIR;
    process.env.ENGRAM_DIR = dir;
    try {
      const runs: string[] = [];
      for (let i = 0; i < 2; i++) {
        const lines: string[] = [];
        await main((line) => lines.push(line));
        runs.push(lines.join('\n'));
      }
      expect(runs[0]).toMatch(/thread-1 has 15 checkpoints; the store holds 2 memories about alice/);
      expect(runs[1]).toMatch(/thread-1 has 30 checkpoints; the store holds 2 memories about alice/);
      expect(runs[1]).toContain('thread-1 restored from its checkpoint: 10 messages');
    } finally {
      if (previous === undefined) delete process.env.ENGRAM_DIR;
      else process.env.ENGRAM_DIR = previous;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

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
});

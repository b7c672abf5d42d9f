import { describe, expect, it } from 'vitest';
import { main } from '../src/main.js';

describe('rag-files example', () => {
  it('runs offline and grounds each question in the right handbook file', async () => {
    const lines: string[] = [];
    await main((line) => lines.push(line));
    const out = lines.join('\n');
    const [, deploy, food] = out.split('question: ');
    expect(deploy).toMatch(/\[\/handbook\/deploy\.md:\d+-\d+\][\s\S]*npm run rollback/);
    expect(food).toMatch(/\[\/handbook\/expenses\.md:\d+-\d+\][\s\S]*40 euros/);
    expect(out).toContain('answer: Run `npm run rollback`');
  });
});

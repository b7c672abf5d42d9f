/**
 * The reply-size check every tool result passes: measured exactly only near the limit, so a
 * reply is refused exactly when its JSON is over MAX_REPLY_BYTES, whatever its characters.
 */
import { describe, expect, it } from 'vitest';
import { MAX_REPLY_BYTES } from '../src/limits.js';
import { checkReplyFits, jsonBytes } from '../src/tool-kit.js';

/** `{ text: <string> }` whose JSON takes exactly `bytes` bytes, with `unit` repeated. */
function replyOf(bytes: number, unit: string): { text: string } {
  const overhead = jsonBytes({ text: '' });
  const unitBytes = jsonBytes(unit) - 2;
  const count = Math.floor((bytes - overhead) / unitBytes);
  const value = { text: unit.repeat(count) + 'x'.repeat(bytes - overhead - count * unitBytes) };
  expect(jsonBytes(value)).toBe(bytes);
  return value;
}

describe('checkReplyFits', () => {
  it.each([
    ['ascii', 'a'],
    ['escapes', '"\u0001\\'],
    ['three-byte characters', '€'],
    ['astral characters', '😀'],
  ])('refuses exactly what is over the limit (%s)', (_, unit) => {
    expect(() => checkReplyFits(replyOf(MAX_REPLY_BYTES, unit))).not.toThrow();
    expect(() => checkReplyFits(replyOf(MAX_REPLY_BYTES + 1, unit), 'ask for less')).toThrow(/LIMIT_EXCEEDED|over the/);
  });

  it('measures what only JSON.stringify can tell exactly', () => {
    const big = { toJSON: () => 'x'.repeat(MAX_REPLY_BYTES) };
    expect(() => checkReplyFits({ results: [big] })).toThrow(/over the/);
    expect(() => checkReplyFits({ when: new Date(0), n: [1, null, true, undefined], nested: { a: { b: 'c' } } })).not.toThrow();
  });
});

/**
 * Filters that delete, and strings that need escaping in JSON: an effectively empty filter
 * never deletes everything, and tags or paths with quotes, backslashes and control characters
 * match on both engines.
 */
import { describe, expect, it } from 'vitest';
import { DRIVER_NAMES, expectCode, openEngram } from './helpers.js';

const ODD_TAGS = ['say "hi"', 'back\\slash', 'tab\there', 'new\nline', 'ünïcode 😀', '\u0001ctl', 'end\\'];

describe.each(DRIVER_NAMES)('memory filters (%s)', (driver) => {
  it('refuses forget() with a filter that selects everything, unless { all: true }', async () => {
    const engram = await openEngram(driver);
    const agent = await engram.agent('forget-empty');
    const old = await agent.memories.remember({ text: 'old fact', metadata: { a: 1 } });
    await agent.memories.remember({ text: 'new fact', supersedes: old.id });
    await agent.memories.remember({ text: 'other' });
    for (const filter of [
      {},
      { metadata: {} },
      { includeSuperseded: true },
      { includeSuperseded: false },
      { metadata: {}, includeSuperseded: true },
    ]) {
      await expectCode(agent.memories.forget(filter), 'INVALID_ARGUMENT');
      await expectCode(agent.memories.forget({ ...filter, all: false }), 'INVALID_ARGUMENT');
    }
    await expectCode(agent.memories.forget({ all: 'yes' } as never), 'INVALID_ARGUMENT');
    expect(await agent.memories.count({ includeSuperseded: true })).toBe(3);
    // A real condition still works, and reaches superseded versions.
    expect(await agent.memories.forget({ metadata: { a: 1 } })).toBe(1);
    expect(await agent.memories.forget({ metadata: {}, all: true })).toBe(2);
    expect(await agent.memories.count({ includeSuperseded: true })).toBe(0);
  });

  it('refuses an offset beyond what SQL takes as an integer', async () => {
    const engram = await openEngram(driver);
    const agent = await engram.agent('big-offset');
    await agent.memories.remember({ text: 'x' });
    for (const offset of [1e20, 2 ** 63, -1, 1.5]) await expectCode(agent.memories.list({ offset }), 'INVALID_ARGUMENT');
    expect(await agent.memories.list({ offset: Number.MAX_SAFE_INTEGER })).toEqual([]);
  });

  it('refuses a recall preference that adds no condition', async () => {
    const engram = await openEngram(driver);
    const agent = await engram.agent('prefer-empty');
    await agent.memories.remember({ text: 'tea' });
    await expectCode(agent.memories.recall('tea', { prefer: { metadata: {} } }), 'INVALID_ARGUMENT');
    await expectCode(agent.memories.recall('tea', { prefer: { includeSuperseded: true } }), 'INVALID_ARGUMENT');
    expect((await agent.memories.recall('tea', { prefer: { includeSuperseded: false } })).length).toBe(1);
  });

  it('matches tags with quotes, backslashes, tabs, newlines and unicode everywhere', async () => {
    const engram = await openEngram(driver);
    const agent = await engram.agent('odd-tags');
    const mems = await agent.memories.remember(ODD_TAGS.map((tag, i) => ({ text: `memory ${i} about tea`, tags: [tag, 'common'] })));
    await agent.memories.remember({ text: 'untagged memory about tea' });
    for (const [i, tag] of ODD_TAGS.entries()) {
      const id = mems[i]!.id;
      expect(
        (await agent.memories.list({ tags: [tag] })).map((m) => m.id),
        JSON.stringify(tag),
      ).toEqual([id]);
      expect(await agent.memories.count({ tags: [tag, 'common'] })).toBe(1);
      expect((await agent.memories.recall('tea', { tags: [tag] })).map((r) => r.memory.id)).toEqual([id]);
      const preferred = await agent.memories.recall('tea', { prefer: { tags: [tag], weight: 1 }, limit: 3 });
      expect(preferred[0]!.memory.id).toBe(id);
      expect(preferred[0]!.parts.preferred).toBe(true);
    }
    // Near misses do not match: the escaped form, a prefix, the tag without its odd character.
    for (const miss of ['say \\"hi\\"', 'say "hi', 'back\\\\slash', 'tab\\there', 'newline']) {
      expect(await agent.memories.count({ tags: [miss] }), JSON.stringify(miss)).toBe(0);
    }
    for (const tag of ODD_TAGS) expect(await agent.memories.forget({ tags: [tag] })).toBe(1);
    expect((await agent.memories.list()).map((m) => m.text)).toEqual(['untagged memory about tea']);
  });

  it('finds directories whose names hold quotes', async () => {
    const engram = await openEngram(driver);
    const files = (await engram.agent('odd-paths')).files;
    await files.writeFile('/say "hi"/a.md', 'a', { parents: true });
    await files.writeFile('/say "hi"/b.md', 'b'); // the parent exists: no parents option needed
    await files.mkdir('/say "hi"/sub/deeper', { recursive: true });
    await files.writeFile('/say "hi"/sub/deeper/c.md', 'c');
    expect((await files.readdir('/say "hi"', { recursive: true })).map((f) => f.path)).toEqual([
      '/say "hi"/a.md',
      '/say "hi"/b.md',
      '/say "hi"/sub',
      '/say "hi"/sub/deeper',
      '/say "hi"/sub/deeper/c.md',
    ]);
    await expectCode(files.writeFile('/say "hi"/a.md/x', 'x', { parents: true }), 'CONFLICT');
  });
});

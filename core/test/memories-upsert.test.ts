/**
 * remember()'s options for adapters: upserts by a metadata key resolved inside the write
 * transaction (replaceByMetadataKey), text kept exactly (exactText), and memories.vectors().
 */
import { describe, expect, it } from 'vitest';
import { DRIVER_NAMES, expectCode, openEngram } from './helpers.js';

describe.each(DRIVER_NAMES)('memories upsert options on %s', (driver) => {
  it('replaceByMetadataKey: concurrent upserts of one key leave one current memory, superseding all earlier ones', async () => {
    const agent = await (await openEngram(driver)).agent('upsert');
    const options = { replaceByMetadataKey: 'doc' };
    const results = await Promise.all(
      ['one', 'two', 'three'].map((text) => agent.memories.remember({ text, kind: 'document', metadata: { doc: 'a' } }, options)),
    );
    const current = await agent.memories.list({ kinds: ['document'] });
    expect(current).toHaveLength(1);
    expect(results.map((m) => m.id)).toContain(current[0]!.id);
    // Duplicates written without the option (as older adapters did) are all replaced by the next upsert.
    await agent.memories.remember([
      { text: 'dup 1', kind: 'document', metadata: { doc: 'b' } },
      { text: 'dup 2', kind: 'document', metadata: { doc: 'b' } },
    ]);
    const fresh = await agent.memories.remember({ text: 'b again', kind: 'document', metadata: { doc: 'b', n: 1 } }, options);
    const docs = await agent.memories.list({ kinds: ['document'], metadata: { doc: 'b' } });
    expect(docs.map((m) => m.text)).toEqual(['b again']);
    expect(fresh.supersedes).toMatch(/^mem_/);
    const old = await agent.memories.get(fresh.supersedes!);
    expect(old?.supersededBy).toBe(fresh.id);
  });

  it('replaceByMetadataKey matches kind and the string value only, and the last of a batch wins', async () => {
    const agent = await (await openEngram(driver)).agent('scope');
    const options = { replaceByMetadataKey: 'doc' };
    await agent.memories.remember({ text: 'fact a', kind: 'fact', metadata: { doc: 'a' } });
    await agent.memories.remember({ text: 'number 1', kind: 'document', metadata: { doc: 1 } });
    await agent.memories.remember({ text: 'string 1', kind: 'document', metadata: { doc: '1' } }, options);
    await agent.memories.remember(
      [
        { text: 'first', kind: 'document', metadata: { doc: 'a' } },
        { text: 'second', kind: 'document', metadata: { doc: 'a' } },
      ],
      options,
    );
    const texts = async (kind: string) => (await agent.memories.list({ kinds: [kind] })).map((m) => m.text).sort();
    expect(await texts('document')).toEqual(['number 1', 'second', 'string 1']);
    expect(await texts('fact')).toEqual(['fact a']);
    await expectCode(agent.memories.remember({ text: 'x' }, { replaceByMetadataKey: 'a"b' }), 'INVALID_ARGUMENT');
    await expectCode(agent.memories.remember({ text: 'x' }, { replaceByMetadataKey: '' }), 'INVALID_ARGUMENT');
  });

  it('exactText keeps surrounding whitespace and accepts an empty text; without it, text is trimmed and empty refused', async () => {
    const agent = await (await openEngram(driver)).agent('exact');
    const vector = Array.from({ length: 64 }, (_, i) => (i === 3 ? 1 : 0));
    const [spaced, empty] = await agent.memories.remember(
      [
        { text: '  indented\n', vector },
        { text: '', vector },
      ],
      { exactText: true },
    );
    expect((await agent.memories.get(spaced!.id))?.text).toBe('  indented\n');
    expect((await agent.memories.get(empty!.id))?.text).toBe('');
    expect((await agent.memories.remember({ text: '  trimmed  ' })).text).toBe('trimmed');
    await expectCode(agent.memories.remember({ text: '   ' }), 'INVALID_ARGUMENT');
  });

  it('vectors() returns the stored unit vectors by id and leaves unknown ids out', async () => {
    const agent = await (await openEngram(driver)).agent('vectors');
    const given = Array.from({ length: 64 }, (_, i) => (i % 7) - 3);
    const [a, b] = await agent.memories.remember([{ text: 'given', vector: given }, { text: 'embedded by the agent' }]);
    await agent.memories.forget(b!.id);
    const missing = 'mem_' + '0'.repeat(32);
    const vectors = await agent.memories.vectors([a!.id, b!.id, missing, a!.id]);
    expect([...vectors.keys()]).toEqual([a!.id]);
    const norm = Math.hypot(...given);
    const stored = Array.from(vectors.get(a!.id)!);
    stored.forEach((x, i) => expect(x).toBeCloseTo(given[i]! / norm, 6));
    expect((await agent.memories.vectors([])).size).toBe(0);
    await expectCode(agent.memories.vectors(['nope']), 'INVALID_ARGUMENT');
  });
});

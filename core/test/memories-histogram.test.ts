import { describe, expect, it } from 'vitest';
import { DRIVER_NAMES, expectCode, openEngram } from './helpers.js';

describe.each(DRIVER_NAMES)('memories.histogram on %s', (driver) => {
  it('counts memories per whole-day period of valid-from time, with filters', async () => {
    const engram = await openEngram(driver);
    const agent = await engram.agent('hist');
    expect(await agent.memories.histogram()).toEqual({ start: null, bucketMs: 86_400_000, counts: [] });
    const day = 86_400_000;
    const base = Date.UTC(2026, 0, 10, 15, 30);
    const at = (d: number, kind = 'fact') => ({ text: `memory on day ${d}`, kind, validFrom: base + d * day });
    await agent.memories.remember([at(0), at(0, 'event'), at(1), at(4), at(9, 'event')]);
    const daily = await agent.memories.histogram({ buckets: 30 });
    expect(daily.start).toBe('2026-01-10T00:00:00.000Z');
    expect(daily.bucketMs).toBe(day);
    expect(daily.counts).toEqual([2, 1, 0, 0, 1, 0, 0, 0, 0, 1]);
    const coarse = await agent.memories.histogram({ buckets: 3 }); // 10 days in buckets of 4 days
    expect(coarse.bucketMs).toBe(4 * day);
    expect(coarse.counts).toEqual([3, 1, 1]);
    expect((await agent.memories.histogram({ kinds: ['event'] })).counts).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect(coarse.counts.reduce((a, b) => a + b)).toBe(await agent.memories.count());
  });

  it('refuses a bucket count below 1 and unknown fields', async () => {
    const agent = await (await openEngram(driver)).agent('hist');
    await expectCode(agent.memories.histogram({ buckets: 0 }), 'INVALID_ARGUMENT');
    await expectCode(agent.memories.histogram({ bucket: 3 } as never), 'INVALID_ARGUMENT');
  });
});

import { beforeEach, describe, expect, it } from 'vitest';
import type { Agent } from '../src/agent.js';
import { prefixEnd } from '../src/kv/key-range.js';
import { DRIVER_NAMES, expectCode, openEngram } from './helpers.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('kv prefix ranges', () => {
  it('bounds every key that starts with the prefix', () => {
    expect(prefixEnd('user:')).toBe('user;');
    expect(prefixEnd('')).toBeNull();
    expect(prefixEnd('a\u{10ffff}')).toBe('b');
    expect(prefixEnd('\u{10ffff}')).toBeNull();
    expect(prefixEnd('x\ud7ff')).toBe('x\ue000');
    expect(prefixEnd('a😀')).toBe('a😁');
  });
});

describe.each(DRIVER_NAMES)('kv on %s', (driver) => {
  let kv: Agent['kv'];
  beforeEach(async () => {
    kv = (await (await openEngram(driver)).agent('kv')).kv;
  });

  describe('get, set, has and delete', () => {
    it('get of a missing key is undefined and has is false', async () => {
      expect(await kv.get('missing')).toBeUndefined();
      expect(await kv.has('missing')).toBe(false);
    });

    it('set stores a JSON value that get returns equal', async () => {
      await kv.set('user:prefs', { theme: 'dark', langs: ['en', 'fr'], n: 1.5, ok: true, none: null });
      expect(await kv.get('user:prefs')).toEqual({ theme: 'dark', langs: ['en', 'fr'], n: 1.5, ok: true, none: null });
    });

    it('null is a value: get returns null and has is true', async () => {
      await kv.set('nothing', null);
      expect(await kv.get('nothing')).toBeNull();
      expect(await kv.has('nothing')).toBe(true);
    });

    it('set replaces the value of an existing key', async () => {
      await kv.set('count', 1);
      await kv.set('count', 2);
      expect(await kv.get<number>('count')).toBe(2);
    });

    it('a Date is stored as its ISO string', async () => {
      await kv.set('when', new Date('2024-01-02T03:04:05.000Z'));
      expect(await kv.get('when')).toBe('2024-01-02T03:04:05.000Z');
    });

    it('keys may hold any Unicode text', async () => {
      await kv.set('emoji 😀 ключ', 'ok');
      expect(await kv.get('emoji 😀 ключ')).toBe('ok');
    });

    it('delete returns true for a key it removed and false when there was none', async () => {
      await kv.set('count', 2);
      expect(await kv.delete('count')).toBe(true);
      expect(await kv.delete('count')).toBe(false);
      expect(await kv.get('count')).toBeUndefined();
    });
  });

  describe('list', () => {
    beforeEach(async () => {
      await kv.set('user:prefs', { theme: 'dark', langs: ['en', 'fr'], n: 1.5, ok: true, none: null });
      await kv.set('nothing', null);
      await kv.set('count', 2);
      await kv.set('when', new Date('2024-01-02T03:04:05.000Z'));
      await kv.set('emoji 😀 ключ', 'ok');
    });

    it('returns keys in order with their times, without values', async () => {
      const listed = await kv.list();
      expect(listed.map((e) => e.key)).toEqual(['count', 'emoji 😀 ключ', 'nothing', 'user:prefs', 'when']);
      expect(listed[0]).not.toHaveProperty('value');
      expect(listed[0]).toMatchObject({ expiresAt: null });
      expect(listed[0]!.updatedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    });

    it('returns values on request, filtered by prefix', async () => {
      const withValues = await kv.list({ prefix: 'user:', values: true });
      expect(withValues).toEqual([expect.objectContaining({ key: 'user:prefs', value: expect.objectContaining({ theme: 'dark' }) })]);
    });
  });

  // Expiry: generous TTLs so a loaded machine cannot expire a key before it is read back.
  describe('expiry', () => {
    it('a key set with ttlMs reads back while live and lists its expiresAt', async () => {
      await kv.set('short', 'lived', { ttlMs: 200 });
      expect(await kv.get('short')).toBe('lived');
      expect((await kv.list({ prefix: 'short', values: true }))[0]!.expiresAt).not.toBeNull();
    });

    it('setting a live key again keeps its createdAt', async () => {
      await kv.set('fresh', 1, { ttlMs: 200 });
      const [first] = await kv.list({ prefix: 'fresh' });
      await kv.set('fresh', 2, { ttlMs: 200 });
      expect((await kv.list({ prefix: 'fresh' }))[0]!.createdAt).toBe(first!.createdAt); // still live: same createdAt
    });

    it('an expired key is gone from get, has and list', async () => {
      await kv.set('short', 'lived', { ttlMs: 200 });
      await sleep(250);
      expect(await kv.get('short')).toBeUndefined();
      expect(await kv.has('short')).toBe(false);
      expect((await kv.list()).map((e) => e.key)).not.toContain('short');
    });

    it('a plain set clears the expiry', async () => {
      await kv.set('kept', 1, { ttlMs: 200 });
      await kv.set('kept', 2); // a plain set() clears the expiry
      await sleep(250);
      expect(await kv.get('kept')).toBe(2);
    });

    it('setting an expired key starts it afresh', async () => {
      await kv.set('fresh', 1, { ttlMs: 200 });
      const [first] = await kv.list({ prefix: 'fresh' });
      await sleep(250);
      await kv.set('fresh', 3); // had expired: starts afresh
      const [again] = await kv.list({ prefix: 'fresh' });
      expect(Date.parse(again!.createdAt)).toBeGreaterThan(Date.parse(first!.createdAt));
      expect(again!.expiresAt).toBeNull();
    });

    it('purgeExpired deletes the expired rows and counts them', async () => {
      await kv.set('short', 'lived', { ttlMs: 200 });
      await kv.set('kept', 1, { ttlMs: 200 });
      await kv.set('kept', 2);
      await sleep(250);
      expect(await kv.purgeExpired()).toBe(1);
      expect(await kv.purgeExpired()).toBe(0);
    });
  });

  it('lists prefixes literally: % and _ are not wildcards', async () => {
    const keys = ['100%', '100%_done', '100x', '1000', 'a_b', 'a_c', 'aXb', 'ab', 'A_b', 'a\\_b', 'a%', 'a'];
    for (const k of keys) await kv.set(k, k);
    const list = async (prefix: string) => (await kv.list({ prefix })).map((e) => e.key);
    expect(await list('100%')).toEqual(['100%', '100%_done']);
    expect(await list('a_')).toEqual(['a_b', 'a_c']);
    expect(await list('a%')).toEqual(['a%']);
    expect(await list('a\\')).toEqual(['a\\_b']);
    expect(await list('a')).toEqual(['a', 'a%', 'aXb', 'a\\_b', 'a_b', 'a_c', 'ab']);
    expect(await list('A')).toEqual(['A_b']); // case-sensitive, unlike LIKE
    expect(await list('zzz')).toEqual([]);
  });

  it('pages with after and limit', async () => {
    for (let i = 0; i < 25; i++) await kv.set(`item:${String(i).padStart(2, '0')}`, i);
    await kv.set('other', 0);
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await kv.list({ prefix: 'item:', limit: 10, after, values: true });
      if (page.length === 0) break;
      seen.push(...page.map((e) => e.key));
      after = page.at(-1)!.key;
    }
    expect(seen).toHaveLength(25);
    expect(seen[0]).toBe('item:00');
    expect(seen[24]).toBe('item:24');
  });

  describe('bad keys, values and options are refused and change nothing', () => {
    beforeEach(() => kv.set('k', 'original'));
    const unchanged = async () => {
      expect((await kv.list({ values: true })).map((e) => [e.key, e.value])).toEqual([['k', 'original']]);
    };

    it('values that are not JSON are INVALID_ARGUMENT, oversized ones LIMIT_EXCEEDED', async () => {
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      const bad: [unknown, string][] = [
        [undefined, 'INVALID_ARGUMENT'],
        [() => 1, 'INVALID_ARGUMENT'],
        [{ f: () => 1 }, 'INVALID_ARGUMENT'],
        [10n, 'INVALID_ARGUMENT'],
        [{ big: 10n }, 'INVALID_ARGUMENT'],
        [cyclic, 'INVALID_ARGUMENT'],
        [NaN, 'INVALID_ARGUMENT'],
        [[1, undefined], 'INVALID_ARGUMENT'],
        [new Map([['a', 1]]), 'INVALID_ARGUMENT'],
        [Symbol('s'), 'INVALID_ARGUMENT'],
        ['x'.repeat(256 * 1024), 'LIMIT_EXCEEDED'],
        [{ s: 'é'.repeat(130 * 1024) }, 'LIMIT_EXCEEDED'],
      ];
      for (const [value, code] of bad) await expectCode(kv.set('k', value), code);
      await unchanged();
    });

    it('an oversized value is refused naming the limit', async () => {
      const tooBig = await expectCode(kv.set('k', 'x'.repeat(300_000)), 'LIMIT_EXCEEDED');
      expect(tooBig.message).toMatch(/limit is 262144/);
      await unchanged();
    });

    it('empty, too long, NUL, lone-surrogate and non-string keys are INVALID_ARGUMENT', async () => {
      for (const key of ['', 'x'.repeat(513), 'a\0b', 'a\ud800', 42, null]) {
        await expectCode(kv.set(key as string, 1), 'INVALID_ARGUMENT');
        await expectCode(kv.get(key as string), 'INVALID_ARGUMENT');
      }
      await unchanged();
    });

    it('a key of 512 characters is the longest accepted', async () => {
      await kv.set('x'.repeat(512), 'longest key');
      expect(await kv.get('k')).toBe('original');
      expect((await kv.list({ values: true })).map((e) => [e.key.length, e.value])).toEqual([
        [1, 'original'],
        [512, 'longest key'],
      ]);
    });

    it('bad ttl, limits, unknown fields and non-object options are INVALID_ARGUMENT', async () => {
      await expectCode(kv.set('k', 1, { ttlMs: 0 }), 'INVALID_ARGUMENT');
      await expectCode(kv.set('k', 1, { ttl: 5 } as never), 'INVALID_ARGUMENT');
      await expectCode(kv.list({ limit: 0 }), 'INVALID_ARGUMENT');
      await expectCode(kv.list({ limit: 1001 }), 'INVALID_ARGUMENT');
      await expectCode(kv.list({ prefx: 'a' } as never), 'INVALID_ARGUMENT');
      await expectCode(kv.list('user:' as never), 'INVALID_ARGUMENT');
      await expectCode(kv.list({ values: 'yes' } as never), 'INVALID_ARGUMENT');
      await unchanged();
    });
  });
});

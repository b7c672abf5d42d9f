/**
 * Times and durations: out-of-range values are refused before anything is written, and rows
 * already on disk with times no Date can hold (written by an older version, or by hand) never
 * make a read throw; they are shown, so they can be removed. Likewise JSON columns that do not parse.
 */
import { describe, expect, it } from 'vitest';
import type { Agent } from '../src/agent.js';
import { DRIVER_NAMES, expectCode, openEngram } from './helpers.js';

const sql = (agent: Agent, text: string, params: (string | number | null)[] = []) => agent.use((s) => s.conn.run(text, params));
const MAX_ISO = '+275760-09-13T00:00:00.000Z';

describe.each(DRIVER_NAMES)('time and duration inputs (%s)', (driver) => {
  it('refuses out-of-range ttlMs, durations and days with INVALID_ARGUMENT and stores nothing', async () => {
    const engram = await openEngram(driver);
    const agent = await engram.agent('times-in');
    for (const ttlMs of [1e20, 8.64e15, Number.MAX_VALUE, Infinity, -1, 0, NaN]) {
      await expectCode(agent.memories.remember({ text: `ttl ${ttlMs}`, ttlMs }), 'INVALID_ARGUMENT');
      await expectCode(agent.kv.set(`k${ttlMs}`, 1, { ttlMs }), 'INVALID_ARGUMENT');
    }
    await expectCode(agent.memories.remember([{ text: 'fine' }, { text: 'bad', ttlMs: 1e20 }]), 'INVALID_ARGUMENT');
    expect(await agent.memories.count()).toBe(0);
    expect(await agent.kv.list()).toEqual([]);

    const kept = await agent.memories.remember({ text: 'kept', ttlMs: 60_000 });
    await expectCode(agent.memories.update(kept.id, { ttlMs: 1e20 }), 'INVALID_ARGUMENT');
    expect((await agent.memories.get(kept.id))!.expiresAt).toBe(kept.expiresAt);

    for (const bad of [
      { durationMs: 1e20 },
      { durationMs: 8.64e15 + 1 },
      { durationMs: -1 },
      { startedAt: 8.6e15, durationMs: 1e14 },
      { finishedAt: -8.6e15, durationMs: 1e14 },
    ]) {
      await expectCode(agent.actions.record({ name: 'bad', output: null, ...bad }), 'INVALID_ARGUMENT');
    }
    await expectCode(
      agent.actions.record([
        { name: 'ok', output: 1 },
        { name: 'bad', output: 1, durationMs: 1e20 },
      ]),
      'INVALID_ARGUMENT',
    );
    expect(await agent.actions.recent()).toEqual([]);
    await expectCode(agent.actions.setRetention({ maxAgeDays: 1e20 }), 'INVALID_ARGUMENT');
    await expectCode(agent.actions.prune({ olderThanDays: Infinity }), 'INVALID_ARGUMENT');
    expect(await agent.actions.getRetention()).toBeNull();

    // The largest accepted values still read back.
    const far = await agent.memories.remember({ text: 'far', expiresAt: 8.64e15 });
    expect(far.expiresAt).toBe(MAX_ISO);
    const long = await agent.actions.record({ name: 'long', output: 1, finishedAt: 8.64e15, durationMs: 8.64e15 });
    expect(long).toMatchObject({ startedAt: new Date(0).toISOString(), finishedAt: MAX_ISO, durationMs: 8.64e15 });
    await agent.kv.set('soon', 1, { ttlMs: 8.64e15 - Date.now() - 60_000 });
    expect(await agent.kv.get('soon')).toBe(1);
  });

  it('reads rows whose times are out of range or unreadable, and lets them be deleted', async () => {
    const engram = await openEngram(driver);
    const agent = await engram.agent('times-on-disk');
    const m = await agent.memories.remember({ text: 'the poisoned memory about tea', tags: ['t'] });
    await agent.memories.remember({ text: 'a healthy memory about tea' });
    await agent.kv.set('bad', 1);
    await agent.kv.set('good', 2);
    const a = await agent.actions.record({ name: 'bad', output: 1, durationMs: 5 });
    await agent.actions.record({ name: 'good', output: 1, durationMs: 5 });
    const t = await agent.tasks.create({ title: 'bad task' });
    await agent.files.writeFile('/bad.md', 'poisoned file about tea');

    // As an older version (or a hand edit) could have left them.
    await sql(agent, 'UPDATE memories SET expires_at = ?, valid_from = ?, updated_at = ? WHERE uid = ?', [1e20, 1e20, -1e20, m.id]);
    await sql(agent, 'UPDATE kv SET expires_at = ?, created_at = ?, updated_at = ? WHERE key = ?', [1e20, 'garbage', 1e300, 'bad']);
    await sql(agent, 'UPDATE actions SET duration_ms = ?, started_at = ?, finished_at = ? WHERE uid = ?', [1e20, -1e20, 1e20, a.id]);
    await sql(agent, 'UPDATE tasks SET due_at = ?, created_at = ?, lease_expires_at = ? WHERE id = ?', [1e20, 1e20, -1e20, t.id]);
    await sql(agent, 'UPDATE files SET modified_at = ?, created_at = ? WHERE path = ?', [1e20, 'x', '/bad.md']);

    for (let round = 0; round < 2; round++) {
      const listed = await agent.memories.list();
      const bad = listed.find((x) => x.id === m.id)!;
      expect(bad).toMatchObject({ validFrom: MAX_ISO, expiresAt: MAX_ISO, updatedAt: '-271821-04-20T00:00:00.000Z' });
      expect(await agent.memories.count()).toBe(2);
      expect((await agent.memories.recall('tea', { weights: { recency: 0.3 } })).map((r) => r.memory.id)).toContain(m.id);
      expect((await agent.memories.recall('tea', { mode: 'vector' })).length).toBe(2);
      expect((await agent.memories.get(m.id))!.id).toBe(m.id);
      expect((await agent.memories.history(m.id)).length).toBe(1);

      const entries = await agent.kv.list({ values: true });
      expect(entries.find((e) => e.key === 'bad')).toMatchObject({
        createdAt: new Date(0).toISOString(),
        updatedAt: MAX_ISO,
        expiresAt: MAX_ISO,
      });
      expect(await agent.kv.get('bad')).toBe(1);

      const recent = await agent.actions.recent();
      expect(recent.find((x) => x.id === a.id)).toMatchObject({ durationMs: 1e20, finishedAt: MAX_ISO });
      expect((await agent.actions.list({ name: 'bad' })).length).toBe(1);
      expect((await agent.actions.stats()).find((s) => s.name === 'bad')!.maxMs).toBe(1e20);
      expect((await agent.actions.timeline({ since: -8.64e15 })).map((x) => x.name)).toEqual(['good']); // started before any Date
      expect((await agent.actions.trace(a.id)).id).toBe(a.id);

      expect((await agent.tasks.get(t.id))!.dueAt).toBe(MAX_ISO);
      expect((await agent.tasks.list()).map((x) => x.id)).toEqual([t.id]);
      expect((await agent.tasks.ready()).map((x) => x.id)).toEqual([t.id]);

      expect((await agent.files.stat('/bad.md')).modifiedAt).toBe(MAX_ISO);
      expect((await agent.files.readdir('/')).map((f) => f.path)).toEqual(['/bad.md']);
      expect((await agent.files.search('poisoned file')).length).toBe(1);
      await agent.close(); // and again after reopening
    }

    expect(await agent.memories.forget(m.id)).toBe(1);
    expect(await agent.kv.delete('bad')).toBe(true);
    expect(await agent.actions.prune({ keepLast: 1 })).toBe(1);
    expect((await agent.actions.recent()).map((x) => x.name)).toEqual(['good']);
    expect(await agent.tasks.cancel(t.id)).toEqual([t.id]);
    expect(await agent.files.rm('/bad.md')).toBe(1);
    expect((await agent.memories.list()).map((x) => x.text)).toEqual(['a healthy memory about tea']);
  });

  it('reads rows whose JSON columns do not parse, and lets them be deleted', async () => {
    const engram = await openEngram(driver);
    const agent = await engram.agent('json-on-disk');
    const m = await agent.memories.remember({ text: 'broken json memory', tags: ['t'], metadata: { a: 1 } });
    const a = await agent.actions.record({ name: 'broken', input: { q: 1 }, output: 2, durationMs: 1 });
    const t = await agent.tasks.create({ title: 'broken', payload: { p: 1 } });
    await sql(agent, 'UPDATE memories SET tags = ?, metadata = ?, valid_from = ?, importance = ? WHERE uid = ?', [
      'not json',
      '[1,2]',
      'soon',
      'high',
      m.id,
    ]);
    await sql(agent, 'UPDATE actions SET input = ?, output = ?, metadata = ?, duration_ms = ? WHERE uid = ?', [
      '{',
      '{"x":',
      'null',
      'slow',
      a.id,
    ]);
    await sql(agent, 'UPDATE tasks SET payload = ?, result = ? WHERE id = ?', ['{', '}', t.id]);
    expect((await agent.memories.list())[0]).toMatchObject({ id: m.id, tags: [], metadata: {} });
    const [hit] = await agent.memories.recall('broken json', { weights: { recency: 0.3, importance: 0.3 } });
    expect(hit!.memory).toMatchObject({ id: m.id, importance: 0, validFrom: new Date(0).toISOString() });
    expect(Number.isFinite(hit!.score)).toBe(true);
    expect(await agent.actions.get(a.id)).toMatchObject({ input: null, output: null, metadata: {} });
    expect((await agent.actions.recent()).length).toBe(1);
    expect(await agent.actions.stats()).toMatchObject([{ name: 'broken', p50Ms: 0, avgMs: 0, maxMs: 0 }]);
    expect(await agent.tasks.get(t.id)).toMatchObject({ payload: null, result: null });
    expect(await agent.memories.forget(m.id)).toBe(1);
    expect(await agent.tasks.cancel(t.id)).toEqual([t.id]);
  });
});

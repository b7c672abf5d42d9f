import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Agent } from '../src/agent.js';
import { actionStats } from '../src/actions/stats.js';
import type { Action, ActionNode } from '../src/actions/types.js';
import { DRIVER_NAMES, expectCode, openEngram, suiteSetup } from './helpers.js';

const DAY = 86_400_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
type Log = Agent['actions'];
const shape = (n: ActionNode): unknown => ({ name: n.name, children: n.children.map(shape) });

/** A run with a root, two nested calls (one failed, in another run), a recorded call and an old recorded error. */
async function buildRun(log: Log) {
  const root = await log.start({ name: 'plan', input: { goal: 'tea' }, runId: 'run-1', sessionId: 's-1', taskId: 'task-9' });
  const search = await log.start({ name: 'web_search', input: 'green tea', parentId: root.id });
  await sleep(5);
  await log.finish(search.id, { output: { hits: ['a', 'b'] } });
  const fetch = await log.start({ name: 'fetch', input: { url: 'https://x' }, parentId: search.id, runId: 'run-other' });
  await log.finish(fetch.id, { error: Object.assign(new TypeError('boom'), { code: 'E_NET' }) });
  await sleep(20); // so that the recorded action below starts after fetch
  const recorded = await log.record({ name: 'web_search', input: 'oolong', output: [], parentId: root.id, durationMs: 12.5 });
  const recordedError = await log.record({
    name: 'web_search',
    error: 'rate limited',
    startedAt: '2020-01-01T00:00:00.000Z',
    finishedAt: new Date('2020-01-01T00:00:01.500Z'),
  });
  await log.finish(root.id, {});
  return { root, search, fetch, recorded, recordedError };
}

describe.each(DRIVER_NAMES)('actions on %s', (driver) => {
  let agent: Agent;
  let log: Log;
  beforeEach(async () => {
    agent = await (await openEngram(driver)).agent('actions');
    log = agent.actions;
  });

  describe('start, finish and record', () => {
    it('start returns a running action with its input, run, session, task and metadata', async () => {
      const root = await log.start({
        name: 'plan',
        input: { goal: 'tea' },
        runId: 'run-1',
        sessionId: 's-1',
        taskId: 'task-9',
        metadata: { model: 'm' },
      });
      expect(root).toMatchObject({ name: 'plan', status: 'running', input: { goal: 'tea' }, output: null, error: null, parentId: null });
      expect(root).toMatchObject({
        runId: 'run-1',
        sessionId: 's-1',
        taskId: 'task-9',
        metadata: { model: 'm' },
        finishedAt: null,
        durationMs: null,
      });
      expect(root.id).toMatch(/^act_[0-9a-f]{32}$/);
      expect(await log.get(root.id)).toEqual(root);
    });

    it('a child inherits run, session and task from its parent, unless it names its own run', async () => {
      const root = await log.start({ name: 'plan', runId: 'run-1', sessionId: 's-1', taskId: 'task-9' });
      const search = await log.start({ name: 'web_search', input: 'green tea', parentId: root.id });
      expect(search).toMatchObject({ parentId: root.id, runId: 'run-1', sessionId: 's-1', taskId: 'task-9' });
      const fetch = await log.start({ name: 'fetch', input: { url: 'https://x' }, parentId: search.id, runId: 'run-other' });
      expect(fetch.runId).toBe('run-other');
    });

    it('finish with an output marks the action ok and stores how long it ran', async () => {
      const search = await log.start({ name: 'web_search', input: 'green tea' });
      await sleep(5);
      const done = await log.finish(search.id, { output: { hits: ['a', 'b'] } });
      expect(done).toMatchObject({ status: 'ok', output: { hits: ['a', 'b'] }, error: null });
      expect(done.durationMs).toBeGreaterThanOrEqual(4);
      expect(Date.parse(done.finishedAt!)).toBeGreaterThanOrEqual(Date.parse(done.startedAt));
    });

    it('finish with an error stores its name, message and code', async () => {
      const fetch = await log.start({ name: 'fetch', input: { url: 'https://x' } });
      const failed = await log.finish(fetch.id, { error: Object.assign(new TypeError('boom'), { code: 'E_NET' }) });
      expect(failed).toMatchObject({ status: 'error', output: null, error: { name: 'TypeError', message: 'boom', code: 'E_NET' } });
    });

    it('finish with neither output nor error marks the action ok', async () => {
      const root = await log.start({ name: 'plan' });
      await log.finish(root.id, {});
      expect((await log.get(root.id))!.status).toBe('ok');
    });

    it('record stores a finished call, inheriting the run and spanning its duration', async () => {
      const root = await log.start({ name: 'plan', runId: 'run-1' });
      const recorded = await log.record({ name: 'web_search', input: 'oolong', output: [], parentId: root.id, durationMs: 12.5 });
      expect(recorded).toMatchObject({ status: 'ok', durationMs: 12.5, runId: 'run-1' });
      expect(Date.parse(recorded.finishedAt!) - Date.parse(recorded.startedAt)).toBe(13);
    });

    it('record with an error and explicit times derives the duration', async () => {
      const recordedError = await log.record({
        name: 'web_search',
        error: 'rate limited',
        startedAt: '2020-01-01T00:00:00.000Z',
        finishedAt: new Date('2020-01-01T00:00:01.500Z'),
      });
      expect(recordedError).toMatchObject({
        status: 'error',
        error: { message: 'rate limited' },
        durationMs: 1500,
        parentId: null,
        input: null,
      });
    });
  });

  describe('wrapped calls, also when they run concurrently', () => {
    let first: unknown, second: unknown;
    let roots: Action[];
    beforeEach(async () => {
      const fetchPage = log.wrap('fetch', async (url: string) => {
        await sleep(2);
        if (url.includes('bad')) throw new Error(`cannot fetch ${url}`);
        return { url, bytes: url.length };
      });
      const search = log.wrap(
        'web_search',
        async (q: string, n: number) => {
          const pages = await Promise.allSettled([fetchPage(`https://a/${q}`), fetchPage(`https://bad/${q}`)]);
          return pages.slice(0, n).map((p) => p.status);
        },
        { runId: 'run-w', metadata: { v: 1 } },
      );
      const agentTurn = log.wrap('turn', async () => {
        const manual = await log.start({ name: 'think' }); // nests under the wrapped call by default
        await log.finish(manual.id, { output: 'ok' });
        return [await search('tea', 2), await search('coffee', 1)];
      });
      [first, second] = await Promise.all([agentTurn(), agentTurn()]);
      roots = await log.list({ parentId: null, order: 'oldest' });
    });

    it('return what the wrapped functions return', () => {
      expect(first).toEqual([['fulfilled', 'rejected'], ['fulfilled']]);
      expect(second).toEqual(first);
    });

    it('log each outer call as a root holding its input and output', async () => {
      expect(roots.map((a) => a.name)).toEqual(['turn', 'turn']);
      for (const root of roots) {
        const tree = await log.trace(root.id);
        expect(tree).toMatchObject({ status: 'ok', input: [], output: [['fulfilled', 'rejected'], ['fulfilled']] });
      }
    });

    it('nest inner calls and manual starts under the call they run in, with the run and metadata given to wrap', async () => {
      expect(roots).toHaveLength(2);
      for (const root of roots) {
        const tree = await log.trace(root.id);
        expect(tree.children.map((c) => c.name)).toEqual(['think', 'web_search', 'web_search']);
        const [, s1, s2] = tree.children;
        expect(s1).toMatchObject({ input: ['tea', 2], runId: 'run-w', metadata: { v: 1 } });
        expect(s1!.children.map((c) => c.name)).toEqual(['fetch', 'fetch']);
        expect(s2!.children).toHaveLength(2);
      }
    });

    it('log a call that threw as an error, with its message and duration', async () => {
      expect(roots).toHaveLength(2);
      for (const root of roots) {
        const [, s1] = (await log.trace(root.id)).children;
        const statuses = s1!.children.map((c) => c.status).sort();
        expect(statuses).toEqual(['error', 'ok']);
        const bad = s1!.children.find((c) => c.status === 'error')!;
        expect(bad).toMatchObject({ runId: 'run-w', error: { name: 'Error', message: 'cannot fetch https://bad/tea' }, output: null });
        expect(bad.durationMs).toBeGreaterThan(0);
      }
    });

    it('show in the timeline of their run at their depth', async () => {
      const timeline = await log.timeline({ runId: 'run-w' });
      expect(timeline).toHaveLength(12);
      expect(timeline.every((a) => a.depth === (a.name === 'web_search' ? 1 : 2))).toBe(true);
    });

    it('leave a manual start outside any wrapped call top-level', async () => {
      expect((await log.start({ name: 'later' })).parentId).toBeNull();
    });

    it('count in the stats like any other call', async () => {
      expect((await log.stats({ name: 'fetch' }))[0]).toMatchObject({ count: 8, ok: 4, errors: 4, errorRate: 0.5 });
    });
  });

  describe('wrap', () => {
    it('rethrows the original error and logs it', async () => {
      const err = new RangeError('nope');
      const fails = log.wrap('fails', () => {
        throw err;
      });
      await expect(fails()).rejects.toBe(err);
      const [f] = await log.recent({ limit: 1 });
      expect(f).toMatchObject({ name: 'fails', status: 'error', error: { name: 'RangeError', message: 'nope' } });
    });

    it('logs what the input and output mappers return, and passes the real result through', async () => {
      const big = log.wrap('big', (n: number) => ({ blob: 'x'.repeat(n), id: 10n }), {
        input: (n) => ({ size: n, secret: undefined }),
        output: (r) => ({ length: r.blob.length }),
      });
      expect((await big(70_000)).blob).toHaveLength(70_000);
      const [b] = await log.recent({ limit: 1 });
      expect(b).toMatchObject({ name: 'big', status: 'ok', input: { size: 70_000 }, output: { length: 70_000 } });
    });

    it('logs an output over the size limit as $omitted', async () => {
      const raw = log.wrap('raw', (n: number) => ({ blob: 'x'.repeat(n) }));
      await raw(70_000);
      const [r] = await log.recent({ limit: 1 });
      expect(r!.output).toEqual({ $omitted: expect.stringMatching(/limit is 65536/) });
    });

    it('logs undefined arguments as null and a cyclic output as $omitted', async () => {
      const cyclic = log.wrap('cyclic', (a?: number) => {
        const o: Record<string, unknown> = { a };
        o.self = o;
        return o;
      });
      await cyclic(undefined);
      const [c] = await log.recent({ limit: 1 });
      expect(c!.input).toEqual([null]);
      expect(c!.output).toEqual({ $omitted: expect.stringMatching(/not JSON-serialisable/) });
    });

    it('refuses a missing function, an empty name and unknown options', () => {
      expect(() => log.wrap('x', 'nope' as never)).toThrow(/takes a name and a function/);
      expect(() => log.wrap('', () => 1)).toThrow(/name must be/);
      expect(() => log.wrap('x', () => 1, { runID: 'r' } as never)).toThrow(/unknown field "runID"/);
    });
  });

  it('computes nearest-rank percentiles from known durations', async () => {
    // 1..100 ms in shuffled order, every tenth an error; a 3-value and a 1-value tool.
    const durations = Array.from({ length: 100 }, (_, i) => ((i * 37) % 100) + 1);
    const batch = await log.record(
      durations.map((d) => (d % 10 === 0 ? { name: 'search', durationMs: d, error: 'x' } : { name: 'search', durationMs: d })),
    );
    expect(batch).toHaveLength(100);
    expect(batch[1]).toMatchObject({ name: 'search', durationMs: 38, status: 'ok' });
    for (const d of [30, 10, 20]) await log.record({ name: 'read', durationMs: d });
    await log.record({ name: 'once', durationMs: 7.25 });
    await log.start({ name: 'once' }); // running: counted, no duration
    const stats = Object.fromEntries((await log.stats()).map((s) => [s.name, s]));
    expect(stats.search).toEqual({
      name: 'search',
      count: 100,
      ok: 90,
      errors: 10,
      running: 0,
      errorRate: 0.1,
      p50Ms: 50,
      p95Ms: 95,
      avgMs: 50.5,
      maxMs: 100,
    });
    expect(stats.read).toMatchObject({ count: 3, p50Ms: 20, p95Ms: 30, avgMs: 20, errorRate: 0 });
    expect(stats.once).toMatchObject({ count: 2, running: 1, ok: 1, p50Ms: 7.25, p95Ms: 7.25 });
    const none = await log.stats({ name: 'nothing-here' });
    expect(none).toEqual([]);
    expect(await log.stats({ until: '2000-01-01' })).toEqual([]);
    // Reading the log in small pages gives the same figures.
    const paged = await agent.use((state) => actionStats(state.conn, '1', [], 7));
    expect(paged).toEqual(await log.stats());
  });

  describe('retention', () => {
    const now = Date.now();

    describe('prune by age and by count', () => {
      let parent: Action, child: Action;
      beforeEach(async () => {
        for (let day = 1; day <= 10; day++) await log.record({ name: 'old', startedAt: now - day * DAY, durationMs: 1 });
        parent = await log.record({ name: 'parent', startedAt: now - 20 * DAY, durationMs: 1 });
        child = await log.record({ name: 'child', parentId: parent.id, startedAt: now - 1000, durationMs: 1 });
      });

      it('olderThanDays removes the actions started before then', async () => {
        expect(await log.prune({ olderThanDays: 5.5 })).toBe(6); // days 6..10 and the parent
        expect((await log.list({ limit: 100 })).length).toBe(6);
      });

      it('the child of a pruned action is a root in timelines and traces', async () => {
        await log.prune({ olderThanDays: 5.5 });
        expect((await log.timeline({ since: now - DAY })).find((a) => a.id === child.id)!.depth).toBe(0);
        expect((await log.trace(child.id)).parentId).toBe(parent.id);
        await expectCode(log.trace(parent.id), 'NOT_FOUND');
      });

      it('keepLast keeps the newest actions and removes the rest', async () => {
        await log.prune({ olderThanDays: 5.5 });
        expect(await log.prune({ keepLast: 2 })).toBe(4);
        expect((await log.list()).map((a) => a.name)).toEqual(['child', 'old']);
        expect(await log.prune({ keepLast: 5 })).toBe(0);
      });

      it('without options or a stored policy removes nothing', async () => {
        expect(await log.prune()).toBe(0); // no policy yet
      });
    });

    it('setRetention stores a policy, getRetention reads it, and null clears it', async () => {
      expect(await log.getRetention()).toBeNull();
      await log.setRetention({ maxRows: 30 });
      expect(await log.getRetention()).toEqual({ maxRows: 30 });
      await log.setRetention({ maxAgeDays: 1, maxRows: 1000 });
      expect(await log.getRetention()).toEqual({ maxAgeDays: 1, maxRows: 1000 });
      await log.setRetention(null);
      expect(await log.getRetention()).toBeNull();
    });

    describe('a maxRows policy', () => {
      beforeEach(async () => {
        for (let i = 0; i < 12; i++) await log.record({ name: 'old', startedAt: now - DAY, durationMs: 1 });
        await log.setRetention({ maxRows: 30 });
        // Row ids 13..150: the policy runs when a new row id is a multiple of 100.
        for (let i = 0; i < 138; i++) await log.record({ name: 'tick', input: i, durationMs: 1 });
      });

      it('runs on a write whose row id is a multiple of 100, and prune() applies it', async () => {
        const rows = await log.list({ limit: 1000 });
        expect(rows).toHaveLength(80); // 30 kept at id 100, then 50 more
        expect(rows.at(-1)!.input).toBe(58);
        expect(await log.prune()).toBe(50);
        expect((await log.list({ limit: 1000, order: 'oldest' }))[0]!.input).toBe(108);
      });

      it('runs once for a batch spanning a multiple of 100, after its last row', async () => {
        // ids 151..250
        await log.record(Array.from({ length: 100 }, (_, i) => ({ name: 'batch', input: i })));
        expect((await log.list({ limit: 1000 })).map((a) => a.name)).toEqual(Array(30).fill('batch'));
      });
    });

    it('a maxAgeDays policy makes prune() remove older actions', async () => {
      await log.record({ name: 'recent', durationMs: 1 });
      await log.setRetention({ maxAgeDays: 1, maxRows: 1000 });
      await log.record({ name: 'ancient', startedAt: now - 3 * DAY, durationMs: 1 });
      expect(await log.prune()).toBe(1);
    });

    it('keepLast: 0 empties the log', async () => {
      for (let i = 0; i < 30; i++) await log.record({ name: 'batch', input: i });
      expect(await log.prune({ keepLast: 0 })).toBe(30);
      expect(await log.recent()).toEqual([]);
    });
  });

  describe('bad input is refused with a typed error and changes nothing', () => {
    const unknownId = 'act_' + '0'.repeat(32);
    let a: Action;
    beforeEach(async () => {
      a = await log.start({ name: 'tool', input: { ok: true } });
    });
    const unchanged = async () => {
      expect(await log.getRetention()).toBeNull();
      expect((await log.list()).map((x) => x.id)).toEqual([a.id]);
    };

    it('an unknown action id is NOT_FOUND, and get returns null', async () => {
      await expectCode(log.finish(unknownId, { output: 1 }), 'NOT_FOUND');
      await expectCode(log.trace(unknownId), 'NOT_FOUND');
      await expectCode(log.start({ name: 'child', parentId: unknownId }), 'NOT_FOUND');
      await expectCode(log.record({ name: 'child', parentId: unknownId }), 'NOT_FOUND');
      expect(await log.get(unknownId)).toBeNull();
      await unchanged();
    });

    it('a malformed action id is INVALID_ARGUMENT', async () => {
      await expectCode(log.get('mem_123'), 'INVALID_ARGUMENT');
      await expectCode(log.finish('nope', {}), 'INVALID_ARGUMENT');
      await unchanged();
    });

    it('start refuses bad names, oversized or non-JSON input, bad metadata and unknown fields', async () => {
      const cyclic: Record<string, unknown> = {};
      cyclic.me = cyclic;
      await expectCode(log.start({ name: '' }), 'INVALID_ARGUMENT');
      await expectCode(log.start({ name: 'x'.repeat(257) }), 'INVALID_ARGUMENT');
      await expectCode(log.start({ name: 'x', input: 'y'.repeat(64 * 1024) }), 'LIMIT_EXCEEDED');
      await expectCode(log.start({ name: 'x', input: cyclic }), 'INVALID_ARGUMENT');
      await expectCode(log.start({ name: 'x', input: { n: 1n } }), 'INVALID_ARGUMENT');
      await expectCode(log.start({ name: 'x', input: () => 1 }), 'INVALID_ARGUMENT');
      await expectCode(log.start({ name: 'x', metadata: [] as never }), 'INVALID_ARGUMENT');
      await expectCode(log.start({ name: 'x', metadata: { s: 'm'.repeat(20_000) } }), 'LIMIT_EXCEEDED');
      await expectCode(log.start({ name: 'x', runId: 5 as never }), 'INVALID_ARGUMENT');
      await expectCode(log.start({ name: 'x', nme: 'y' } as never), 'INVALID_ARGUMENT');
      await expectCode(log.start(null as never), 'INVALID_ARGUMENT');
      await unchanged();
    });

    it('finish refuses an oversized or non-JSON output, both output and error, a bad error and unknown fields', async () => {
      await expectCode(log.finish(a.id, { output: 'z'.repeat(70_000) }), 'LIMIT_EXCEEDED');
      await expectCode(log.finish(a.id, { output: NaN }), 'INVALID_ARGUMENT');
      await expectCode(log.finish(a.id, { output: 1, error: 'x' }), 'INVALID_ARGUMENT');
      await expectCode(log.finish(a.id, { error: 42 as never }), 'INVALID_ARGUMENT');
      await expectCode(log.finish(a.id, { result: 1 } as never), 'INVALID_ARGUMENT');
      expect((await log.get(a.id))!.status).toBe('running');
      await unchanged();
    });

    it('finish stores an error object as given, and a second finish is CONFLICT', async () => {
      await log.finish(a.id, { error: { message: 'tool said no', retryable: false } });
      expect((await log.get(a.id))!.error).toEqual({ message: 'tool said no', retryable: false });
      const conflict = await expectCode(log.finish(a.id, { output: 1 }), 'CONFLICT');
      expect(conflict.message).toMatch(/already finished \(status error\)/);
      expect((await log.get(a.id))!.status).toBe('error');
    });

    it('record names the failing item of a batch and stores none of it', async () => {
      const inBatch = await expectCode(log.record([{ name: 'fine' }, { name: '' }]), 'INVALID_ARGUMENT');
      expect(inBatch.message).toMatch(/^action 1: name must be/);
      const parentInBatch = await expectCode(log.record([{ name: 'fine' }, { name: 'x', parentId: unknownId }]), 'NOT_FOUND');
      expect(parentInBatch.message).toMatch(/^action 1: parent action/);
      await unchanged();
    });

    it('record refuses a batch over 1000 actions and accepts an empty one', async () => {
      await expectCode(log.record(Array.from({ length: 1001 }, () => ({ name: 'x' }))), 'LIMIT_EXCEEDED');
      expect(await log.record([])).toEqual([]);
      await unchanged();
    });

    it('record refuses negative durations and times that disagree, lie in the future or do not parse', async () => {
      await expectCode(log.record({ name: 'x', durationMs: -1 }), 'INVALID_ARGUMENT');
      await expectCode(log.record({ name: 'x', startedAt: 2000, finishedAt: 1000 }), 'INVALID_ARGUMENT');
      await expectCode(log.record({ name: 'x', startedAt: 1000, finishedAt: 2000, durationMs: 5 }), 'INVALID_ARGUMENT');
      await expectCode(log.record({ name: 'x', startedAt: Date.now() + DAY }), 'INVALID_ARGUMENT');
      await expectCode(log.record({ name: 'x', startedAt: 'yesterday' }), 'INVALID_ARGUMENT');
      await unchanged();
    });

    it('list, stats and timeline refuse bad limits, statuses, orders, parent ids and unknown fields', async () => {
      await expectCode(log.list({ limit: 0 }), 'INVALID_ARGUMENT');
      await expectCode(log.list({ limit: 1001 }), 'INVALID_ARGUMENT');
      await expectCode(log.list({ status: 'done' as never }), 'INVALID_ARGUMENT');
      await expectCode(log.list({ order: 'up' as never }), 'INVALID_ARGUMENT');
      await expectCode(log.list({ tool: 'x' } as never), 'INVALID_ARGUMENT');
      await expectCode(log.list({ parentId: 'p' }), 'INVALID_ARGUMENT');
      await expectCode(log.stats({ status: 'ok' } as never), 'INVALID_ARGUMENT');
      await expectCode(log.timeline({}), 'INVALID_ARGUMENT');
      await expectCode(log.timeline({ runId: 'r', limit: 10_001 }), 'INVALID_ARGUMENT');
      await unchanged();
    });

    it('prune and setRetention refuse empty, out-of-range and unknown options', async () => {
      await expectCode(log.prune({}), 'INVALID_ARGUMENT');
      await expectCode(log.prune({ olderThanDays: 0 }), 'INVALID_ARGUMENT');
      await expectCode(log.prune({ keepLast: -1 }), 'INVALID_ARGUMENT');
      await expectCode(log.prune({ keep: 1 } as never), 'INVALID_ARGUMENT');
      await expectCode(log.setRetention({}), 'INVALID_ARGUMENT');
      await expectCode(log.setRetention({ maxRows: 0 }), 'INVALID_ARGUMENT');
      await expectCode(log.setRetention({ maxAgeDays: -1 }), 'INVALID_ARGUMENT');
      await unchanged();
    });
  });
});

// Set up once per block (suiteSetup): these tests only read it.
describe.each(DRIVER_NAMES)('actions read back on %s', (driver) => {
  let log: Log;

  describe('reading a run back', () => {
    let run: Awaited<ReturnType<typeof buildRun>>;
    beforeAll(() =>
      suiteSetup(async () => {
        log = (await (await openEngram(driver)).agent('run')).actions;
        run = await buildRun(log);
      }),
    );

    it('recent returns the latest started first', async () => {
      expect((await log.recent({ limit: 2 })).map((a) => a.id)).toEqual([run.recorded.id, run.fetch.id]);
    });

    it('list filters by name and by status, newest first', async () => {
      const { search, fetch, recorded, recordedError } = run;
      expect((await log.list({ name: 'web_search' })).map((a) => a.id)).toEqual([recorded.id, search.id, recordedError.id]);
      expect((await log.list({ status: 'error' })).map((a) => a.id)).toEqual([fetch.id, recordedError.id]);
    });

    it('list filters by run (oldest first on request), session and task', async () => {
      expect((await log.list({ runId: 'run-1', order: 'oldest' })).map((a) => a.name)).toEqual(['plan', 'web_search', 'web_search']);
      expect((await log.list({ sessionId: 's-1' })).length).toBe(4);
      expect((await log.list({ taskId: 'task-9' })).length).toBe(4);
    });

    it('list filters by parent, and parentId: null keeps the top-level actions', async () => {
      const { root, search, recorded, recordedError } = run;
      expect((await log.list({ parentId: root.id, order: 'oldest' })).map((a) => a.id)).toEqual([search.id, recorded.id]);
      expect((await log.list({ parentId: null })).map((a) => a.id)).toEqual([root.id, recordedError.id]);
    });

    it('list filters by time and pages with limit and offset', async () => {
      expect((await log.list({ until: '2021-01-01' })).map((a) => a.id)).toEqual([run.recordedError.id]);
      expect((await log.list({ since: '2021-01-01' })).length).toBe(4);
      expect((await log.list({ limit: 2, offset: 1 })).map((a) => a.id)).toEqual([run.fetch.id, run.search.id]);
    });

    it('stats counts calls, outcomes and durations per name, busiest first', async () => {
      const stats = await log.stats();
      expect(stats.map((s) => s.name)).toEqual(['web_search', 'fetch', 'plan']);
      expect(stats[0]).toMatchObject({ count: 3, ok: 2, errors: 1, running: 0, errorRate: 1 / 3, maxMs: 1500 });
    });

    it('stats filters by name and by time', async () => {
      expect((await log.stats({ name: 'fetch' })).map((s) => s.errorRate)).toEqual([1]);
      expect(await log.stats({ since: '2030-01-01' })).toEqual([]);
    });

    it('timeline lists a run in order with each depth', async () => {
      const timeline = await log.timeline({ runId: 'run-1' });
      expect(timeline.map((a) => [a.name, a.depth])).toEqual([
        ['plan', 0],
        ['web_search', 1],
        ['web_search', 1],
      ]);
    });

    it('timeline depth counts ancestors outside the selection', async () => {
      // fetch belongs to another run, but its depth counts ancestors outside the selection.
      expect((await log.timeline({ runId: 'run-other' })).map((a) => [a.name, a.depth])).toEqual([['fetch', 2]]);
    });

    it('timeline selects by time with a limit', async () => {
      expect((await log.timeline({ since: '2019-01-01', limit: 1 })).map((a) => a.id)).toEqual([run.recordedError.id]);
    });

    it('trace returns the tree under an action', async () => {
      const tree = await log.trace(run.root.id);
      expect(shape(tree)).toEqual({
        name: 'plan',
        children: [
          { name: 'web_search', children: [{ name: 'fetch', children: [] }] },
          { name: 'web_search', children: [] },
        ],
      });
      expect(tree.children[0]!.children[0]!.id).toBe(run.fetch.id);
    });

    it('trace of a leaf has no children', async () => {
      expect((await log.trace(run.fetch.id)).children).toEqual([]);
    });
  });
});

import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Agent } from '../src/agent.js';
import type { Task } from '../src/tasks/types.js';
import { DRIVER_NAMES, expectCode, openEngram, suiteSetup } from './helpers.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const MISSING = `task_${'0'.repeat(32)}`;

/** Every stored task, to check that a refused call changed nothing. */
const snapshot = (agent: Agent) => agent.tasks.list({ limit: 1000 });

describe.each(DRIVER_NAMES)('tasks on %s', (driver) => {
  let agent: Agent;
  let t: Agent['tasks'];
  beforeEach(async () => {
    agent = await (await openEngram(driver)).agent('tasks');
    t = agent.tasks;
  });

  describe('create and get', () => {
    it('create trims the title and fills in every other field', async () => {
      const due = '2030-01-02T03:04:05.000Z';
      const plan = await t.create({
        title: ' Write the report ',
        description: 'Q3',
        priority: 2,
        payload: { q: 3 },
        dueAt: due,
        assignee: 'writer',
      });
      expect(plan).toMatchObject({
        title: 'Write the report',
        description: 'Q3',
        priority: 2,
        payload: { q: 3 },
        result: null,
        error: null,
        status: 'pending',
        parentId: null,
        dependsOn: [],
        assignee: 'writer',
        worker: null,
        leaseExpiresAt: null,
        attempts: 0,
        maxAttempts: 1,
        dueAt: due,
        startedAt: null,
        finishedAt: null,
      });
      expect(plan.id).toMatch(/^task_[0-9a-f]{32}$/);
    });

    it('create records dependencies, and get returns the task as created', async () => {
      const research = await t.create({ title: 'Research' });
      const draft = await t.create({ title: 'Draft', dependsOn: [research.id] });
      expect(draft.dependsOn).toEqual([research.id]);
      expect(await t.get(draft.id)).toEqual(draft);
    });

    it('get of an unknown id returns null', async () => {
      expect(await t.get(MISSING)).toBeNull();
    });
  });

  describe('a worker lifecycle', () => {
    let task: Task;
    beforeEach(async () => {
      task = await t.create({ title: 'Research', maxAttempts: 2 });
    });

    it('claim of a given task marks it running for the worker, with a lease', async () => {
      const claimed = (await t.claim({ worker: 'w1', leaseMs: 60_000, id: task.id }))!;
      expect(claimed).toMatchObject({ status: 'running', worker: 'w1' });
      expect(Date.parse(claimed.leaseExpiresAt!)).toBeGreaterThan(Date.now() + 50_000);
    });

    it('heartbeat extends the lease', async () => {
      await t.claim({ worker: 'w1', leaseMs: 60_000, id: task.id });
      const beat = await t.heartbeat(task.id, { worker: 'w1', leaseMs: 120_000 });
      expect(Date.parse(beat.leaseExpiresAt!)).toBeGreaterThan(Date.now() + 110_000);
    });

    it('fail with attempts left puts the task back to pending and keeps the error', async () => {
      await t.claim({ worker: 'w1', id: task.id });
      const retried = await t.fail(task.id, { worker: 'w1', error: 'timeout' });
      expect(retried).toMatchObject({ status: 'pending', attempts: 1, error: 'timeout', worker: null, leaseExpiresAt: null });
    });

    it('release puts the task back to pending without counting an attempt', async () => {
      await t.claim({ worker: 'w2', id: task.id });
      expect(await t.release(task.id, { worker: 'w2' })).toMatchObject({ status: 'pending', worker: null, attempts: 0 });
    });

    it('complete stores the result and finishes the task', async () => {
      await t.claim({ worker: 'w2', id: task.id });
      const done = await t.complete(task.id, { worker: 'w2', result: ['a', 1] });
      expect(done).toMatchObject({ status: 'done', result: ['a', 1], worker: 'w2', leaseExpiresAt: null });
      expect(done.finishedAt).not.toBeNull();
      expect(await t.list({ status: 'done' })).toEqual([done]);
    });

    it('complete without a worker finishes an unclaimed task', async () => {
      expect(await t.complete(task.id, { result: 'ok' })).toMatchObject({ status: 'done', worker: null });
    });
  });

  it('claim without an id takes the ready task with the highest priority', async () => {
    await t.create({ title: 'Low' });
    const plan = await t.create({ title: 'Plan', priority: 2 });
    expect((await t.claim({ worker: 'w3' }))!.id).toBe(plan.id);
  });

  it('claim returns null when no task is ready', async () => {
    const first = await t.create({ title: 'First' });
    await t.create({ title: 'Second', dependsOn: [first.id] });
    await t.claim({ worker: 'w3' });
    expect(await t.claim({ worker: 'w3' })).toBeNull();
  });

  it('addDependency adds a dependency to an existing task', async () => {
    const extra = await t.create({ title: 'Extra' });
    const after = await t.create({ title: 'After' });
    expect((await t.addDependency(after.id, extra.id)).dependsOn).toEqual([extra.id]);
  });

  it('fail on the last attempt fails for good, keeps 4096 chars of the error and blocks dependents', async () => {
    const extra = await t.create({ title: 'Extra' });
    await t.create({ title: 'After', dependsOn: [extra.id] });
    expect(await t.fail(extra.id, { error: 'x'.repeat(10_000) })).toMatchObject({ status: 'failed', attempts: 1 });
    expect((await t.get(extra.id))!.error).toHaveLength(4096);
    expect(await t.ready()).toEqual([]);
  });

  it('cancel returns the ids it cancelled', async () => {
    const extra = await t.create({ title: 'Extra' });
    const after = await t.create({ title: 'After', dependsOn: [extra.id] });
    expect(await t.cancel(after.id)).toEqual([after.id]);
  });

  it('list filters by several statuses at once', async () => {
    const failed = await t.create({ title: 'Failed' });
    const cancelled = await t.create({ title: 'Cancelled' });
    await t.create({ title: 'Open' });
    await t.fail(failed.id, { error: 'broken' });
    await t.cancel(cancelled.id);
    expect(await t.list({ status: ['failed', 'cancelled'] })).toHaveLength(2);
  });

  it('makes a -> b -> c ready in dependency order, by priority then age', async () => {
    const a = await t.create({ title: 'a' });
    const b = await t.create({ title: 'b', dependsOn: [a.id], priority: 9 });
    const c = await t.create({ title: 'c', dependsOn: [b.id], priority: 9 });
    await t.create({ title: 'low', priority: -1 });
    await t.create({ title: 'high', priority: 5 });
    expect((await t.ready()).map((x) => x.title)).toEqual(['high', 'a', 'low']);
    await expectCode(t.claim({ worker: 'w', id: c.id }), 'CONFLICT');
    await expectCode(t.complete(b.id), 'CONFLICT');
    const order: string[] = [];
    for (let task; (task = await t.claim({ worker: 'w' }));) {
      order.push(task.title);
      await t.complete(task.id, { worker: 'w' });
    }
    expect(order).toEqual(['high', 'a', 'b', 'c', 'low']);
  });

  it('never makes a task ready whose dependency failed for good or was cancelled', async () => {
    const a = await t.create({ title: 'a' });
    const b = await t.create({ title: 'b' });
    const c = await t.create({ title: 'c', dependsOn: [a.id, b.id] });
    await t.fail(a.id, { error: 'broken' });
    await t.complete(b.id);
    expect(await t.ready()).toEqual([]);
    const err = await expectCode(t.claim({ worker: 'w', id: c.id }), 'CONFLICT');
    expect(err.message).toContain('never becomes done');
    const d = await t.create({ title: 'd', dependsOn: [b.id] });
    const e = await t.create({ title: 'e', dependsOn: [d.id] });
    await t.cancel(d.id);
    expect((await t.ready()).map((x) => x.id)).not.toContain(e.id);
  });

  it('rejects self-dependencies and cycles, direct and indirect, changing nothing', async () => {
    const a = await t.create({ title: 'a' });
    const b = await t.create({ title: 'b', dependsOn: [a.id] });
    const c = await t.create({ title: 'c', dependsOn: [b.id] });
    const before = await snapshot(agent);
    await expectCode(t.addDependency(a.id, a.id), 'INVALID_ARGUMENT');
    await expectCode(t.addDependency(a.id, b.id), 'CONFLICT');
    const indirect = await expectCode(t.addDependency(a.id, c.id), 'CONFLICT');
    expect((indirect as unknown as { details: { cycle: string[] } }).details.cycle).toEqual([a.id, c.id, b.id, a.id]);
    await expectCode(t.addDependency(a.id, MISSING), 'NOT_FOUND');
    expect(await snapshot(agent)).toEqual(before);
    // a diamond is not a cycle, and adding an edge twice is harmless
    const d = await t.create({ title: 'd', dependsOn: [b.id, c.id] });
    expect((await t.addDependency(d.id, a.id)).dependsOn).toEqual([a.id, b.id, c.id].sort());
    expect((await t.addDependency(d.id, a.id)).dependsOn).toHaveLength(3);
  });

  describe('an expired lease', () => {
    let task: Task;
    beforeEach(async () => {
      task = await t.create({ title: 'slow' });
      // Long enough for the first checks on a loaded machine; waited out below.
      await t.claim({ worker: 'old', leaseMs: 1500 });
    });

    it('while it runs, no other worker can claim or complete the task', async () => {
      expect(await t.claim({ worker: 'new' })).toBeNull();
      await expectCode(t.claim({ worker: 'new', id: task.id }), 'CONFLICT');
      await expectCode(t.complete(task.id, { worker: 'new' }), 'CONFLICT');
      await expectCode(t.complete(task.id), 'CONFLICT');
    });

    describe('once it has run out', () => {
      beforeEach(() => sleep(1600));

      it('the task is ready again and another worker claims it', async () => {
        expect((await t.ready()).map((x) => x.id)).toEqual([task.id]);
        const reclaimed = (await t.claim({ worker: 'new', leaseMs: 60_000 }))!;
        expect(reclaimed).toMatchObject({ id: task.id, worker: 'new', status: 'running' });
      });

      it('the old holder then gets CONFLICT on every call, naming the new holder, and changes nothing', async () => {
        await t.claim({ worker: 'new', leaseMs: 60_000 });
        const err = await expectCode(t.complete(task.id, { worker: 'old', result: 1 }), 'CONFLICT');
        expect(err.message).toContain('worker "new" holds it');
        await expectCode(t.heartbeat(task.id, { worker: 'old' }), 'CONFLICT');
        await expectCode(t.release(task.id, { worker: 'old' }), 'CONFLICT');
        await expectCode(t.fail(task.id, { worker: 'old', error: 'late' }), 'CONFLICT');
        expect(await t.get(task.id)).toMatchObject({ worker: 'new', attempts: 0, result: null });
      });

      it('a task completed by the new holder cannot be completed again', async () => {
        await t.claim({ worker: 'new', leaseMs: 60_000 });
        await t.complete(task.id, { worker: 'new', result: 2 });
        await expectCode(t.complete(task.id, { worker: 'new', result: 3 }), 'CONFLICT');
        expect((await t.get(task.id))!.result).toBe(2);
      });
    });
  });

  it('cancels a task with its subtasks, recursively, leaving finished ones alone', async () => {
    const root = await t.create({ title: 'root' });
    const child = await t.create({ title: 'child', parentId: root.id });
    const grandchild = await t.create({ title: 'grandchild', parentId: child.id });
    const finished = await t.create({ title: 'finished', parentId: root.id });
    const other = await t.create({ title: 'other' });
    await t.complete(finished.id);
    await t.claim({ worker: 'w', id: grandchild.id });
    expect(await t.cancel(root.id)).toEqual([root.id, child.id, grandchild.id]);
    expect((await t.list({ status: 'cancelled' })).map((x) => x.id).sort()).toEqual([root.id, child.id, grandchild.id].sort());
    expect((await t.get(finished.id))!.status).toBe('done');
    expect((await t.get(other.id))!.status).toBe('pending');
    await expectCode(t.complete(grandchild.id, { worker: 'w' }), 'CONFLICT');
    await expectCode(t.cancel(root.id), 'CONFLICT');
    await expectCode(t.cancel(MISSING), 'NOT_FOUND');
  });

  it('refuses bad input with typed errors and changes nothing', async () => {
    const a = await t.create({ title: 'a', payload: { keep: true } });
    await t.claim({ worker: 'holder', id: a.id });
    const before = await snapshot(agent);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const cases: [() => Promise<unknown>, string][] = [
      [() => t.create({ title: '' }), 'INVALID_ARGUMENT'],
      [() => t.create({ title: 'x', priority: 1.5 }), 'INVALID_ARGUMENT'],
      [() => t.create({ title: 'x', priority: 1e12 }), 'INVALID_ARGUMENT'],
      [() => t.create({ title: 'x', payload: cyclic }), 'INVALID_ARGUMENT'],
      [() => t.create({ title: 'x', payload: 10n }), 'INVALID_ARGUMENT'],
      [() => t.create({ title: 'x', payload: () => 1 }), 'INVALID_ARGUMENT'],
      [() => t.create({ title: 'x', payload: { n: NaN } }), 'INVALID_ARGUMENT'],
      [() => t.create({ title: 'x', payload: 'y'.repeat(70_000) }), 'LIMIT_EXCEEDED'],
      [() => t.create({ title: 'x', maxAttempts: 0 }), 'INVALID_ARGUMENT'],
      [() => t.create({ title: 'x', dueAt: 'soon' }), 'INVALID_ARGUMENT'],
      [() => t.create({ title: 'x', dependsOn: ['nope'] }), 'INVALID_ARGUMENT'],
      [() => t.create({ title: 'x', dependsOn: [a.id, MISSING] }), 'NOT_FOUND'],
      [() => t.create({ title: 'x', parentId: MISSING }), 'NOT_FOUND'],
      [() => t.create({ title: 'x', colour: 'red' } as never), 'INVALID_ARGUMENT'],
      [() => t.get('task_XYZ'), 'INVALID_ARGUMENT'],
      [() => t.list({ status: 'open' as never }), 'INVALID_ARGUMENT'],
      [() => t.list({ limit: 0 }), 'INVALID_ARGUMENT'],
      [() => t.ready({ limit: 5000 }), 'INVALID_ARGUMENT'],
      [() => t.claim({ worker: 'w', leaseMs: 0 }), 'INVALID_ARGUMENT'],
      [() => t.claim({ worker: 'w', leaseMs: -5 }), 'INVALID_ARGUMENT'],
      [() => t.claim({ worker: 'w', leaseMs: 1e10 }), 'INVALID_ARGUMENT'],
      [() => t.claim({ worker: '' }), 'INVALID_ARGUMENT'],
      [() => t.claim({ worker: 'w', id: MISSING }), 'NOT_FOUND'],
      [() => t.claim({ worker: 'w', id: a.id }), 'CONFLICT'],
      [() => t.claim({ worker: 'holder', id: a.id }), 'CONFLICT'],
      [() => t.heartbeat(a.id, { worker: 'w' }), 'CONFLICT'],
      [() => t.heartbeat(a.id, { worker: 'holder', leaseMs: 0.5 }), 'INVALID_ARGUMENT'],
      [() => t.heartbeat(MISSING, { worker: 'holder' }), 'NOT_FOUND'],
      [() => t.complete(a.id, { worker: 'w' }), 'CONFLICT'],
      [() => t.complete(a.id), 'CONFLICT'],
      [() => t.complete(a.id, { worker: 'holder', result: 'z'.repeat(70_000) }), 'LIMIT_EXCEEDED'],
      [() => t.complete(MISSING, { worker: 'holder' }), 'NOT_FOUND'],
      [() => t.fail(a.id, { worker: 'holder', error: '' }), 'INVALID_ARGUMENT'],
      [() => t.fail(a.id, { worker: 'w', error: 'no' }), 'CONFLICT'],
      [() => t.release(a.id, { worker: 'w' }), 'CONFLICT'],
      [() => t.addDependency(a.id, MISSING), 'NOT_FOUND'],
      [() => t.cancel('task_1'), 'INVALID_ARGUMENT'],
    ];
    for (const [i, [call, code]] of cases.entries()) {
      await expectCode(call, code).catch((err: Error) => {
        throw new Error(`case ${i}: ${err.message}`);
      });
    }
    expect(await snapshot(agent)).toEqual(before);
  });
});

// Set up once per block (suiteSetup): these tests only read it.
describe.each(DRIVER_NAMES)('tasks listed on %s', (driver) => {
  let t: Agent['tasks'];

  describe('list', () => {
    let plan: Task, research: Task, draft: Task;
    beforeAll(() =>
      suiteSetup(async () => {
        t = (await (await openEngram(driver)).agent('list')).tasks;
        plan = await t.create({ title: 'Write the report', assignee: 'writer' });
        research = await t.create({ title: 'Research', parentId: plan.id });
        draft = await t.create({ title: 'Draft', parentId: plan.id, dependsOn: [research.id] });
      }),
    );

    it('returns every task in creation order', async () => {
      expect((await t.list()).map((x) => x.id)).toEqual([plan.id, research.id, draft.id]);
    });

    it('filters by parent, and parentId: null keeps the top-level tasks', async () => {
      expect((await t.list({ parentId: plan.id })).map((x) => x.id)).toEqual([research.id, draft.id]);
      expect((await t.list({ parentId: null })).map((x) => x.id)).toEqual([plan.id]);
    });

    it('filters by assignee', async () => {
      expect((await t.list({ assignee: 'writer' })).map((x) => x.id)).toEqual([plan.id]);
    });

    it('pages with limit and offset', async () => {
      expect((await t.list({ limit: 1, offset: 1 })).map((x) => x.id)).toEqual([research.id]);
    });

    it('ready leaves out tasks with unfinished dependencies, and filters by assignee', async () => {
      expect((await t.ready()).map((x) => x.id)).toEqual([plan.id, research.id]);
      expect((await t.ready({ assignee: 'writer' })).map((x) => x.id)).toEqual([plan.id]);
    });
  });
});

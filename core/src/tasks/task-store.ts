/**
 * `agent.tasks`: a task queue with priorities, dependencies, subtasks and leases. Owns the
 * `tasks` and `task_deps` tables and their SQL. Every state change is one conditional UPDATE in
 * a write transaction; when it changes no row, `explain()` reads why in the same transaction
 * and throws NOT_FOUND or CONFLICT, so a refused call never changes anything.
 */
import type { AgentRuntime } from '../runtime/agent-state.js';
import type { Queryable, SqlValue } from '../drivers/types.js';
import { EngramError, invalid } from '../util/errors.js';
import { optionsOf } from '../util/validate.js';
import { toEpochMs, toIso } from '../util/time.js';
import { checkWellFormed } from '../util/text.js';
import { dependencyPath, subtasks } from './graph.js';
import { rowToTask, TASK_COLUMNS, TASK_ORDER, type TaskRow } from './rows.js';
import type {
  ClaimOptions,
  CompleteOptions,
  CreateTaskInput,
  FailOptions,
  HeartbeatOptions,
  ListTasksOptions,
  ReadyOptions,
  ReleaseOptions,
  Task,
  TaskStatus,
} from './types.js';
import {
  checkDependencies,
  checkDescription,
  checkInteger,
  checkLeaseMs,
  checkName,
  checkPriority,
  checkStatuses,
  checkTaskId,
  checkTitle,
  DEFAULT_LEASE_MS,
  MAX_ERROR_CHARS,
  newTaskId,
  toJson,
} from './validate.js';
import { mintId } from '../util/ids.js';
import { remoteWriter } from '../sync/remote-writer.js';

const CREATE_FIELDS = ['title', 'description', 'priority', 'payload', 'parentId', 'dependsOn', 'dueAt', 'assignee', 'maxAttempts'];
const LIST_FIELDS = ['status', 'assignee', 'parentId', 'limit', 'offset'];
const READY_FIELDS = ['limit', 'assignee'];
const CLAIM_FIELDS = ['worker', 'leaseMs', 'id', 'assignee'];
const FINAL: readonly TaskStatus[] = ['done', 'failed', 'cancelled'];

/** SQL over `tasks t`: nobody holds the task now (?1 = now): pending, or running on an expired lease. */
const CLAIMABLE = `t.open = 1 AND (t.status = 'pending' OR (t.status = 'running' AND t.lease_expires_at <= ?1))`;
/** SQL over `tasks t`: every dependency is done. */
const DEPS_DONE = `NOT EXISTS (SELECT 1 FROM task_deps d JOIN tasks p ON p.id = d.depends_on WHERE d.task_id = t.id AND p.status <> 'done')`;

type Action = 'claim' | 'heartbeat' | 'complete' | 'fail' | 'release';

function conflict(message: string, details: Record<string, unknown>): EngramError {
  return new EngramError('CONFLICT', message, { details });
}

async function readTask(tx: Queryable, id: string): Promise<Task | null> {
  const row = await tx.get<TaskRow>(`SELECT ${TASK_COLUMNS} FROM tasks t WHERE t.id = ?`, [id]);
  return row ? rowToTask(row) : null;
}

/** Why `action` changed nothing: always throws NOT_FOUND or CONFLICT with the task's state. */
async function explain(tx: Queryable, id: string, action: Action, worker: string | undefined, now: number): Promise<never> {
  const t = await tx.get<{ status: TaskStatus; worker: string | null; lease_expires_at: number | null }>(
    'SELECT status, worker, lease_expires_at FROM tasks WHERE id = ?',
    [id],
  );
  if (!t) throw new EngramError('NOT_FOUND', `task ${id} does not exist`, { details: { id } });
  const details = { id, status: t.status, worker: t.worker, leaseExpiresAt: toIso(t.lease_expires_at) };
  if (FINAL.includes(t.status)) throw conflict(`cannot ${action} task ${id}: it is already ${t.status}`, details);
  if (t.status === 'running') {
    const lease = `lease ${Number(t.lease_expires_at) <= now ? 'expired' : 'until'} ${details.leaseExpiresAt}`;
    if (worker === undefined) {
      throw conflict(
        `cannot ${action} task ${id}: it is running, held by worker "${t.worker}" (${lease}); pass { worker } if you are that worker`,
        details,
      );
    }
    if (t.worker !== worker)
      throw conflict(`cannot ${action} task ${id}: worker "${t.worker}" holds it (${lease}), not "${worker}"`, details);
    throw conflict(`worker "${worker}" already holds task ${id} (${lease}); call heartbeat() to extend the lease`, details);
  }
  if (worker !== undefined && action !== 'claim') {
    throw conflict(
      `cannot ${action} task ${id}: worker "${worker}" does not hold it (it is pending: its lease was released, expired and was taken over, or it was never claimed)`,
      details,
    );
  }
  const waiting = await tx.all<{ id: string; status: TaskStatus }>(
    `SELECT p.id, p.status FROM task_deps d JOIN tasks p ON p.id = d.depends_on WHERE d.task_id = ? AND p.status <> 'done' ORDER BY p.id`,
    [id],
  );
  const blockedForGood = waiting.some((w) => w.status === 'failed' || w.status === 'cancelled');
  throw conflict(
    `cannot ${action} task ${id}: it waits for ${waiting.map((w) => `${w.id} (${w.status})`).join(', ')}${
      blockedForGood ? '; a failed or cancelled dependency never becomes done, so cancel this task or re-plan it' : ''
    }`,
    { ...details, waitingFor: waiting.map((w) => w.id) },
  );
}

export class TaskStore {
  constructor(protected readonly rt: AgentRuntime) {}

  /** Runs one state change: `update` returns the changed row's id, or nothing, which `explain` turns into an error. */
  private change(
    id: string,
    action: Action,
    worker: string | undefined,
    update: (tx: Queryable, now: number) => Promise<unknown>,
  ): Promise<Task> {
    return this.rt.use(async (s) => {
      if (s.sync) {
        // A synced agent: the remote decides (compare-and-set there, then pulled), so two
        // machines never both hold or finish one task.
        const now = Date.now();
        if (!(await update(remoteWriter(s.sync), now))) await explain(s.conn, id, action, worker, now);
        return (await readTask(s.conn, id))!;
      }
      return s.conn.transaction(async (tx) => {
        const now = Date.now();
        if (!(await update(tx, now))) await explain(tx, id, action, worker, now);
        return (await readTask(tx, id))!;
      });
    });
  }

  /**
   * Adds a pending task. Parent and dependencies must exist (NOT_FOUND otherwise).
   *
   * @example
   * const pages = await agent.tasks.create({ title: 'Fetch the pages', payload: { urls } });
   * const sum = await agent.tasks.create({ title: 'Summarise', dependsOn: [pages.id], priority: 5 });
   */
  async create(input: CreateTaskInput): Promise<Task> {
    optionsOf(input, CREATE_FIELDS, 'create');
    const title = checkTitle(input.title);
    const description = checkDescription(input.description, this.rt.limits.maxTextBytes);
    const priority = checkPriority(input.priority);
    const payload = toJson(input.payload, 'payload');
    const parentId = input.parentId === undefined ? null : checkTaskId(input.parentId, 'parentId');
    const dependsOn = checkDependencies(input.dependsOn);
    const dueAt = input.dueAt === undefined ? null : toEpochMs(input.dueAt, 'dueAt');
    const assignee = input.assignee === undefined ? null : checkName(input.assignee, 'assignee');
    const maxAttempts = checkInteger(input.maxAttempts, 'maxAttempts', 1, 1000, 1);
    const id = newTaskId();
    // A new task has no dependents yet, so its dependencies cannot close a cycle.
    return this.rt.use((s) =>
      s.conn.transaction(async (tx) => {
        const wanted = parentId === null ? dependsOn : [parentId, ...dependsOn];
        const missing =
          wanted.length === 0
            ? []
            : await tx.all<{ id: string }>(
                'SELECT value AS id FROM json_each(?) WHERE NOT EXISTS (SELECT 1 FROM tasks WHERE id = CAST(value AS TEXT))',
                [JSON.stringify(wanted)],
              );
        if (missing.length > 0) {
          const ids = missing.map((m) => m.id);
          const what = ids.map((m) => (m === parentId ? `parent task ${m}` : `dependency ${m}`));
          throw new EngramError('NOT_FOUND', `cannot create the task: ${what.join(', ')} does not exist`, { details: { missing: ids } });
        }
        const now = Date.now();
        await tx.run(
          `INSERT INTO tasks (seq, id, title, description, priority, payload, parent_id, assignee, max_attempts, due_at, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          [mintId(), id, title, description, priority, payload, parentId, assignee, maxAttempts, dueAt, now, now],
        );
        if (dependsOn.length > 0) {
          await tx.run('INSERT INTO task_deps (task_id, depends_on) SELECT ?, value FROM json_each(?)', [id, JSON.stringify(dependsOn)]);
        }
        return (await readTask(tx, id))!;
      }),
    );
  }

  /**
   * The task with this id, or null.
   *
   * @example
   * const task = await agent.tasks.get('task_0123…');
   */
  async get(id: string): Promise<Task | null> {
    checkTaskId(id);
    return this.rt.use((s) => readTask(s.conn, id));
  }

  /**
   * Tasks by priority (highest first), then oldest first.
   *
   * @example
   * const open = await agent.tasks.list({ status: ['pending', 'running'], assignee: 'researcher' });
   */
  async list(options: ListTasksOptions = {}): Promise<Task[]> {
    optionsOf(options, LIST_FIELDS, 'list');
    const limit = checkInteger(options.limit, 'limit', 1, 1000, 50);
    const offset = checkInteger(options.offset, 'offset', 0, Number.MAX_SAFE_INTEGER, 0);
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (options.status !== undefined) {
      const statuses = checkStatuses(options.status);
      where.push(`t.status IN (${statuses.map(() => '?').join(', ')})`);
      params.push(...statuses);
    }
    if (options.assignee !== undefined) {
      where.push('t.assignee = ?');
      params.push(checkName(options.assignee, 'assignee'));
    }
    if (options.parentId === null) where.push('t.parent_id IS NULL');
    else if (options.parentId !== undefined) {
      where.push('t.parent_id = ?');
      params.push(checkTaskId(options.parentId, 'parentId'));
    }
    const rows = await this.rt.use((s) =>
      s.conn.all<TaskRow>(
        `SELECT ${TASK_COLUMNS} FROM tasks t ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY ${TASK_ORDER} LIMIT ${limit} OFFSET ${offset}`,
        params,
      ),
    );
    return rows.map(rowToTask);
  }

  /**
   * Tasks a worker could claim now, in the order claim() takes them: pending (or running on an
   * expired lease), every dependency done; by priority, then age.
   *
   * @example
   * const next = await agent.tasks.ready({ limit: 5 });
   */
  async ready(options: ReadyOptions = {}): Promise<Task[]> {
    optionsOf(options, READY_FIELDS, 'ready');
    const limit = checkInteger(options.limit, 'limit', 1, 1000, 10);
    const params: SqlValue[] = [Date.now()];
    if (options.assignee !== undefined) params.push(checkName(options.assignee, 'assignee'));
    const rows = await this.rt.use((s) =>
      s.conn.all<TaskRow>(
        `SELECT ${TASK_COLUMNS} FROM tasks t WHERE ${CLAIMABLE} AND ${DEPS_DONE} ${params.length > 1 ? 'AND t.assignee = ?2' : ''}
         ORDER BY ${TASK_ORDER} LIMIT ${limit}`,
        params,
      ),
    );
    return rows.map(rowToTask);
  }

  /**
   * Takes a lease on the best ready task (or on task `id`): status running, `worker` set, lease
   * until now + `leaseMs`. Returns null when nothing is ready; claiming a given task that is not
   * claimable throws CONFLICT. Two workers, even in two processes, never both win one task.
   *
   * @example
   * const task = await agent.tasks.claim({ worker: 'w1', leaseMs: 60_000 });
   * if (task) await agent.tasks.complete(task.id, { worker: 'w1', result: await run(task.payload) });
   */
  async claim(options: ClaimOptions): Promise<Task | null> {
    optionsOf(options, CLAIM_FIELDS, 'claim');
    const worker = checkName(options.worker, 'worker');
    const leaseMs = checkLeaseMs(options.leaseMs) ?? DEFAULT_LEASE_MS;
    const id = options.id === undefined ? undefined : checkTaskId(options.id);
    if (id !== undefined && options.assignee !== undefined) throw invalid('claim() takes id or assignee, not both');
    const assignee = options.assignee === undefined ? undefined : checkName(options.assignee, 'assignee');
    const pick = id !== undefined ? 'AND t.id = ?4' : assignee !== undefined ? 'AND t.assignee = ?4' : '';
    // The subquery picks the task; the outer condition re-checks that nobody holds it. Under the
    // write lock (BEGIN IMMEDIATE) no other claimer can run between the two.
    const sql = `UPDATE tasks SET status = 'running', worker = ?2, lease_expires_at = ?1 + ?3, lease_ms = ?3, started_at = ?1, updated_at = ?1
      WHERE id = (SELECT t.id FROM tasks t WHERE ${CLAIMABLE} AND ${DEPS_DONE} ${pick} ORDER BY ${TASK_ORDER} LIMIT 1)
        AND (status = 'pending' OR (status = 'running' AND lease_expires_at <= ?1))
      RETURNING id`;
    const attempt = async (tx: Queryable) => {
      const now = Date.now();
      const params: SqlValue[] = [now, worker, leaseMs];
      if (pick) params.push((id ?? assignee)!);
      const claimed = await tx.get<{ id: string }>(sql, params);
      return { claimed, now };
    };
    return this.rt.use(async (s) => {
      if (s.sync) {
        // A synced agent: the claim is granted by the remote (compare-and-set there, then pulled).
        const { claimed, now } = await attempt(remoteWriter(s.sync));
        if (claimed) return readTask(s.conn, claimed.id);
        if (id !== undefined) await explain(s.conn, id, 'claim', worker, now);
        return null;
      }
      return s.conn.transaction(async (tx) => {
        const { claimed, now } = await attempt(tx);
        if (claimed) return readTask(tx, claimed.id);
        if (id !== undefined) await explain(tx, id, 'claim', worker, now);
        return null;
      });
    });
  }

  /**
   * Extends the lease of a task `worker` holds, to now + `leaseMs` (default: the claim's length).
   * A holder whose lease expired may still extend it, as long as nobody claimed the task since.
   *
   * @example
   * await agent.tasks.heartbeat(task.id, { worker: 'w1' });
   */
  async heartbeat(id: string, options: HeartbeatOptions): Promise<Task> {
    checkTaskId(id);
    optionsOf(options, ['worker', 'leaseMs'], 'heartbeat');
    const worker = checkName(options.worker, 'worker');
    const leaseMs = checkLeaseMs(options.leaseMs) ?? null;
    return this.change(id, 'heartbeat', worker, (tx, now) =>
      tx.get(
        `UPDATE tasks SET lease_expires_at = ?1 + COALESCE(?4, lease_ms), lease_ms = COALESCE(?4, lease_ms), updated_at = ?1
         WHERE id = ?2 AND status = 'running' AND worker = ?3 RETURNING id`,
        [now, id, worker, leaseMs],
      ),
    );
  }

  /**
   * Marks a task done with a JSON result. With `worker`: only the holder may (an expired
   * holder too, until someone else claims the task). Without: only a pending task whose
   * dependencies are done. Completing twice is a CONFLICT.
   *
   * @example
   * await agent.tasks.complete(task.id, { worker: 'w1', result: { pages: 12 } });
   */
  async complete(id: string, options: CompleteOptions = {}): Promise<Task> {
    checkTaskId(id);
    optionsOf(options, ['worker', 'result'], 'complete');
    const worker = options.worker === undefined ? undefined : checkName(options.worker, 'worker');
    const result = toJson(options.result, 'result');
    const holder =
      worker === undefined
        ? `id = (SELECT t.id FROM tasks t WHERE t.id = ?2 AND t.status = 'pending' AND ${DEPS_DONE})`
        : `id = ?2 AND status = 'running' AND worker = ?4`;
    return this.change(id, 'complete', worker, (tx, now) =>
      tx.get(
        `UPDATE tasks SET status = 'done', open = 0, result = ?3, lease_expires_at = NULL, finished_at = ?1, updated_at = ?1
         WHERE ${holder} RETURNING id`,
        worker === undefined ? [now, id, result] : [now, id, result, worker],
      ),
    );
  }

  /**
   * Records a failure: `attempts` + 1, then back to pending while attempts < maxAttempts,
   * else failed for good (its dependents never become ready). Same holder rule as complete().
   *
   * @example
   * await agent.tasks.fail(task.id, { worker: 'w1', error: 'site returned 503' });
   */
  async fail(id: string, options: FailOptions): Promise<Task> {
    checkTaskId(id);
    optionsOf(options, ['worker', 'error'], 'fail');
    const worker = options.worker === undefined ? undefined : checkName(options.worker, 'worker');
    if (typeof options.error !== 'string' || options.error.trim().length === 0) throw invalid('fail() needs { error: "what went wrong" }');
    checkWellFormed(options.error, 'error');
    // Cut short without splitting a surrogate pair (half an emoji would have no UTF-8 form).
    const cut = /[\uD800-\uDBFF]/.test(options.error.charAt(MAX_ERROR_CHARS - 2)) ? MAX_ERROR_CHARS - 2 : MAX_ERROR_CHARS - 1;
    const error = options.error.length > MAX_ERROR_CHARS ? `${options.error.slice(0, cut)}…` : options.error;
    const holder = worker === undefined ? `status = 'pending'` : `status = 'running' AND worker = ?4`;
    const retry = 'attempts + 1 < max_attempts';
    return this.change(id, 'fail', worker, (tx, now) =>
      tx.get(
        `UPDATE tasks SET attempts = attempts + 1, error = ?3, lease_expires_at = NULL, updated_at = ?1,
           status = CASE WHEN ${retry} THEN 'pending' ELSE 'failed' END, open = CASE WHEN ${retry} THEN 1 ELSE 0 END,
           worker = CASE WHEN ${retry} THEN NULL ELSE worker END,
           finished_at = CASE WHEN ${retry} THEN NULL ELSE ?1 END
         WHERE id = ?2 AND ${holder} RETURNING id`,
        worker === undefined ? [now, id, error] : [now, id, error, worker],
      ),
    );
  }

  /**
   * Gives up a lease: the task is pending again, attempts unchanged. Only the holder may.
   *
   * @example
   * await agent.tasks.release(task.id, { worker: 'w1' });
   */
  async release(id: string, options: ReleaseOptions): Promise<Task> {
    checkTaskId(id);
    optionsOf(options, ['worker'], 'release');
    const worker = checkName(options.worker, 'worker');
    return this.change(id, 'release', worker, (tx, now) =>
      tx.get(
        `UPDATE tasks SET status = 'pending', worker = NULL, lease_expires_at = NULL, updated_at = ?1
         WHERE id = ?2 AND status = 'running' AND worker = ?3 RETURNING id`,
        [now, id, worker],
      ),
    );
  }

  /**
   * Cancels a task and its subtasks at any depth (those still pending or running; finished
   * ones stay as they are). Returns the ids it cancelled, the task first. A holder's later
   * complete() or heartbeat() gets CONFLICT. Cancelling a finished task is a CONFLICT.
   *
   * @example
   * const cancelled = await agent.tasks.cancel(plan.id);
   */
  async cancel(id: string): Promise<string[]> {
    checkTaskId(id);
    return this.rt.use((s) =>
      s.conn.transaction(async (tx) => {
        const root = await tx.get<{ status: TaskStatus }>('SELECT status FROM tasks WHERE id = ?', [id]);
        if (!root) throw new EngramError('NOT_FOUND', `task ${id} does not exist`, { details: { id } });
        if (FINAL.includes(root.status))
          throw conflict(`cannot cancel task ${id}: it is already ${root.status}`, { id, status: root.status });
        const tree = [id, ...(await subtasks(tx, id))];
        const now = Date.now();
        const rows = await tx.all<{ id: string }>(
          `UPDATE tasks SET status = 'cancelled', open = 0, lease_expires_at = NULL, finished_at = ?1, updated_at = ?1
           WHERE id IN (SELECT CAST(value AS TEXT) FROM json_each(?2)) AND status IN ('pending', 'running') RETURNING id`,
          [now, JSON.stringify(tree)],
        );
        const changed = new Set(rows.map((r) => r.id));
        return tree.filter((t) => changed.has(t));
      }),
    );
  }

  /**
   * Makes pending task `id` wait for `dependsOn` too. A self-dependency is INVALID_ARGUMENT;
   * an edge that would close a cycle is CONFLICT (details.cycle gives the loop).
   *
   * @example
   * await agent.tasks.addDependency(deploy.id, tests.id);
   */
  async addDependency(id: string, dependsOn: string): Promise<Task> {
    checkTaskId(id);
    checkTaskId(dependsOn, 'dependsOn');
    if (id === dependsOn) throw invalid(`task ${id} cannot depend on itself`);
    return this.rt.use((s) =>
      s.conn.transaction(async (tx) => {
        const rows = await tx.all<{ id: string; status: TaskStatus }>('SELECT id, status FROM tasks WHERE id IN (?, ?)', [id, dependsOn]);
        const task = rows.find((r) => r.id === id);
        const missing = [id, dependsOn].filter((x) => !rows.some((r) => r.id === x));
        if (missing.length > 0) throw new EngramError('NOT_FOUND', `no such task: ${missing.join(', ')}`, { details: { missing } });
        if (task!.status !== 'pending') {
          throw conflict(`cannot add a dependency to task ${id}: it is ${task!.status}, and only pending tasks can wait`, {
            id,
            status: task!.status,
          });
        }
        const path = await dependencyPath(tx, dependsOn, id);
        if (path) {
          throw conflict(
            `task ${id} cannot depend on ${dependsOn}: ${dependsOn} already depends on it (${path.join(' -> ')}), so this would make a cycle`,
            {
              cycle: [id, ...path],
            },
          );
        }
        await tx.run('INSERT INTO task_deps (task_id, depends_on) VALUES (?, ?) ON CONFLICT DO NOTHING', [id, dependsOn]);
        await tx.run('UPDATE tasks SET updated_at = ? WHERE id = ?', [Date.now(), id]);
        return (await readTask(tx, id))!;
      }),
    );
  }
}

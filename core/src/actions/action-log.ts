/**
 * `agent.actions`: the log of tool calls and other actions an agent takes. Start and finish an
 * action, record a completed one, or wrap a function so its calls log themselves; then list,
 * summarise per name, follow a run's timeline or the trace tree under one action. Owns the
 * `actions` table and its SQL; one transaction per write.
 */
import type { AgentRuntime } from '../runtime/agent-state.js';
import { EngramError, invalid } from '../util/errors.js';
import { optionsOf } from '../util/validate.js';
import { actionFilterSql, checkInteger } from './filter.js';
import {
  checkActionId,
  checkName,
  newActionId,
  normalizeOutcome,
  normalizeRecord,
  normalizeStart,
  type NormalizedStart,
  type Outcome,
} from './normalize.js';
import { applyPolicyEvery, countInserts, checkPolicy, checkPrune, policyToPrune, prune, readPolicy, writePolicy } from './retention.js';
import { ACTION_COLUMNS, rowToAction, type ActionRow } from './rows.js';
import { actionStats } from './stats.js';
import { traceDepths, traceTree } from './tree.js';
import type {
  Action,
  ActionListOptions,
  ActionNode,
  ActionStats,
  ActionStatsOptions,
  FinishActionInput,
  PruneOptions,
  RecordActionInput,
  RetentionPolicy,
  StartActionInput,
  TimelineEntry,
  TimelineOptions,
  WrapOptions,
} from './types.js';
import { currentCall, wrapFunction } from './wrap.js';
import { mintId } from '../util/ids.js';

const LIST_FIELDS = ['name', 'status', 'since', 'until', 'runId', 'sessionId', 'taskId', 'parentId', 'limit', 'offset', 'order'];
const TIMELINE_FIELDS = ['runId', 'sessionId', 'taskId', 'since', 'until', 'limit'];
const INSERT_COLUMNS = [
  'id',
  'uid',
  'name',
  'status',
  'input',
  'output',
  'error',
  'parent_id',
  'task_id',
  'run_id',
  'session_id',
  'metadata',
  'started_at',
  'finished_at',
  'duration_ms',
] as const satisfies readonly (keyof ActionRow)[];
const INSERT_SQL = `INSERT INTO actions (${INSERT_COLUMNS.join(', ')}) VALUES (${INSERT_COLUMNS.map(() => '?').join(', ')})`;
const WRAP_FIELDS = ['runId', 'sessionId', 'taskId', 'metadata', 'input', 'output'];

/** A row about to be inserted: what start() or record() normalised, plus its state. */
type NewAction = NormalizedStart &
  Omit<Outcome, 'status'> & { status: Action['status']; startedAt: number; finishedAt: number | null; durationMs: number | null };

export class ActionLog {
  constructor(protected readonly rt: AgentRuntime) {}

  /**
   * Logs the start of an action (status 'running'); finish it with finish(id, ...). Without a
   * parentId, an action started inside a wrap()ped call nests under it; parentId: null makes it
   * top-level. A child inherits its parent's runId, sessionId and taskId unless given.
   * @example
   * const a = await agent.actions.start({ name: 'web_search', input: { q: 'green tea' }, runId: 'run-1' });
   * await agent.actions.finish(a.id, { output: { hits: 3 } });
   */
  async start(input: StartActionInput): Promise<Action> {
    const start = normalizeStart(input, this.rt.limits.maxMetadataBytes, 'start');
    return this.insertRunning({ ...start, parentId: this.parentOf(input, start.parentId) });
  }

  /**
   * Ends a running action with its output (status 'ok') or error (status 'error'), and its
   * duration since start. NOT_FOUND for an unknown id, CONFLICT when already finished.
   * @example
   * await agent.actions.finish(id, { error: new Error('timeout') });
   */
  async finish(id: string, result: FinishActionInput = {}): Promise<Action> {
    checkActionId(id);
    return this.complete(id, normalizeOutcome(result, 'finish'), null);
  }

  /**
   * Logs a completed action in one call, with any two of startedAt, finishedAt and durationMs.
   * An array is written in one transaction (much faster on Turso, where each commit costs
   * about 1 ms) and returns an array.
   * @example
   * await agent.actions.record({ name: 'read_file', input: { path: 'a.md' }, output: 'ok', durationMs: 12 });
   */
  record(input: RecordActionInput): Promise<Action>;
  record(inputs: RecordActionInput[]): Promise<Action[]>;
  async record(input: RecordActionInput | RecordActionInput[]): Promise<Action | Action[]> {
    const batch = Array.isArray(input) ? input : [input];
    if (batch.length === 0) return [];
    if (batch.length > this.rt.limits.maxBatch) {
      throw new EngramError('LIMIT_EXCEEDED', `a batch holds at most ${this.rt.limits.maxBatch} actions; got ${batch.length}`);
    }
    const now = Date.now();
    const rows = batch.map((item, i) => {
      try {
        const r = normalizeRecord(item, this.rt.limits.maxMetadataBytes, now);
        return { ...r, parentId: this.parentOf(item, r.parentId) };
      } catch (err) {
        if (!Array.isArray(input) || !(err instanceof EngramError)) throw err;
        throw new EngramError(err.code, `action ${i}: ${err.message}`, { cause: err, details: { index: i, ...err.details } });
      }
    });
    const saved = await this.insert(rows);
    return Array.isArray(input) ? saved : saved[0]!;
  }

  /**
   * The action with this id, or null.
   * @example
   * const a = await agent.actions.get('act_0123…');
   */
  async get(id: string): Promise<Action | null> {
    checkActionId(id);
    const row = await this.rt.use((s) => s.conn.get<ActionRow>(`SELECT ${ACTION_COLUMNS} FROM actions a WHERE a.uid = ?`, [id]));
    return row ? rowToAction(row) : null;
  }

  /**
   * The most recently started actions, newest first (default 20).
   * @example
   * const last = await agent.actions.recent({ limit: 5 });
   */
  async recent(options: { limit?: number } = {}): Promise<Action[]> {
    optionsOf(options, ['limit'], 'recent');
    return this.list({ limit: options.limit ?? 20 });
  }

  /**
   * Actions matching every given filter, by start time (newest first by default).
   * @example
   * const failures = await agent.actions.list({ name: 'web_search', status: 'error', since: Date.now() - 86_400_000 });
   */
  async list(options: ActionListOptions = {}): Promise<Action[]> {
    optionsOf(options, LIST_FIELDS, 'list');
    const { limit = 50, offset = 0, order = 'newest', ...filter } = options;
    checkInteger(limit, 'limit', 1, 1000);
    checkInteger(offset, 'offset', 0);
    if (order !== 'newest' && order !== 'oldest') throw invalid('order must be "newest" or "oldest"', { field: 'order' });
    const { where, params } = actionFilterSql(filter);
    const dir = order === 'newest' ? 'DESC' : 'ASC';
    const rows = await this.rt.use((s) =>
      s.conn.all<ActionRow>(
        `SELECT ${ACTION_COLUMNS} FROM actions a WHERE ${where} ORDER BY a.started_at ${dir}, a.id ${dir} LIMIT ? OFFSET ?`,
        [...params, limit, offset],
      ),
    );
    return rows.map(rowToAction);
  }

  /**
   * Per action name: counts by status, error rate, and p50 / p95 / mean / max duration of
   * finished actions (nearest-rank percentiles), most frequent name first.
   * @example
   * const [top] = await agent.actions.stats({ since: '2025-01-01' });
   */
  async stats(options: ActionStatsOptions = {}): Promise<ActionStats[]> {
    optionsOf(options, ['since', 'until', 'name'], 'stats');
    const { where, params } = actionFilterSql(options);
    return this.rt.use((s) => actionStats(s.conn, where, params));
  }

  /**
   * The actions of a run, a session, a task and/or a time window in start order, each with its
   * depth in the trace tree (for indenting).
   * @example
   * for (const a of await agent.actions.timeline({ runId: 'run-1' })) console.log('  '.repeat(a.depth) + a.name);
   */
  async timeline(options: TimelineOptions): Promise<TimelineEntry[]> {
    optionsOf(options, TIMELINE_FIELDS, 'timeline');
    const { limit = 1000, ...filter } = options;
    if (Object.values(filter).every((v) => v === undefined)) throw invalid('timeline() needs runId, sessionId, taskId, since or until');
    checkInteger(limit, 'limit', 1, 10_000);
    const { where, params } = actionFilterSql(filter);
    return this.rt.use(async (s) => {
      const rows = await s.conn.all<ActionRow>(
        `SELECT ${ACTION_COLUMNS} FROM actions a WHERE ${where} ORDER BY a.started_at, a.id LIMIT ?`,
        [...params, limit],
      );
      const depths = await traceDepths(s.conn, rows);
      return rows.map((r) => ({ ...rowToAction(r), depth: depths.get(r.uid)! }));
    });
  }

  /**
   * The action and everything it started, as a tree (children in start order).
   * @example
   * const tree = await agent.actions.trace(rootId); // { ...action, children: [{ ...child, children: [] }] }
   */
  async trace(rootId: string): Promise<ActionNode> {
    checkActionId(rootId, 'rootId');
    return this.rt.use(async (s) => {
      const root = await s.conn.get<ActionRow>(`SELECT ${ACTION_COLUMNS} FROM actions a WHERE a.uid = ?`, [rootId]);
      if (!root) throw new EngramError('NOT_FOUND', `action ${rootId} does not exist in agent ${this.rt.agentId} (or was pruned)`);
      return traceTree(s.conn, root);
    });
  }

  /**
   * Deletes old actions: started more than `olderThanDays` ago, and/or all but the `keepLast`
   * most recently started. Without options, applies the stored retention policy (if any).
   * Returns how many were deleted.
   * @example
   * await agent.actions.prune({ olderThanDays: 30, keepLast: 10_000 });
   */
  async prune(options?: PruneOptions): Promise<number> {
    const given = options === undefined ? undefined : checkPrune(options);
    if (given && given.olderThanDays === undefined && given.keepLast === undefined) {
      throw invalid('prune(): give olderThanDays and/or keepLast, or call prune() with no argument to apply the retention policy');
    }
    const now = Date.now();
    return this.rt.use((s) =>
      s.conn.transaction(async (tx) => {
        const effective = given ?? policyToPrune(await readPolicy(tx));
        return effective ? prune(tx, effective, now) : 0;
      }),
    );
  }

  /**
   * Stores a retention policy in the agent database (null removes it). Writes apply it on every
   * 100th insert; prune() applies it now.
   * @example
   * await agent.actions.setRetention({ maxAgeDays: 30, maxRows: 50_000 });
   */
  async setRetention(policy: RetentionPolicy | null): Promise<void> {
    const checked = policy === null ? null : checkPolicy(policy);
    await this.rt.use((s) => s.conn.transaction((tx) => writePolicy(tx, checked)));
  }

  /**
   * The stored retention policy, or null.
   * @example
   * const policy = await agent.actions.getRetention();
   */
  async getRetention(): Promise<RetentionPolicy | null> {
    return this.rt.use((s) => readPolicy(s.conn));
  }

  /**
   * Wraps a function so each call is logged: its arguments as input, its result as output or
   * its thrown error (rethrown unchanged), and its duration. Calls made inside a wrapped call
   * nest under it and inherit its runId, sessionId and taskId. A payload that cannot be logged
   * (not JSON, over 64 KiB) is stored as { $omitted: reason }; a failure to log the end of a
   * call becomes a process warning, never the call's error.
   * @example
   * const search = agent.actions.wrap('web_search', async (q: string) => fetchResults(q), { runId: 'run-1' });
   * await search('green tea');
   */
  wrap<A extends unknown[], R>(name: string, fn: (...args: A) => R, options: WrapOptions<A, R> = {}): (...args: A) => Promise<Awaited<R>> {
    if (typeof fn !== 'function') throw invalid('wrap() takes a name and a function');
    optionsOf(options, WRAP_FIELDS, 'wrap');
    for (const hook of ['input', 'output'] as const) {
      if (options[hook] !== undefined && typeof options[hook] !== 'function') throw invalid(`wrap(): ${hook} must be a function`);
    }
    const { input: _input, ...base } = normalizeStart(
      {
        name: checkName(name, 'name'),
        runId: options.runId,
        sessionId: options.sessionId,
        taskId: options.taskId,
        metadata: options.metadata,
      },
      this.rt.limits.maxMetadataBytes,
      'wrap',
    );
    return wrapFunction(
      this,
      {
        start: async (start) => (await this.insertRunning(start)).id,
        finish: async (id, outcome, durationMs) => {
          await this.complete(id, outcome, durationMs);
        },
      },
      base,
      fn,
      options,
    );
  }

  /** The parent of a new action: the one given, else the wrapped call in progress (parentId: null means none). */
  private parentOf(input: StartActionInput, given: string | null): string | null {
    return input.parentId === undefined ? (currentCall(this) ?? null) : given;
  }

  private async insertRunning(start: NormalizedStart): Promise<Action> {
    const now = Date.now();
    const [action] = await this.insert([
      { ...start, status: 'running', output: null, error: null, startedAt: now, finishedAt: null, durationMs: null },
    ]);
    return action!;
  }

  /**
   * Inserts actions in one transaction, each checked against and inheriting from its parent, and
   * applies the retention policy when the agent's count of inserted actions reaches a multiple of RETENTION_EVERY.
   */
  private async insert(batch: NewAction[]): Promise<Action[]> {
    const rows = await this.rt.use((s) =>
      s.conn.transaction(async (tx) => {
        const out: ActionRow[] = [];
        for (const [i, a] of batch.entries()) {
          let { runId, sessionId, taskId } = a;
          if (a.parentId !== null) {
            const parent = await tx.get<{ run_id: string | null; session_id: string | null; task_id: string | null }>(
              'SELECT run_id, session_id, task_id FROM actions WHERE uid = ?',
              [a.parentId],
            );
            if (!parent) {
              const which = batch.length > 1 ? `action ${i}: ` : '';
              throw new EngramError(
                'NOT_FOUND',
                `${which}parent action ${a.parentId} does not exist in agent ${this.rt.agentId} (or was pruned)`,
                {
                  details: { index: i, parentId: a.parentId },
                },
              );
            }
            runId ??= parent.run_id;
            sessionId ??= parent.session_id;
            taskId ??= parent.task_id;
          }
          const row: ActionRow = {
            id: 0,
            uid: newActionId(),
            name: a.name,
            status: a.status,
            input: a.input,
            output: a.output,
            error: a.error,
            parent_id: a.parentId,
            task_id: taskId,
            run_id: runId,
            session_id: sessionId,
            metadata: a.metadata,
            started_at: a.startedAt,
            finished_at: a.finishedAt,
            duration_ms: a.durationMs,
          };
          row.id = mintId();
          await tx.run(
            INSERT_SQL,
            INSERT_COLUMNS.map((c) => row[c]),
          );
          out.push(row);
        }
        const { first, last } = await countInserts(tx, out.length);
        await applyPolicyEvery(tx, first, last, Date.now());
        return out;
      }),
    );
    return rows.map(rowToAction);
  }

  /** Finishes a running action; the duration is `durationMs` when measured, else now minus its start. */
  private async complete(id: string, outcome: Outcome, durationMs: number | null): Promise<Action> {
    const now = Date.now();
    const row = await this.rt.use((s) =>
      s.conn.transaction(async (tx) => {
        const updated = await tx.get<ActionRow>(
          `UPDATE actions SET status = ?, output = ?, error = ?, finished_at = ?, duration_ms = COALESCE(?, MAX(0, ? - started_at))
           WHERE uid = ? AND status = 'running' RETURNING *`,
          [outcome.status, outcome.output, outcome.error, now, durationMs, now, id],
        );
        if (updated) return updated;
        const existing = await tx.get<{ status: string }>('SELECT status FROM actions WHERE uid = ?', [id]);
        if (!existing) throw new EngramError('NOT_FOUND', `action ${id} does not exist in agent ${this.rt.agentId} (or was pruned)`);
        throw new EngramError('CONFLICT', `action ${id} already finished (status ${existing.status}); an action is finished once`, {
          details: { status: existing.status },
        });
      }),
    );
    return rowToAction(row);
  }
}

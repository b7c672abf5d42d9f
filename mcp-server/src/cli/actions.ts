/** `engram actions ID [--follow]`: the agent's action log, newest last; --follow keeps printing new ones. */
import type { Action, ActionListOptions, ActionStatus } from '@engram/core';
import type { Agent } from '@engram/core';
import { defineCommand, existingAgent, withEngram, type Command } from './context.js';
import { usageError } from './exit-codes.js';
import type { Output } from './output.js';
import { usedStore } from './stores.js';

const STATUSES: ActionStatus[] = ['running', 'ok', 'error'];

function actionLine(a: Action, out: Output): string {
  const c = out.c;
  const status = a.status === 'ok' ? c.green('ok   ') : a.status === 'error' ? c.red('error') : c.yellow('run  ');
  const ms = a.durationMs === null ? '-' : `${a.durationMs < 100 ? a.durationMs.toFixed(1) : Math.round(a.durationMs)} ms`;
  const extra: string[] = [];
  if (a.error) extra.push(c.red(a.error.message));
  if (a.parentId) extra.push(c.dim(`parent ${a.parentId}`));
  if (a.runId) extra.push(c.dim(`run ${a.runId}`));
  return `${c.dim(a.startedAt.replace('T', ' ').slice(0, 23))}  ${status}  ${c.bold(a.name)}  ${ms.padStart(8)}  ${c.cyan(a.id)}${extra.length > 0 ? `  ${extra.join('  ')}` : ''}`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const actions = defineCommand({
  name: 'actions',
  summary: 'the action log; --follow prints new actions as they come',
  usage: `Usage: engram actions ID [--limit 20] [--name N] [--status running|ok|error] [--run RUN_ID] [--since TIME]
                          [--follow [--interval 1000]]
  Oldest first. --follow keeps polling for new actions until interrupted (Ctrl-C); with --json it
  prints one JSON object a line.`,
  options: {
    limit: { type: 'string' },
    name: { type: 'string' },
    status: { type: 'string' },
    run: { type: 'string' },
    since: { type: 'string' },
    follow: { type: 'boolean', short: 'f' },
    interval: { type: 'string' },
  },
  async run(args, out) {
    const id = args.arg(0, 'agent ID');
    args.noMoreThan(1);
    const status = args.str('status');
    if (status !== undefined && !STATUSES.includes(status as ActionStatus))
      throw usageError(`--status must be one of ${STATUSES.join(', ')}`);
    const filter: ActionListOptions = {};
    if (args.str('name') !== undefined) filter.name = args.str('name');
    if (status !== undefined) filter.status = status as ActionStatus;
    if (args.str('run') !== undefined) filter.runId = args.str('run');
    if (args.str('since') !== undefined) filter.since = args.str('since');
    const limit = args.num('limit', { min: 1, max: 1000, integer: true }) ?? 20;
    const interval = args.num('interval', { min: 50, max: 3_600_000, integer: true }) ?? 1000;
    const follow = args.bool('follow');
    return withEngram(args, async (engram) => {
      const agent = await existingAgent(engram, id);
      const latest = async (a: Agent) =>
        (await usedStore(a, 'actions')) ? (await a.actions.list({ ...filter, limit, order: 'newest' })).reverse() : [];
      const first = await latest(agent);
      if (!follow) {
        if (out.json) return void out.data(first);
        if (first.length === 0) return void out.note('No actions.');
        for (const a of first) out.line(actionLine(a, out));
        return;
      }
      const seen = new Set<string>();
      const show = (a: Action) => {
        seen.add(a.id);
        out.line(out.json ? JSON.stringify(a) : actionLine(a, out));
      };
      first.forEach(show);
      let stop = false;
      const onSignal = () => (stop = true);
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      out.note(out.e.dim(`following ${id}: Ctrl-C to stop`));
      let since = first.at(-1)?.startedAt;
      while (!stop) {
        // The handle is released between polls, so other processes write freely meanwhile.
        await agent.close();
        await sleep(interval);
        if (stop) break;
        if (!(await usedStore(agent, 'actions'))) continue;
        const fresh = (await agent.actions.list({ ...filter, limit: 1000, order: 'oldest', ...(since ? { since } : {}) })).filter(
          (a) => !seen.has(a.id),
        );
        for (const a of fresh) show(a);
        if (fresh.length > 0) since = fresh.at(-1)!.startedAt;
      }
    });
  },
});

export const ACTION_COMMANDS: Command[] = [actions];

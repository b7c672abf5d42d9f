/** `engram tasks ID`: the agent's tasks, in queue order, with status, dependencies and worker. */
import { TASK_STATUSES, type Task, type TaskStatus } from '@engram/core';
import { defineCommand, existingAgent, withEngram, type Command } from './context.js';
import { usageError } from './exit-codes.js';
import { table, when } from './output.js';
import { usedStore } from './stores.js';

const tasks = defineCommand({
  name: 'tasks',
  summary: 'list tasks: status, priority, dependencies, worker',
  usage: `Usage: engram tasks ID [--status ${TASK_STATUSES.join('|')}]... [--assignee A] [--ready] [--limit 100]
  --ready lists only the tasks a worker could claim now (dependencies done, not leased).`,
  options: {
    status: { type: 'string', multiple: true },
    assignee: { type: 'string' },
    ready: { type: 'boolean' },
    limit: { type: 'string' },
  },
  async run(args, out) {
    const id = args.arg(0, 'agent ID');
    args.noMoreThan(1);
    const statuses = args.strs('status');
    for (const s of statuses)
      if (!TASK_STATUSES.includes(s as TaskStatus)) throw usageError(`--status must be one of ${TASK_STATUSES.join(', ')}`);
    const limit = args.num('limit', { min: 1, max: 1000, integer: true }) ?? 100;
    const assignee = args.str('assignee');
    return withEngram(args, async (engram) => {
      const agent = await existingAgent(engram, id);
      let list: Task[] = [];
      if (await usedStore(agent, 'tasks')) {
        list = args.bool('ready')
          ? await agent.tasks.ready({ limit, assignee })
          : await agent.tasks.list({ limit, assignee, ...(statuses.length > 0 ? { status: statuses as TaskStatus[] } : {}) });
      }
      if (out.json) return void out.data(list);
      if (list.length === 0) return void out.note('No tasks.');
      const c = out.c;
      const color = (s: TaskStatus) =>
        s === 'done' ? c.green(s) : s === 'failed' ? c.red(s) : s === 'running' ? c.yellow(s) : s === 'cancelled' ? c.dim(s) : s;
      out.line(
        table(
          ['ID', 'STATUS', 'PRI', 'TITLE', 'DEPENDS ON', 'WORKER', 'DUE'],
          list.map((t) => [
            c.cyan(t.id),
            color(t.status),
            String(t.priority),
            t.title,
            t.dependsOn.join(',') || '-',
            t.worker ?? t.assignee ?? '-',
            when(t.dueAt),
          ]),
          c,
        ),
      );
    });
  },
});

export const TASK_COMMANDS: Command[] = [tasks];

/**
 * The task tools: a shared to-do list with priorities, dependencies and leases, one or two
 * calls on `agent.tasks` each. A worker (any name the caller picks) claims a task, then
 * finishes it: done, failed, released or cancelled. Core enforces who may do what.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import * as z from 'zod';
import { TASK_STATUSES, type Task } from '@engram/core';
import { when } from '../format.js';
import { ADDITIVE, DESTRUCTIVE, READ_ONLY, addTool, timeInput, type AgentRef } from '../tool-kit.js';

const taskId = z.string().describe('A task id (task_...)');
const worker = z.string().describe('Who works on the task: any stable name, e.g. your role; the same for claim and finish');

const taskOut = z.looseObject({
  id: z.string(),
  title: z.string(),
  description: z.string().nullable(),
  priority: z.number(),
  status: z.enum(TASK_STATUSES),
  parentId: z.string().nullable(),
  dependsOn: z.array(z.string()),
  assignee: z.string().nullable(),
  worker: z.string().nullable(),
  attempts: z.number(),
  dueAt: z.string().nullable(),
  createdAt: z.string(),
});

function taskLine(t: Task): string {
  const facts = [t.status, `priority ${t.priority}`];
  if (t.assignee) facts.push(`for ${t.assignee}`);
  if (t.worker && t.status === 'running') facts.push(`held by ${t.worker}`);
  if (t.dueAt) facts.push(`due ${when(t.dueAt)}`);
  if (t.dependsOn.length > 0) facts.push(`after ${t.dependsOn.join(', ')}`);
  return `[${t.id}] (${facts.join(', ')}) ${t.title}`;
}

export function registerTaskTools(server: McpServer, agent: AgentRef): void {
  addTool(
    server,
    'task_create',
    {
      title: 'Create a task',
      description:
        'Add a task to the to-do list: work to do later or to hand to another worker. dependsOn holds it back until those tasks are done. Returns the task.',
      input: z.strictObject({
        title: z.string().describe('What to do, in a short line'),
        description: z.string().optional(),
        priority: z.number().optional().describe('Integer; higher first (default 0)'),
        payload: z.unknown().optional().describe('Any JSON the worker needs'),
        parentId: taskId.optional().describe('Parent task: cancelling it cancels this one'),
        dependsOn: z.array(z.string()).optional().describe('Ids of tasks that must be done first'),
        dueAt: timeInput.optional().describe('ISO 8601 time or epoch milliseconds'),
        assignee: z.string().optional().describe('Who the task is meant for'),
        maxAttempts: z.number().optional().describe('Failures allowed before it fails for good (default 1)'),
      }),
      output: z.looseObject({ task: taskOut }),
      annotations: ADDITIVE,
    },
    async (input) => {
      const task = await (await agent()).tasks.create(input);
      return { text: `Created ${taskLine(task)}`, data: { task } };
    },
  );

  addTool(
    server,
    'task_list',
    {
      title: 'List tasks',
      description:
        'List tasks by priority, then age: by status, assignee or parent; or, with ready: true, the tasks that could be claimed now (dependencies done).',
      input: z.strictObject({
        ready: z.boolean().optional().describe('Only tasks claimable now (default false)'),
        status: z.array(z.enum(TASK_STATUSES)).optional().describe('Any of these statuses'),
        assignee: z.string().optional(),
        parentId: taskId.nullable().optional().describe('Subtasks of this task; null for top-level tasks'),
        limit: z.number().optional().describe('Default 50 (10 with ready), at most 1000'),
        offset: z.number().optional(),
      }),
      output: z.looseObject({ tasks: z.array(taskOut) }),
      annotations: READ_ONLY,
      askForLess: 'pass a smaller limit and page with offset',
    },
    async ({ ready, ...options }) => {
      const { tasks } = await agent();
      const list = ready ? await tasks.ready({ limit: options.limit, assignee: options.assignee }) : await tasks.list(options);
      return { text: list.length === 0 ? 'No tasks.' : list.map((t) => `- ${taskLine(t)}`).join('\n'), data: { tasks: list } };
    },
  );

  addTool(
    server,
    'task_claim',
    {
      title: 'Claim a task',
      description:
        'Take the best ready task (or the task id) for worker: it becomes running, held under a lease (default 5 minutes). Returns the task, or null when nothing is ready.',
      input: z.strictObject({
        worker,
        id: taskId.optional().describe('Claim this task instead of the best ready one'),
        assignee: z.string().optional().describe('Only tasks meant for this assignee'),
        leaseMs: z.number().optional().describe('Lease length in milliseconds (default 300000)'),
      }),
      output: z.looseObject({ task: taskOut.nullable() }),
      annotations: ADDITIVE,
    },
    async (options) => {
      const task = await (await agent()).tasks.claim(options);
      return { text: task ? `Claimed ${taskLine(task)}` : 'No task is ready.', data: { task } };
    },
  );

  addTool(
    server,
    'task_finish',
    {
      title: 'Finish a task',
      description:
        'End work on a task: done (with a result), failed (with an error; retried while attempts remain), released (back to pending) or cancelled (with its subtasks). ' +
        'Pass the worker that claimed it; omit worker only for a task nobody claimed. Returns the task.',
      input: z.strictObject({
        id: taskId,
        outcome: z.enum(['done', 'failed', 'released', 'cancelled']),
        worker: worker.optional(),
        result: z.unknown().optional().describe('Any JSON: what came out (done)'),
        error: z.string().optional().describe('What went wrong (failed)'),
      }),
      output: z.looseObject({ task: taskOut, cancelled: z.array(z.string()).optional() }),
      annotations: { ...DESTRUCTIVE, idempotentHint: false }, // a failure counts an attempt each time
    },
    async ({ id, outcome, worker: w, result, error }) => {
      const { tasks } = await agent();
      let cancelled: string[] | undefined;
      let task;
      // Core checks what each outcome needs (a missing error or worker is its INVALID_ARGUMENT).
      if (outcome === 'done') task = await tasks.complete(id, { worker: w, result });
      else if (outcome === 'failed') task = await tasks.fail(id, { worker: w, error: error as string });
      else if (outcome === 'released') task = await tasks.release(id, { worker: w as string });
      else {
        cancelled = await tasks.cancel(id);
        task = (await tasks.get(id))!;
      }
      const also = cancelled && cancelled.length > 1 ? ` (and ${cancelled.length - 1} subtasks)` : '';
      return { text: `${taskLine(task)}${also}`, data: cancelled ? { task, cancelled } : { task } };
    },
  );
}

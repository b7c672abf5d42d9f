/**
 * The action-log tools: record what was done (a tool call, a step) and read the log back,
 * with per-tool stats. One call on `agent.actions` each; core checks sizes and ids.
 */
import type { Action } from '@engram/core';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import * as z from 'zod';
import { ADDITIVE, READ_ONLY, addTool, timeInput, type AgentRef } from '../tool-kit.js';

const actionOut = z.looseObject({
  id: z.string(),
  name: z.string(),
  status: z.string(),
  startedAt: z.string(),
  durationMs: z.number().nullable(),
});

const line = (a: Action) =>
  `- ${a.startedAt} ${a.name} ${a.status}${a.durationMs === null ? '' : ` ${Math.round(a.durationMs)} ms`}${a.error ? `: ${a.error.message}` : ''} (${a.id})`;

export function registerActionTools(server: McpServer, agent: AgentRef): void {
  addTool(
    server,
    'action_record',
    {
      title: 'Log an action',
      description:
        "Record a completed action (a tool call or step) in the agent's log: its name, input, and output or error. Use it to keep a history that later steps and other sessions can query.",
      input: z.strictObject({
        name: z.string().describe('Tool or action name, e.g. web_search'),
        input: z.unknown().optional().describe('What the action was given (any JSON)'),
        output: z.unknown().optional().describe('What it returned (any JSON); omit when it failed'),
        error: z.string().optional().describe('Why it failed; give this instead of output'),
        durationMs: z.number().optional().describe('How long it took'),
        parentId: z.string().optional().describe('The action this one ran inside'),
        taskId: z.string().optional().describe('The task it worked on'),
        runId: z.string().optional().describe('A run or conversation id, to group actions'),
      }),
      output: actionOut,
      annotations: ADDITIVE,
    },
    async (input) => {
      const action = await (await agent()).actions.record({ ...input, durationMs: input.durationMs ?? 0 });
      return { text: `Logged ${line(action).slice(2)}`, data: action };
    },
  );

  addTool(
    server,
    'action_list',
    {
      title: 'List logged actions',
      description: 'Read the action log, newest first, optionally by name, status, run or time range.',
      input: z.strictObject({
        name: z.string().optional(),
        status: z.enum(['running', 'ok', 'error']).optional(),
        runId: z.string().optional(),
        taskId: z.string().optional(),
        since: timeInput.optional().describe('Started at or after (ISO time or epoch ms)'),
        until: timeInput.optional().describe('Started before (ISO time or epoch ms)'),
        limit: z.number().optional().describe('Most actions (default 50, at most 1000)'),
      }),
      output: z.looseObject({ actions: z.array(actionOut) }),
      annotations: READ_ONLY,
      askForLess: 'pass a smaller limit, or a narrower since / until',
    },
    async (options) => {
      const actions = await (await agent()).actions.list(options);
      return { text: actions.length === 0 ? 'No actions.' : actions.map(line).join('\n'), data: { actions } };
    },
  );

  addTool(
    server,
    'action_stats',
    {
      title: 'Action stats per tool',
      description:
        'Per action name: how many calls, how many failed, error rate, and p50 / p95 duration. Use it to spot slow or failing tools.',
      input: z.strictObject({
        name: z.string().optional(),
        since: timeInput.optional(),
        until: timeInput.optional(),
      }),
      output: z.looseObject({ stats: z.array(z.looseObject({ name: z.string(), count: z.number() })) }),
      annotations: READ_ONLY,
    },
    async (options) => {
      const stats = await (await agent()).actions.stats(options);
      const text = stats.map(
        (s) => `- ${s.name}: ${s.count} calls, ${s.errors} errors, p50 ${s.p50Ms ?? '-'} ms, p95 ${s.p95Ms ?? '-'} ms`,
      );
      return { text: text.length === 0 ? 'No actions.' : text.join('\n'), data: { stats } };
    },
  );
}

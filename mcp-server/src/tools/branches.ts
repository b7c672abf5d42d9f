/**
 * Branch and snapshot tools: save the agent's whole state before something risky and roll
 * back, or fork it, look at what changed, and keep or drop the fork. One call on
 * `agent.branches` / `agent.snapshots` each; core validates names and does the file work.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import * as z from 'zod';
import { ADDITIVE, DESTRUCTIVE, READ_ONLY, addTool, type AgentRef } from '../tool-kit.js';

const name = z.string().describe('Branch or snapshot name: a-z, 0-9, - and _');
const infoOut = z.looseObject({ name: z.string(), createdAt: z.string(), method: z.string(), bytes: z.number() });

export function registerBranchTools(server: McpServer, agent: AgentRef): void {
  addTool(
    server,
    'branch_create',
    {
      title: 'Branch or snapshot the agent',
      description:
        "Save the agent's whole state (memories, files, tasks, actions, kv). kind 'snapshot' keeps it to restore later; " +
        "kind 'branch' makes a fork whose changes can be diffed and then promoted, merged or discarded.",
      input: z.strictObject({ kind: z.enum(['branch', 'snapshot']), name: name.optional() }),
      output: z.looseObject({ kind: z.string(), info: infoOut }),
      annotations: ADDITIVE,
    },
    async ({ kind, name: n }) => {
      const a = await agent();
      const info = kind === 'branch' ? await a.branches.create(n) : await a.snapshots.create(n);
      return { text: `Created ${kind} ${info.name} (${info.method}, ${info.bytes} bytes).`, data: { kind, info } };
    },
  );

  addTool(
    server,
    'branch_list',
    {
      title: 'List branches and snapshots',
      description: "List the agent's branches and snapshots with their creation times.",
      input: z.strictObject({ kind: z.enum(['branch', 'snapshot']).optional().describe('Only branches or only snapshots (default both)') }),
      output: z.looseObject({ branches: z.array(infoOut), snapshots: z.array(infoOut) }),
      annotations: READ_ONLY,
    },
    async ({ kind }) => {
      const a = await agent();
      const branches = kind === 'snapshot' ? [] : await a.branches.list();
      const snapshots = kind === 'branch' ? [] : await a.snapshots.list();
      const lines = [
        ...branches.map((b) => `- branch ${b.name} (${b.createdAt})`),
        ...snapshots.map((s) => `- snapshot ${s.name} (${s.createdAt})`),
      ];
      return { text: lines.length === 0 ? 'No branches or snapshots.' : lines.join('\n'), data: { branches, snapshots } };
    },
  );

  addTool(
    server,
    'branch_diff',
    {
      title: 'What a branch changed',
      description: 'Rows added, changed and removed per table on a branch since it was forked, and whether the agent moved on meanwhile.',
      input: z.strictObject({ name }),
      output: z.looseObject({ parentMoved: z.boolean() }),
      annotations: READ_ONLY,
    },
    async ({ name: n }) => {
      const diff = await (await agent()).branches.diff(n);
      const tables = diff.tables.map((c) => `- ${c.table}: +${c.added} ~${c.changed} -${c.removed}`);
      return { text: [`Branch ${n}${diff.parentMoved ? ' (the agent moved on since the fork)' : ''}:`, ...tables].join('\n'), data: diff };
    },
  );

  addTool(
    server,
    'branch_finish',
    {
      title: 'Keep or drop a branch, or restore a snapshot',
      description:
        "outcome 'merge': apply the branch's changes to the agent (conflicts by policy: fail, ours or theirs); 'promote': the agent becomes the branch; " +
        "'discard': drop the branch; 'restore': put the agent back to a snapshot (its later changes are lost); 'delete': drop a snapshot.",
      input: z.strictObject({
        name,
        outcome: z.enum(['merge', 'promote', 'discard', 'restore', 'delete']),
        policy: z.enum(['fail', 'ours', 'theirs']).optional().describe('For merge: what wins when both sides changed a row (default fail)'),
      }),
      output: z.looseObject({ outcome: z.string() }),
      annotations: DESTRUCTIVE,
    },
    async ({ name: n, outcome, policy }) => {
      const a = await agent();
      switch (outcome) {
        case 'merge': {
          const r = await a.branches.merge(n, policy ? { policy } : {});
          return {
            text: `Merged ${n} (${r.method}): ${r.applied.length} changes, ${r.conflicts.length} conflicts.`,
            data: { outcome, ...r },
          };
        }
        case 'promote':
          return { text: `The agent is now branch ${n}.`, data: { outcome, ...(await a.branches.promote(n)) } };
        case 'discard':
          return { text: `Discarded ${n}.`, data: { outcome, existed: await a.branches.discard(n) } };
        case 'restore':
          await a.snapshots.restore(n);
          return { text: `Restored snapshot ${n}.`, data: { outcome } };
        case 'delete':
          return { text: `Deleted snapshot ${n}.`, data: { outcome, existed: await a.snapshots.delete(n) } };
      }
    },
  );
}

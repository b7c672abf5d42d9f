/** `engram agents` (every agent with its counts, size and last write) and `engram info ID`. */
import { agentStats, type AgentStats, type Engram } from '@engram/core';
import { defineCommand, existingAgent, hasDataDir, withEngram, type Command } from './context.js';
import { errorCode } from './exit-codes.js';
import { diskUsage } from '../disk.js';
import { bytes, table, when } from './output.js';

interface AgentRow extends Partial<AgentStats> {
  id: string;
  bytes: number;
  lastWrite: string | null;
  /** Why the agent could not be opened (see engram doctor). */
  error?: { code: string; message: string };
}

async function agentRow(engram: Engram, id: string): Promise<AgentRow> {
  const disk = diskUsage(engram, id);
  try {
    const agent = await engram.agent(id, { create: false });
    const stats = await agentStats(agent);
    await agent.close();
    return { id, ...stats, ...disk };
  } catch (err) {
    return { id, ...disk, error: { code: errorCode(err), message: (err as Error).message } };
  }
}

const agents = defineCommand({
  name: 'agents',
  summary: 'list agents: memories, files, size on disk, last write',
  usage: `Usage: engram agents [--prefix P]`,
  options: { prefix: { type: 'string' } },
  async run(args, out) {
    args.noMoreThan(0);
    if (!hasDataDir(args)) {
      if (out.json) out.data([]);
      else out.note('No agents (the data directory does not exist).');
      return;
    }
    return withEngram(args, async (engram) => {
      const ids = await engram.list({ prefix: args.str('prefix') });
      const rows: AgentRow[] = [];
      for (const id of ids) rows.push(await agentRow(engram, id));
      if (out.json) return void out.data(rows);
      if (rows.length === 0) return void out.note(`No agents in ${engram.root}.`);
      const c = out.c;
      out.line(
        table(
          ['ID', 'MEMORIES', 'FILES', 'SIZE', 'LAST WRITE'],
          rows.map((r) =>
            r.error
              ? [c.cyan(r.id), c.red(`${r.error.code}`), '', bytes(r.bytes), when(r.lastWrite)]
              : [c.cyan(r.id), String(r.memories), String(r.files), bytes(r.bytes), when(r.lastWrite)],
          ),
          c,
        ),
      );
      if (rows.some((r) => r.error))
        out.note(out.e.yellow('Some agents could not be opened: engram doctor explains why and how to fix it.'));
    });
  },
});

const info = defineCommand({
  name: 'info',
  summary: 'one agent: engine, embedder, schema, counts, size, branches and snapshots',
  usage: `Usage: engram info ID`,
  async run(args, out) {
    const id = args.arg(0, 'agent ID');
    args.noMoreThan(1);
    return withEngram(args, async (engram) => {
      const agent = await existingAgent(engram, id);
      const [meta, stats, branches, snapshots] = await Promise.all([
        agent.info(),
        agentStats(agent),
        agent.branches.list(),
        agent.snapshots.list(),
      ]);
      const disk = diskUsage(engram, id);
      const result = { ...meta, ...stats, ...disk, branches: branches.map((b) => b.name), snapshots: snapshots.map((s) => s.name) };
      if (out.json) return void out.data(result);
      const c = out.c;
      const rows: [string, string][] = [
        ['agent', c.cyan(id)],
        ['path', meta.path],
        ['engine', meta.driver],
        ['schema', String(meta.schemaVersion)],
        ['created', when(meta.createdAt)],
        ['embedder', `${meta.embedder.id ?? '-'} (${meta.embedder.dims ?? '?'} dims)`],
        ['memories', `${stats.memories} current, ${stats.memoryVersions} versions`],
        ['files', `${stats.files} files, ${stats.directories} directories, ${bytes(stats.fileBytes)}`],
        ['kv keys', String(stats.kv)],
        ['tasks', String(stats.tasks)],
        ['actions', String(stats.actions)],
        ['on disk', bytes(disk.bytes)],
        ['last write', when(disk.lastWrite)],
        ['branches', result.branches.join(', ') || '-'],
        ['snapshots', result.snapshots.join(', ') || '-'],
      ];
      for (const [k, v] of rows) out.line(`${c.dim(k.padEnd(11))} ${v}`);
    });
  },
});

export const AGENT_COMMANDS: Command[] = [agents, info];

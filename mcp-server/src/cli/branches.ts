/** `engram branch ID ls|create|diff|merge|discard`: forks of an agent's whole state. */
import { EngramError, type MergePolicy } from '@engram/core';
import { confirmOrRefuse } from './confirm.js';
import { defineCommand, existingAgent, withEngram, type Command } from './context.js';
import { usageError } from './exit-codes.js';
import { bytes, table, when } from './output.js';
import { subcommand } from './stores.js';

const SUBS = ['ls', 'create', 'diff', 'merge', 'discard'] as const;

const branch = defineCommand({
  name: 'branch',
  summary: 'branches of an agent: ls, create, diff, merge, discard',
  usage: `Usage: engram branch ID ls
       engram branch ID create [NAME]
       engram branch ID diff NAME [--values]        rows added / changed / removed on the branch since its fork
       engram branch ID merge NAME [--policy fail|ours|theirs]   fail (default) refuses conflicts (exit 4)
       engram branch ID discard NAME [--yes]        asks first on a terminal; refuses without one unless --yes`,
  options: { policy: { type: 'string' }, values: { type: 'boolean' }, yes: { type: 'boolean', short: 'y' } },
  async run(args, out) {
    const id = args.arg(0, 'agent ID');
    const sub = subcommand(args, SUBS);
    const policy = args.str('policy') ?? 'fail';
    if (!['fail', 'ours', 'theirs'].includes(policy)) throw usageError('--policy must be fail, ours or theirs');
    return withEngram(args, async (engram) => {
      const agent = await existingAgent(engram, id);
      const c = out.c;
      if (sub === 'ls') {
        args.noMoreThan(2);
        const list = await agent.branches.list();
        if (out.json) return void out.data(list);
        if (list.length === 0) return void out.note('No branches.');
        out.line(
          table(
            ['NAME', 'CREATED', 'SIZE', 'METHOD', 'FROM'],
            list.map((b) => [c.cyan(b.name), when(b.createdAt), bytes(b.bytes), b.method, b.from ?? '-']),
            c,
          ),
        );
        return;
      }
      if (sub === 'create') {
        args.noMoreThan(3);
        const info = await agent.branches.create(args.positionals[2]);
        if (out.json) out.data(info);
        else out.line(info.name);
        return;
      }
      const name = args.arg(2, 'branch NAME');
      args.noMoreThan(3);
      if (!(await agent.branches.list()).some((b) => b.name === name))
        throw new EngramError('NOT_FOUND', `agent ${id} has no branch ${name} (engram branch ${id} ls lists them)`);
      if (sub === 'diff') {
        const diff = await agent.branches.diff(name, { values: args.bool('values') });
        if (out.json) return void out.data(diff);
        out.line(
          `${c.bold(`branch ${name}`)}${diff.parentMoved ? c.yellow(' (the agent changed since the fork: merge replays onto it)') : ''}`,
        );
        if (diff.changes.length === 0) return void out.line('no changes');
        out.line(
          table(
            ['TABLE', 'ADDED', 'CHANGED', 'REMOVED'],
            diff.tables.map((t) => [t.table, String(t.added), String(t.changed), String(t.removed)]),
            c,
          ),
        );
        for (const ch of diff.changes) {
          const mark = ch.change === 'added' ? c.green('+') : ch.change === 'removed' ? c.red('-') : c.yellow('~');
          out.line(
            `${mark} ${ch.table} ${ch.key.map(String).join(' ')}${ch.row ? `  ${c.dim(JSON.stringify(ch.row).slice(0, 120))}` : ''}`,
          );
        }
        if (diff.conflicts.length > 0) out.note(out.e.yellow(`${diff.conflicts.length} conflict(s): merge with --policy ours or theirs`));
      } else if (sub === 'merge') {
        const result = await agent.branches.merge(name, { policy: policy as MergePolicy });
        if (out.json) return void out.data(result);
        out.note(
          `merged ${name} (${result.method}): ${result.applied.length} change(s) applied, ${result.conflicts.length} conflict(s) resolved by ${result.policy}`,
        );
      } else {
        await confirmOrRefuse(`Discard branch ${name} of agent ${id}?`, args.bool('yes'));
        const discarded = await agent.branches.discard(name);
        if (out.json) out.data({ branch: name, discarded });
        else out.note(`discarded ${name}`);
      }
    });
  },
});

export const BRANCH_COMMANDS: Command[] = [branch];

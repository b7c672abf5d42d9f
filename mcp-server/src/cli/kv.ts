/** `engram kv ID ls|get|set|rm`: the agent's key-value state (JSON values, optional TTL). */
import { EngramError } from '@engram/core';
import { defineCommand, existingAgent, withEngram, type Command } from './context.js';
import { table, when } from './output.js';
import { jsonArg, subcommand, usedStore } from './stores.js';

const SUBS = ['ls', 'get', 'set', 'rm'] as const;

const kv = defineCommand({
  name: 'kv',
  summary: 'key-value state: ls, get, set (with --ttl), rm',
  usage: `Usage: engram kv ID ls [--prefix P] [--limit 100] [--values]
       engram kv ID get KEY                  prints the value as JSON (exit 3 when there is none)
       engram kv ID set KEY VALUE [--ttl MS] [--string]   VALUE is JSON when it parses, else text (--string: always text)
       engram kv ID rm KEY`,
  options: {
    prefix: { type: 'string' },
    limit: { type: 'string' },
    values: { type: 'boolean' },
    ttl: { type: 'string' },
    string: { type: 'boolean' },
  },
  async run(args, out) {
    const id = args.arg(0, 'agent ID');
    const sub = subcommand(args, SUBS);
    if (sub === 'set') {
      const key = args.arg(2, 'KEY');
      const value = jsonArg(args.arg(3, 'VALUE'), args.bool('string'));
      args.noMoreThan(4);
      const ttlMs = args.num('ttl', { min: 1 });
      return withEngram(args, async (engram) => {
        await (await engram.agent(id)).kv.set(key, value, ttlMs === undefined ? {} : { ttlMs });
        if (out.json) out.data({ key, value });
      });
    }
    return withEngram(args, async (engram) => {
      const agent = await existingAgent(engram, id);
      const used = await usedStore(agent, 'kv');
      if (sub === 'ls') {
        args.noMoreThan(2);
        const limit = args.num('limit', { min: 1, max: 1000, integer: true }) ?? 100;
        const entries = used ? await agent.kv.list({ prefix: args.str('prefix'), limit, values: args.bool('values') }) : [];
        if (out.json) return void out.data(entries);
        if (entries.length === 0) return void out.note('No keys.');
        const header = ['KEY', 'UPDATED', 'EXPIRES', ...(args.bool('values') ? ['VALUE'] : [])];
        out.line(
          table(
            header,
            entries.map((e) => [
              out.c.cyan(e.key),
              when(e.updatedAt),
              when(e.expiresAt),
              ...(args.bool('values') ? [JSON.stringify(e.value)] : []),
            ]),
            out.c,
          ),
        );
        return;
      }
      const key = args.arg(2, 'KEY');
      args.noMoreThan(3);
      if (sub === 'get') {
        const value = used ? await agent.kv.get(key) : undefined;
        if (value === undefined) throw new EngramError('NOT_FOUND', `key ${JSON.stringify(key)} has no value in agent ${id}`);
        out.line(JSON.stringify(value, null, out.json ? 2 : undefined));
      } else {
        const removed = used ? await agent.kv.delete(key) : false;
        if (!removed) throw new EngramError('NOT_FOUND', `key ${JSON.stringify(key)} has no value in agent ${id}`);
        if (out.json) out.data({ key, removed });
      }
    });
  },
});

export const KV_COMMANDS: Command[] = [kv];

/** Small shared helpers of the store commands: subcommand dispatch and "does this store hold anything". */
import { agentStats, type Agent } from '@engram/core';
import type { Args } from './context.js';
import { usageError } from './exit-codes.js';

/** The subcommand (first positional after the agent id), checked against `names`. */
export function subcommand(args: Args, names: readonly string[]): string {
  const sub = args.positionals[1];
  if (sub === undefined) throw usageError(`missing subcommand: ${names.join(', ')}`);
  if (!names.includes(sub)) throw usageError(`unknown subcommand ${JSON.stringify(sub)}: use ${names.join(', ')}`);
  return sub;
}

/**
 * Whether the agent ever used a store. Reading a store the agent never used would create its
 * tables (a write); commands that only look skip it instead.
 */
export async function usedStore(agent: Agent, store: 'files' | 'kv' | 'tasks' | 'actions'): Promise<boolean> {
  const s = await agentStats(agent);
  return store === 'files' ? s.files + s.directories > 0 : s[store] > 0;
}

/** A JSON value from the command line: JSON when it parses, else the text itself (or always text with `asString`). */
export function jsonArg(text: string, asString = false): unknown {
  if (asString) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

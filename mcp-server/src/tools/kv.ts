/**
 * The key-value tools: small JSON state by key (settings, progress markers, counters), one
 * call on `agent.kv` each. Core checks keys and value sizes.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import * as z from 'zod';
import { DESTRUCTIVE, READ_ONLY, addTool, type AgentRef } from '../tool-kit.js';

const key = z.string().describe('The key, e.g. settings:theme');
const entryOut = z.looseObject({
  key: z.string(),
  value: z.unknown().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  expiresAt: z.string().nullable(),
});

export function registerKvTools(server: McpServer, agent: AgentRef): void {
  addTool(
    server,
    'kv_set',
    {
      title: 'Set a value',
      description:
        'Store a JSON value under a key, replacing any value there: small structured state such as settings or progress markers (facts go to memory_remember).',
      input: z.strictObject({
        key,
        value: z.unknown().describe('Any JSON value'),
        ttlMs: z.number().optional().describe('Forget the key after this many milliseconds'),
      }),
      output: z.looseObject({ key: z.string() }),
      annotations: DESTRUCTIVE,
    },
    async ({ key: k, value, ttlMs }) => {
      await (await agent()).kv.set(k, value, { ttlMs });
      return { text: `Set ${k}.`, data: { key: k } };
    },
  );

  addTool(
    server,
    'kv_get',
    {
      title: 'Get a value',
      description: 'Read the JSON value stored under a key. Returns found: false when there is none.',
      input: z.strictObject({ key }),
      output: z.looseObject({ key: z.string(), found: z.boolean(), value: z.unknown().optional() }),
      annotations: READ_ONLY,
    },
    async ({ key: k }) => {
      const value = await (await agent()).kv.get(k);
      const found = value !== undefined;
      return { text: found ? JSON.stringify(value) : `No value under ${k}.`, data: found ? { key: k, found, value } : { key: k, found } };
    },
  );

  addTool(
    server,
    'kv_list',
    {
      title: 'List keys',
      description: 'List keys in order, optionally those starting with a prefix, with their values if asked. Page with after: <last key>.',
      input: z.strictObject({
        prefix: z.string().optional().describe('Only keys starting with this'),
        after: z.string().optional().describe('Only keys after this one (the last key of the previous page)'),
        limit: z.number().optional().describe('Most keys (default 100, at most 1000)'),
        values: z.boolean().optional().describe('Also return the values (default false)'),
      }),
      output: z.looseObject({ entries: z.array(entryOut) }),
      annotations: READ_ONLY,
      askForLess: 'pass a smaller limit, or values: false and kv_get the keys you need',
    },
    async (options) => {
      const entries = await (await agent()).kv.list(options);
      const line = (e: (typeof entries)[number]) => `- ${e.key}${'value' in e ? ` = ${JSON.stringify(e.value)}` : ''}`;
      return { text: entries.length === 0 ? 'No keys.' : entries.map(line).join('\n'), data: { entries } };
    },
  );

  addTool(
    server,
    'kv_delete',
    {
      title: 'Delete a key',
      description: 'Delete a key and its value. Returns whether it existed.',
      input: z.strictObject({ key }),
      output: z.looseObject({ deleted: z.boolean() }),
      annotations: DESTRUCTIVE,
    },
    async ({ key: k }) => {
      const deleted = await (await agent()).kv.delete(k);
      return { text: deleted ? `Deleted ${k}.` : `No key ${k}.`, data: { deleted } };
    },
  );
}

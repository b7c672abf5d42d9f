/**
 * The agent-level tool: which agent this server is bound to and what its database holds.
 * The file path is left out: it says nothing a model needs and something a remote one should not see.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import * as z from 'zod';
import { READ_ONLY, addTool, type AgentRef } from '../tool-kit.js';

export function registerAgentTools(server: McpServer, agent: AgentRef): void {
  addTool(
    server,
    'agent_info',
    {
      title: 'Agent info',
      description:
        'Which agent this memory belongs to and what it holds: the agent id, storage engine, embedder, creation time and how many current memories it has. Call it when unsure whose memory this is.',
      input: z.strictObject({}),
      output: z.looseObject({
        id: z.string(),
        driver: z.string(),
        schemaVersion: z.number(),
        createdAt: z.string().nullable(),
        embedder: z.looseObject({ id: z.string().nullable(), dims: z.number().nullable() }),
        encrypted: z.boolean(),
        memories: z.number(),
      }),
      annotations: READ_ONLY,
    },
    async () => {
      const a = await agent();
      const { path: _path, ...info } = await a.info();
      const data = { ...info, memories: await a.memories.count() };
      return {
        text: `Agent ${data.id}: ${data.memories} current memories; ${data.driver} database created ${data.createdAt ?? 'now'}; embedder ${data.embedder.id} (${data.embedder.dims} dims)${data.encrypted ? '; encrypted' : ''}.`,
        data,
      };
    },
  );
}

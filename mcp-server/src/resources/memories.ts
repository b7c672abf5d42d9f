/**
 * Memory resources, for clients that let a person browse: `engram://memories/recent` (the
 * newest memories as Markdown) and `engram://memories/{id}` (one memory as JSON).
 */
import { EngramError } from '@engram/core';
import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { memoryList } from '../format.js';
import { resourceError, type AgentRef } from '../tool-kit.js';

const RECENT = 50;

export function registerMemoryResources(server: McpServer, agent: AgentRef): void {
  server.registerResource(
    'recent-memories',
    'engram://memories/recent',
    { title: 'Recent memories', description: `The ${RECENT} newest current memories of this agent`, mimeType: 'text/markdown' },
    async (uri) => {
      try {
        const { memories, id } = await agent();
        const [recent, total] = await Promise.all([memories.list({ limit: RECENT }), memories.count()]);
        const text = `# Memories of ${id}\n\n${total} current; the ${recent.length} newest:\n\n${memoryList(recent)}\n`;
        return { contents: [{ uri: uri.href, mimeType: 'text/markdown', text }] };
      } catch (err) {
        throw resourceError(err);
      }
    },
  );

  server.registerResource(
    'memory',
    new ResourceTemplate('engram://memories/{id}', { list: undefined }),
    { title: 'A memory', description: 'One memory by id, as JSON', mimeType: 'application/json' },
    async (uri, { id }) => {
      try {
        const memory = await (await agent()).memories.get(String(id));
        if (!memory) throw new EngramError('NOT_FOUND', `memory ${String(id)} does not exist`);
        return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(memory, null, 2) }] };
      } catch (err) {
        throw resourceError(err);
      }
    },
  );
}

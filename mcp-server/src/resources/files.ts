/**
 * File resources: `engram://files/<path>` reads one file of the agent, as text when it is
 * text and as a base64 blob otherwise.
 */
import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { resourceError, type AgentRef } from '../tool-kit.js';

export function registerFileResources(server: McpServer, agent: AgentRef): void {
  server.registerResource(
    'file',
    new ResourceTemplate('engram://files{+path}', { list: undefined }),
    { title: 'A file', description: "One file of the agent's file system, e.g. engram://files/notes/todo.md" },
    async (uri, { path }) => {
      try {
        const p = decodeURIComponent(String(path));
        const { files } = await agent();
        const info = await files.stat(p);
        const mimeType = info.mime ?? 'application/octet-stream';
        if (info.isText) return { contents: [{ uri: uri.href, mimeType, text: await files.readText(p) }] };
        return { contents: [{ uri: uri.href, mimeType, blob: (await files.readFile(p)).toString('base64') }] };
      } catch (err) {
        throw resourceError(err);
      }
    },
  );
}

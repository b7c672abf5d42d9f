/**
 * File resources: `engram://files/<path>` reads one file of the agent, as text when it is
 * text and as a base64 blob otherwise. The path is percent-decoded here (a malformed escape is
 * INVALID_ARGUMENT); a file whose reply would not fit in one message is refused before it is read.
 */
import { EngramError } from '@engram/core';
import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { MAX_REPLY_BYTES, formatBytes } from '../limits.js';
import { resourceError, type AgentRef } from '../tool-kit.js';

/** The path of a file resource URI, decoded; INVALID_ARGUMENT for a malformed percent-escape. */
export function decodeResourcePath(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new EngramError(
      'INVALID_ARGUMENT',
      `invalid file URI path ${JSON.stringify(raw.slice(0, 200))}: a % must start an escape of two hex digits (write %25 for a literal %)`,
    );
  }
}

export function registerFileResources(server: McpServer, agent: AgentRef): void {
  server.registerResource(
    'file',
    new ResourceTemplate('engram://files{+path}', { list: undefined }),
    { title: 'A file', description: "One file of the agent's file system, e.g. engram://files/notes/todo.md" },
    async (uri, { path }) => {
      try {
        const p = decodeResourcePath(String(path));
        const { files } = await agent();
        const info = await files.stat(p);
        const mimeType = info.mime ?? 'application/octet-stream';
        // Text may grow when escaped as JSON; base64 grows by a third.
        const replyBytes = info.isText ? info.size : Math.ceil(info.size / 3) * 4;
        if (replyBytes > MAX_REPLY_BYTES) {
          throw new EngramError(
            'LIMIT_EXCEEDED',
            `${info.path} is ${formatBytes(info.size)}: too large for one reply (at most ${formatBytes(MAX_REPLY_BYTES)}${info.isText ? '' : ' once base64-encoded'}); ` +
              (info.isText ? 'read it in parts with the file_read tool (startLine / endLine)' : 'it cannot be read over MCP'),
          );
        }
        if (info.isText) return { contents: [{ uri: uri.href, mimeType, text: await files.readText(p) }] };
        return { contents: [{ uri: uri.href, mimeType, blob: (await files.readFile(p)).toString('base64') }] };
      } catch (err) {
        throw resourceError(err);
      }
    },
  );
}

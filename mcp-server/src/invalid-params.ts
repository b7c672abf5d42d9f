/**
 * Requests whose params do not match the MCP schema (a `tools/call` whose `arguments` is null or
 * an array, a `resources/read` without a string `uri`, an unknown log level...) are the
 * caller's mistake: JSON-RPC's -32602 Invalid params, with a message naming each bad field. The
 * SDK parses params inside each request handler and lets the schema error through as -32603
 * Internal error with the raw issue list, which tells a client the server broke. This wraps every
 * handler the server has (the SDK's own and McpServer's) once they are all registered.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';

type Handler = (request: unknown, extra: unknown) => Promise<unknown>;

interface SchemaIssue {
  path: PropertyKey[];
  message: string;
}

/** A schema failure of the SDK's request parsing (zod), by shape: the SDK does not export its zod. */
function schemaIssues(err: unknown): SchemaIssue[] | undefined {
  const issues = (err as { name?: unknown; issues?: unknown } | null)?.issues;
  const name = (err as { name?: unknown } | null)?.name;
  // 'ZodError' from zod, '$ZodError' from zod/mini (what the SDK parses requests with).
  return (name === 'ZodError' || name === '$ZodError') && Array.isArray(issues) ? (issues as SchemaIssue[]) : undefined;
}

function describe(issues: SchemaIssue[]): string {
  const parts = issues.slice(0, 5).map((i) => `${i.path.map(String).join('.') || 'request'}: ${i.message}`);
  if (issues.length > 5) parts.push(`${issues.length - 5} more`);
  return `Invalid params: ${parts.join('; ')}`;
}

/**
 * Makes `server` answer malformed request params with InvalidParams. Call after every tool,
 * resource and prompt is registered (later registrations are not wrapped).
 */
export function reportInvalidParams(server: McpServer): void {
  const handlers = (server.server as unknown as { _requestHandlers?: unknown })._requestHandlers;
  // The SDK keeps its handlers in this private map; if a later SDK moves it, the test of this
  // module fails (the server still works, with the SDK's own -32603).
  if (!(handlers instanceof Map)) return;
  for (const [method, handler] of handlers as Map<string, Handler>) {
    handlers.set(method, async (request: unknown, extra: unknown) => {
      try {
        return await handler(request, extra);
      } catch (err) {
        const issues = schemaIssues(err);
        throw issues ? new McpError(ErrorCode.InvalidParams, describe(issues)) : err;
      }
    });
  }
}

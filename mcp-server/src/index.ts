/**
 * @engram/mcp-server: every Engram agent as an MCP server, over stdio or Streamable HTTP.
 *
 * @example
 * import { Engram } from '@engram/core';
 * import { createEngramServer, startHttpServer } from '@engram/mcp-server';
 * const engram = await Engram.open({ dir: './.engram' });
 * const http = await startHttpServer({ engram, port: 8787 }); // http://127.0.0.1:8787/agents/<id>/mcp
 */
export { createEngramServer, checkToolGroups, SERVER_INFO, TOOL_GROUPS, type EngramServerOptions, type ToolGroup } from './server.js';
export { startHttpServer, refuse, type HttpServerOptions, type HttpServerHandle } from './http.js';
export { HttpAuth, isLoopback, type AuthResult, type HttpAuthOptions, type Principal, type TokenScopes } from './http/auth.js';
export { serveStdio, type StdioOptions, type StdioSession } from './stdio.js';
export { LineTransport, type LineTransportOptions } from './stdio/transport.js';
export { MAX_MESSAGE_BYTES, MAX_OUTBOUND_BYTES, MAX_REPLY_BYTES, MAX_REMEMBER_BYTES } from './limits.js';
export {
  createInspector,
  ALL_AGENTS,
  type Inspector,
  type InspectorOptions,
  type Authorize,
  type InspectorAccess,
} from './inspector/inspector.js';

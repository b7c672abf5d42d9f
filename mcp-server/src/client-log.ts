/**
 * MCP logging: the server declares the `logging` capability, honours `logging/setLevel` (per
 * session: each McpServer is one session) and sends `notifications/message` to the client.
 * Until the client sets a level, messages of level info and above are sent. What goes to the
 * client: every tool failure (warning for a bad call, error for an unexpected one), at debug
 * every tool call with its duration, and (stdio.ts) every message the stdio transport skipped or
 * refused, as warning. Sending never fails a call.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { LoggingLevelSchema, SetLevelRequestSchema, type LoggingLevel, type ServerNotification } from '@modelcontextprotocol/sdk/types.js';

/** Severity order of MCP log levels (debug lowest). */
const SEVERITY = new Map<LoggingLevel, number>(LoggingLevelSchema.options.map((level, i) => [level, i]));

/** Level in force before the client sets one. */
export const DEFAULT_CLIENT_LOG_LEVEL: LoggingLevel = 'info';

/** Sends a notification tied to the request being handled (so it travels with its answer). */
export type Notify = (notification: ServerNotification) => Promise<void>;

/** The log of one session towards its client. */
export class ClientLog {
  private level: LoggingLevel = DEFAULT_CLIENT_LOG_LEVEL;

  constructor(server: McpServer) {
    server.server.setRequestHandler(SetLevelRequestSchema, (request) => {
      this.level = request.params.level;
      return {};
    });
  }

  /** Whether a message of `level` would be sent now. */
  wants(level: LoggingLevel): boolean {
    return SEVERITY.get(level)! >= SEVERITY.get(this.level)!;
  }

  /** Sends `data` at `level` through `notify` if the client's level lets it through. */
  send(notify: Notify, level: LoggingLevel, data: unknown): void {
    if (!this.wants(level)) return;
    notify({ method: 'notifications/message', params: { level, logger: 'engram', data } }).catch(() => {});
  }
}

const logs = new WeakMap<McpServer, ClientLog>();

/** Enables MCP logging on `server` (which must declare the `logging` capability). */
export function enableClientLog(server: McpServer): ClientLog {
  const log = new ClientLog(server);
  logs.set(server, log);
  return log;
}

/** The client log of `server`, if enabled. */
export function clientLogOf(server: McpServer): ClientLog | undefined {
  return logs.get(server);
}

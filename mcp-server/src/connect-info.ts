/**
 * How to connect a client, printed when `engram serve` starts: the endpoint, a Claude Desktop
 * `mcpServers` block (stdio) and the Claude Code commands (stdio and HTTP), with absolute paths.
 */
import { fileURLToPath } from 'node:url';

export interface ConnectInfoOptions {
  /** The HTTP server's base URL. */
  url: string;
  /** Absolute data directory. */
  dir: string;
  driver: string;
  /** Whether requests need a bearer token. */
  token: boolean;
  /** The agent id shown in the examples. */
  agentId: string;
  /** Tool groups, when not all. */
  tools?: readonly string[];
  /** The web inspector is served at `/`. */
  inspector?: boolean;
}

/** Absolute path of the built CLI (this module's sibling). */
export const CLI_PATH = fileURLToPath(new URL('./cli.js', import.meta.url));

/** A word the shell reads back unchanged. */
function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

export function connectInfo({ url, dir, driver, token, agentId, tools, inspector }: ConnectInfoOptions): string {
  const endpoint = `${url}/agents/${agentId}/mcp`;
  const args = [CLI_PATH, 'mcp', '--agent', agentId, '--dir', dir];
  if (driver !== 'turso') args.push('--driver', driver);
  if (tools) args.push('--tools', tools.join(','));
  const desktop = { mcpServers: { engram: { command: 'node', args } } };
  const header = token ? ' --header "Authorization: Bearer <token>"' : '';
  return [
    `Engram MCP server on ${url} (data: ${dir}, driver ${driver}${token ? ', bearer token required' : ''})`,
    `Each agent has its own endpoint, /agents/<agent-id>/mcp, e.g. ${endpoint}`,
    ...(inspector ? [`Web inspector: ${url}/${token ? ' (log in with the token)' : ''}`] : []),
    '',
    'Claude Desktop (claude_desktop_config.json), over stdio:',
    JSON.stringify(desktop, null, 2),
    '',
    'Claude Code:',
    `  claude mcp add engram -- node ${args.map(quote).join(' ')}`,
    `  claude mcp add --transport http engram ${endpoint}${header}`,
    '',
    'Ctrl+C stops the server; every agent is checkpointed on the way out.',
  ].join('\n');
}

/**
 * One MCP server bound to one agent: the tools and resources of each sub-store (memories,
 * files, kv, tasks), registered by their own modules, in the groups asked for. The agent is
 * opened on the first call, so an agent that cannot be opened shows up as a readable tool
 * error rather than a dead connection.
 */
import { reportInvalidParams } from './invalid-params.js';
import { readFileSync } from 'node:fs';
import { EngramError, validateAgentId, type Agent, type Engram } from '@engram/core';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { enableClientLog } from './client-log.js';
import { registerFileResources } from './resources/files.js';
import { registerMemoryResources } from './resources/memories.js';
import { registerActionTools } from './tools/actions.js';
import { registerAgentTools } from './tools/agent.js';
import { registerBranchTools } from './tools/branches.js';
import { registerFileTools } from './tools/files.js';
import { registerKvTools } from './tools/kv.js';
import { registerMemoryTools } from './tools/memories.js';
import { registerTaskTools } from './tools/tasks.js';
import type { AgentRef } from './tool-kit.js';

export interface EngramServerOptions {
  /** The Engram holding the agent (the caller closes it). */
  engram: Engram;
  /** The agent every tool of this server reads and writes; validated with core's id rules. */
  agentId: string;
  /** Which groups of tools to offer (default all): fewer tools cost a model less context. */
  tools?: readonly ToolGroup[];
}

/** Tool groups, one per sub-store; `agent_info` is always there. */
export const TOOL_GROUPS = ['memories', 'files', 'kv', 'tasks', 'actions', 'branches'] as const;
export type ToolGroup = (typeof TOOL_GROUPS)[number];

const REGISTER: Record<ToolGroup, (server: McpServer, agent: AgentRef) => void> = {
  memories: (server, agent) => {
    registerMemoryTools(server, agent);
    registerMemoryResources(server, agent);
  },
  files: (server, agent) => {
    registerFileTools(server, agent);
    registerFileResources(server, agent);
  },
  kv: registerKvTools,
  tasks: registerTaskTools,
  actions: registerActionTools,
  branches: registerBranchTools,
};

/** Name and version announced to clients. */
export const SERVER_INFO = {
  name: 'engram',
  version: (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version,
};

/** Most array elements and object members one tool call may carry (bounds validation work). */
const MAX_TOOL_INPUT_ELEMENTS = 100_000;

/** The tool groups named, checked (INVALID_ARGUMENT for an unknown or empty list), without repeats. */
export function checkToolGroups(names: readonly string[]): ToolGroup[] {
  const unknown = names.filter((g) => !(TOOL_GROUPS as readonly string[]).includes(g));
  if (unknown.length > 0 || names.length === 0) {
    throw new EngramError(
      'INVALID_ARGUMENT',
      `unknown tool group ${JSON.stringify(unknown.join(','))}: use any of ${TOOL_GROUPS.join(', ')}`,
    );
  }
  return [...new Set(names as ToolGroup[])];
}

/**
 * An MCP server over one agent: its memories, files, key-value state and tasks. Connect it
 * to any transport.
 * @example
 * const server = createEngramServer({ engram, agentId: 'agent-42' });
 * await server.connect(new StdioServerTransport());
 */
export function createEngramServer({ engram, agentId, tools = TOOL_GROUPS }: EngramServerOptions): McpServer {
  const id = validateAgentId(agentId);
  const groups = checkToolGroups(tools);
  let opening: Promise<Agent> | undefined;
  const agent: AgentRef = () =>
    (opening ??= engram.agent(id).catch((err: unknown) => {
      opening = undefined; // try again on the next call
      throw err;
    }));
  const server = new McpServer(SERVER_INFO, {
    capabilities: { logging: {} },
    maxToolInputElements: MAX_TOOL_INPUT_ELEMENTS,
    instructions: groups.includes('memories')
      ? `Long-term memory of agent "${id}". Call memory_recall before answering anything that may depend on the user, earlier conversations or past events. ` +
        'Call memory_remember to keep durable facts, preferences and decisions, one self-contained sentence each; when a fact changes, remember the new one with supersedes: <old id>.'
      : `The stored data of agent "${id}".`,
  });
  enableClientLog(server);
  registerAgentTools(server, agent);
  for (const group of groups) REGISTER[group](server, agent);
  reportInvalidParams(server);
  return server;
}

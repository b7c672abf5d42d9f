#!/usr/bin/env node
/**
 * The `engram` command. `engram mcp` serves one agent over stdio (stdout is the protocol's:
 * everything else goes to stderr); `engram serve` serves every agent over Streamable HTTP, with
 * the web inspector at `/`; `engram inspect` serves the inspector alone.
 * Both close the Engram on exit, so every agent database is checkpointed.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Engram, validateAgentId, type DriverName } from '@engram/core';
import { commandList, hasCommand, runCommand } from './cli/index.js';
import { connectInfo } from './connect-info.js';
import { startHttpServer, type HttpServerHandle, type HttpServerOptions } from './http.js';
import { checkToken } from './http/auth.js';
import { log } from './log.js';
import { checkToolGroups, TOOL_GROUPS, type ToolGroup } from './server.js';
import { serveStdio } from './stdio.js';
import { SYNC_FLAGS, SYNC_USAGE, syncOptions } from './sync-flags.js';

const USAGE = `Usage:
  engram mcp --agent ID [--dir DIR] [--driver turso|sqlite] [--tools LIST]
      Serve one agent over stdio (for Claude Desktop, Claude Code, IDE agents).
  engram serve [--dir DIR] [--port 8787] [--host 127.0.0.1] [--token TOKEN] [--tokens FILE]
               [--allow-origin ORIGIN]... [--driver turso|sqlite] [--tools LIST]
      Serve every agent over Streamable HTTP at http://HOST:PORT/agents/<agent-id>/mcp.
      --token (or ENGRAM_TOKEN) opens every agent; --tokens FILE is JSON mapping each token to
      the agent ids or globs it opens ({"<token>": ["agent-1", "team-*"]}, "*" for all), re-read
      on SIGHUP. A host other than loopback requires a token. Web pages may call the server
      only from its own origin or an --allow-origin (e.g. http://localhost:5173).
      The web inspector is at http://HOST:PORT/ (same token: log in with it).
  engram inspect [--dir DIR] [--port 8788] [--host 127.0.0.1] [--token TOKEN] [--driver turso|sqlite]
      Only the web inspector: browse and edit every agent's memories, files, kv, tasks, actions, branches.

DIR defaults to $ENGRAM_DIR, then ./.engram. LIST picks tool groups (default all):
${TOOL_GROUPS.join(',')}.

${SYNC_USAGE}

Look inside and steer (each takes --dir, --driver, --json; engram COMMAND --help for more):
${commandList()}
`;

class UsageError extends Error {}

/** How long a signal lets running requests finish before the Engram is closed. */
const SIGNAL_GRACE_MS = 5000;

const COMMON = {
  dir: { type: 'string' },
  driver: { type: 'string' },
  tools: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  ...SYNC_FLAGS,
} as const;

function dataDir(dir: string | undefined): string {
  return resolve(dir ?? process.env.ENGRAM_DIR ?? '.engram');
}

function toolGroups(list: string | undefined): ToolGroup[] | undefined {
  if (list === undefined) return undefined;
  try {
    return checkToolGroups(list.split(',').map((g) => g.trim()));
  } catch (err) {
    throw new UsageError(`--tools: ${(err as Error).message}`);
  }
}

function driverName(driver: string | undefined): DriverName {
  if (driver === undefined || driver === 'turso' || driver === 'sqlite') return driver ?? 'turso';
  throw new UsageError(`--driver must be turso or sqlite, not ${JSON.stringify(driver)}`);
}

/** Runs `stop` once on SIGINT or SIGTERM; a second signal exits at once. */
function onSignal(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    log(`${signal}: shutting down`);
    void stop();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

/** Ends the process after `close`, with 0 unless closing failed. */
async function exitAfter(close: () => Promise<void>): Promise<never> {
  try {
    await close();
    process.exit(0);
  } catch (err) {
    log(`shutdown failed: ${(err as Error).message}`);
    process.exit(1);
  }
}

async function mcp(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { ...COMMON, agent: { type: 'string' } }, strict: true });
  if (values.help) return void process.stderr.write(USAGE);
  if (values.agent === undefined) throw new UsageError('engram mcp needs --agent ID');
  let agentId: string;
  try {
    agentId = validateAgentId(values.agent);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  // A dependency that logs must not corrupt the protocol: console output goes to stderr too.
  // eslint-disable-next-line no-console
  Object.assign(console, { log: console.error, info: console.error, debug: console.error });
  const tools = toolGroups(values.tools);
  const dir = dataDir(values.dir);
  const sync = syncOptions(values, (m) => new UsageError(m));
  const engram = await Engram.open({ dir, driver: driverName(values.driver), ...(sync ? { sync } : {}) });
  const { server, done, drain } = await serveStdio({ engram, agentId, tools });
  log(`serving agent ${agentId} from ${dir} (driver ${engram.driver.name}${sync ? ', synced' : ''}) over stdio`);
  const stop = () =>
    exitAfter(async () => {
      await server.close();
      await engram.close();
    });
  onSignal(async () => {
    await drain(SIGNAL_GRACE_MS);
    await stop();
  });
  await done;
  await stop();
}

/** --token or ENGRAM_TOKEN, refused when empty or padded (never a silent "no auth"): a usage error naming its source. */
function tokenOption(flag: string | undefined): string | undefined {
  const token = flag ?? process.env.ENGRAM_TOKEN;
  try {
    if (token !== undefined) checkToken(token, flag === undefined ? 'ENGRAM_TOKEN' : '--token');
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  return token;
}
function portOption(value: string | undefined, fallback: number): number {
  const port = Number(value ?? fallback);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be an integer from 0 to 65535`);
  return port;
}

/**
 * Starts the HTTP server of `serve` or `inspect` over `engram` (closed again when the port
 * cannot be had) and stops both on SIGINT or SIGTERM.
 */
async function listen(engram: Engram, options: Omit<HttpServerOptions, 'engram'> & { port: number }): Promise<HttpServerHandle> {
  let http: HttpServerHandle;
  try {
    http = await startHttpServer({ engram, ...options });
  } catch (err) {
    await engram.close();
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new Error(`port ${options.port} is in use: pass --port <another>`);
    throw err;
  }
  onSignal(() =>
    exitAfter(async () => {
      await http.close();
      await engram.close();
    }),
  );
  return http;
}

async function serve(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      ...COMMON,
      port: { type: 'string' },
      host: { type: 'string' },
      token: { type: 'string' },
      tokens: { type: 'string' },
      'allow-origin': { type: 'string', multiple: true },
    },
    strict: true,
  });
  if (values.help) return void process.stdout.write(USAGE);
  const port = portOption(values.port, 8787);
  const token = tokenOption(values.token);
  const tokensFile = values.tokens === undefined ? undefined : resolve(values.tokens);
  const tools = toolGroups(values.tools);
  const dir = dataDir(values.dir);
  const sync = syncOptions(values, (m) => new UsageError(m));
  const engram = await Engram.open({ dir, driver: driverName(values.driver), ...(sync ? { sync } : {}) });
  const http = await listen(engram, { port, host: values.host, token, tokensFile, allowOrigins: values['allow-origin'], tools });
  process.stdout.write(
    `${connectInfo({ url: http.url, dir, driver: engram.driver.name, token: http.auth.required, agentId: 'demo-agent', tools, inspector: true })}\n`,
  );
  if (sync) log(`agents sync with ${sync.url as string} every ${sync.intervalMs ?? 5000} ms`);
  if (tokensFile !== undefined) {
    process.on('SIGHUP', () => {
      http.reloadTokens().then(
        () => log(`SIGHUP: reloaded tokens from ${tokensFile}`),
        (err: unknown) => log(`SIGHUP: kept the previous tokens: ${(err as Error).message}`),
      );
    });
  }
}

async function inspect(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      dir: COMMON.dir,
      driver: COMMON.driver,
      help: COMMON.help,
      port: { type: 'string' },
      host: { type: 'string' },
      token: { type: 'string' },
    },
    strict: true,
  });
  if (values.help) return void process.stdout.write(USAGE);
  const port = portOption(values.port, 8788);
  const token = tokenOption(values.token);
  const dir = dataDir(values.dir);
  const engram = await Engram.open({ dir, driver: driverName(values.driver) });
  const http = await listen(engram, { port, host: values.host, token, mcp: false, log });
  process.stdout.write(
    `Engram inspector on ${http.url}/ (data: ${dir}, driver ${engram.driver.name}${token ? ', log in with the token' : ''})\nCtrl+C stops it.\n`,
  );
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'mcp':
      return mcp(rest);
    case 'serve':
      return serve(rest);
    case 'inspect':
      return inspect(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return;
    default:
      if (hasCommand(command)) return void (process.exitCode = await runCommand(command, rest));
      throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  const usage = err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
  log(`error: ${(err as Error).message}`);
  if (usage) process.stderr.write(`\n${USAGE}`);
  process.exit(usage ? 2 : 1);
});

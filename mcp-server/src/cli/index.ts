/**
 * The inspection and steering commands of the `engram` bin (beside `mcp` and `serve`): one
 * module per command group. `runCommand` runs one and turns any error into a message on stderr
 * (JSON with --json) and a documented exit code (exit-codes.ts).
 */
import { AGENT_COMMANDS } from './agents.js';
import type { Command } from './context.js';
import { errorCode, EXIT, exitCodeFor, type ExitCode } from './exit-codes.js';
import { MEMORY_COMMANDS } from './memories.js';
import { FILE_COMMANDS } from './files.js';
import { KV_COMMANDS } from './kv.js';
import { TASK_COMMANDS } from './tasks.js';
import { ACTION_COMMANDS } from './actions.js';
import { BRANCH_COMMANDS } from './branches.js';
import { TRANSFER_COMMANDS } from './transfer.js';
import { DOCTOR_COMMANDS } from './doctor.js';
import { colors, useColor } from './output.js';

export { EXIT, type ExitCode } from './exit-codes.js';

/** Every command, in the order the help lists them. */
export const COMMANDS: readonly Command[] = [
  ...AGENT_COMMANDS,
  ...MEMORY_COMMANDS,
  ...FILE_COMMANDS,
  ...KV_COMMANDS,
  ...TASK_COMMANDS,
  ...ACTION_COMMANDS,
  ...BRANCH_COMMANDS,
  ...TRANSFER_COMMANDS,
  ...DOCTOR_COMMANDS,
];

const BY_NAME = new Map(COMMANDS.map((c) => [c.name, c]));

/** Lines for the bin's help: each command and what it does. */
export function commandList(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return COMMANDS.map((c) => `  engram ${c.name.padEnd(width)}  ${c.summary}`).join('\n');
}

export function hasCommand(name: string): boolean {
  return BY_NAME.has(name);
}

/** Runs a command; resolves to the exit code (never throws). */
export async function runCommand(name: string, argv: string[]): Promise<ExitCode> {
  const command = BY_NAME.get(name);
  if (!command) throw new Error(`no command ${name}`);
  const json = argv.includes('--json');
  // A reader that stops early (`engram export ID | head`) closes the pipe: stop quietly, as cat does.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(EXIT.OK);
    throw err;
  });
  try {
    return (await command.run(argv)) ?? EXIT.OK;
  } catch (err) {
    const code = exitCodeFor(err);
    const message = (err as Error).message ?? String(err);
    if (json) {
      process.stderr.write(`${JSON.stringify({ error: { code: errorCode(err), message, exitCode: code } })}\n`);
    } else {
      const e = colors(useColor(process.stderr));
      process.stderr.write(`${e.red('error:')} ${message}\n`);
      if (code === EXIT.USAGE && errorCode(err) !== 'INVALID_ARGUMENT') process.stderr.write(`\n${command.usage}\n`);
    }
    return code;
  }
}

/**
 * What every command shares: its options parsed in one style (node:util parseArgs, strict,
 * with `--dir`, `--driver`, `--json` and `--help` on every command), the data directory,
 * opening the Engram and an existing agent, and the command type the dispatcher runs.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { Engram, EngramError, validateAgentId, type Agent, type DriverName } from '@engram/core';
import { EXIT, usageError, type ExitCode } from './exit-codes.js';
import { Output } from './output.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Options every command takes. */
export const COMMON_OPTIONS = {
  dir: { type: 'string' },
  driver: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

export const COMMON_HELP = `Common options: --dir DIR (default $ENGRAM_DIR, then ./.engram), --driver turso|sqlite, --json, --help`;

/** Parsed options and positionals, with typed getters that turn bad values into usage errors (exit 2). */
export class Args {
  constructor(
    readonly values: Record<string, string | boolean | (string | boolean)[] | undefined>,
    readonly positionals: string[],
  ) {}

  get json(): boolean {
    return this.values.json === true;
  }

  str(name: string): string | undefined {
    const v = this.values[name];
    return typeof v === 'string' ? v : undefined;
  }

  /** Every value of a repeatable option. */
  strs(name: string): string[] {
    const v = this.values[name];
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : [];
  }

  bool(name: string): boolean {
    return this.values[name] === true;
  }

  /** A number option, checked against bounds. */
  num(name: string, { min = -Infinity, max = Infinity, integer = false } = {}): number | undefined {
    const raw = this.str(name);
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
      const range = `${integer ? 'an integer' : 'a number'}${Number.isFinite(min) ? ` from ${min}` : ''}${Number.isFinite(max) ? ` to ${max}` : ''}`;
      throw usageError(`--${name} must be ${range}, not ${JSON.stringify(raw)}`);
    }
    return n;
  }

  /** The positional argument at `index`, required. */
  arg(index: number, what: string): string {
    const v = this.positionals[index];
    if (v === undefined) throw usageError(`missing ${what}`);
    return v;
  }

  /** Refuses positionals beyond `count`. */
  noMoreThan(count: number): void {
    if (this.positionals.length > count) throw usageError(`unexpected argument ${JSON.stringify(this.positionals[count])}`);
  }
}

/** Parses `args` with the common options plus `options`. */
export function parse(args: string[], options: Options = {}): Args {
  const { values, positionals } = parseArgs({ args, options: { ...COMMON_OPTIONS, ...options }, allowPositionals: true, strict: true });
  return new Args(values as Args['values'], positionals);
}

/** The data directory: --dir, else $ENGRAM_DIR, else ./.engram. */
export function dataDir(args: Args): string {
  return resolve(args.str('dir') ?? process.env.ENGRAM_DIR ?? '.engram');
}

export function driverOf(args: Args): DriverName {
  const d = args.str('driver') ?? 'turso';
  if (d !== 'turso' && d !== 'sqlite') throw usageError(`--driver must be turso or sqlite, not ${JSON.stringify(d)}`);
  return d;
}

/** Runs `fn` with the Engram of the data directory, closed afterwards (so every agent is checkpointed). */
export async function withEngram<T>(args: Args, fn: (engram: Engram) => Promise<T>): Promise<T> {
  const driver = driverOf(args);
  const engram = await Engram.open({ dir: dataDir(args), driver });
  try {
    return await fn(engram);
  } finally {
    await engram.close();
  }
}

/** An agent that must already exist (NOT_FOUND, exit 3, otherwise): reading never creates one. */
export async function existingAgent(engram: Engram, id: string): Promise<Agent> {
  validateAgentId(id);
  if (!(await engram.has(id)))
    throw new EngramError('NOT_FOUND', `agent ${id} does not exist in ${engram.root} (engram agents lists them)`);
  return engram.agent(id, { create: false });
}

/** True when the data directory exists (listing commands say "no agents" rather than create it). */
export function hasDataDir(args: Args): boolean {
  return existsSync(dataDir(args));
}

/** One command of the CLI, as written. */
export interface CommandSpec {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Its full usage text (shown by --help and after a usage error). */
  usage: string;
  /** Options beyond the common ones. */
  options?: Options;
  run(args: Args, out: Output): Promise<ExitCode | void>;
}

/** One command of the CLI, as the dispatcher runs it. */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(argv: string[]): Promise<ExitCode | void>;
}

/** A command that parses its arguments, answers --help with its usage, and runs. */
export function defineCommand(spec: CommandSpec): Command {
  return {
    name: spec.name,
    summary: spec.summary,
    usage: spec.usage,
    async run(argv) {
      const args = parse(argv, spec.options);
      const out = new Output(args.json);
      if (args.bool('help')) {
        out.stdout.write(`${spec.usage}\n${COMMON_HELP}\n`);
        return EXIT.OK;
      }
      return spec.run(args, out);
    },
  };
}

export { EXIT };

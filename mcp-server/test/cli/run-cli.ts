/**
 * Runs the real `engram` bin (mcp-server/dist/cli.js) as a person would: a child process with
 * arguments, optional stdin, and its exit code, stdout and stderr. `onTty` runs it under
 * `script`, so stdin, stdout and stderr are a terminal.
 */
import { spawn } from 'node:child_process';
import { CLI } from '../helpers.js';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout as bytes (binary file contents). */
  raw: Buffer;
}

/** A clean environment: no colour forcing, no ENGRAM_DIR from the developer's shell. */
function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const e = { ...process.env, ...extra };
  delete e.FORCE_COLOR;
  delete e.ENGRAM_DIR;
  if (!('NO_COLOR' in extra)) delete e.NO_COLOR;
  return e;
}

/** Runs `engram ...args`; resolves when it exits. */
export function cli(args: string[], options: { input?: string | Buffer; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: env(options.env), cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => {
      const raw = Buffer.concat(out);
      resolve({ code, stdout: raw.toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), raw });
    });
    child.stdin.end(options.input ?? '');
  });
}

const shellQuote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

/**
 * Runs `engram ...args` on a pseudo-terminal (util-linux `script`): what a person at a terminal
 * sees, stdout and stderr mixed. With `answer`, types it (and Enter) once a `[y/N]` prompt shows.
 */
export function onTty(
  args: string[],
  options: { answer?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<{ code: number | null; screen: string }> {
  return new Promise((resolve, reject) => {
    const command = [process.execPath, CLI, ...args].map(shellQuote).join(' ');
    const child = spawn('script', ['-qec', command, '/dev/null'], { env: env(options.env), stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let answered = false;
    child.stdout.on('data', (d: Buffer) => {
      out.push(d);
      if (options.answer !== undefined && !answered && Buffer.concat(out).toString('utf8').includes('[y/N]')) {
        answered = true;
        child.stdin.write(`${options.answer}\r`);
      }
    });
    child.stderr.on('data', (d: Buffer) => out.push(d));
    child.on('error', reject);
    child.on('close', (code) => {
      child.stdin.destroy();
      resolve({ code, screen: Buffer.concat(out).toString('utf8') });
    });
    if (options.answer === undefined) child.stdin.end();
  });
}

/** Parses stdout as JSON, failing with the run's output when it is not. */
export function json<T = unknown>(run: CliRun): T {
  try {
    return JSON.parse(run.stdout) as T;
  } catch {
    throw new Error(`stdout is not JSON (exit ${run.code}):\n${run.stdout}\nstderr:\n${run.stderr}`);
  }
}

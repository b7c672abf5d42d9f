/**
 * One sub-benchmark as a child process of `bench:all`: its stderr (progress) forwarded line by
 * line with a prefix, its stdout (tables) echoed, both kept in results/logs/<id>.log. A crash
 * or a non-zero exit is returned, never thrown.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';

export interface StepOutcome {
  ok: boolean;
  seconds: number;
  /** Exit code or signal, and the last lines of stderr, when it failed. */
  error?: string;
}

let current: ChildProcess | undefined;

/** Stops the running step (it cleans its own temp files on SIGINT). */
export function stopCurrentStep(): void {
  current?.kill('SIGINT');
}

export function runStep(id: string, command: string, args: string[], options: { cwd: string; log: string }): Promise<StepOutcome> {
  mkdirSync(dirname(options.log), { recursive: true });
  const log = createWriteStream(options.log);
  log.write(`$ ${command} ${args.join(' ')}\n`);
  const started = performance.now();
  const tail: string[] = [];
  const child = spawn(command, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  current = child;
  // A heartbeat when the child has said nothing for a while.
  let quietSince = performance.now();
  const heartbeat = setInterval(() => {
    if (performance.now() - quietSince < 60_000) return;
    quietSince = performance.now();
    process.stderr.write(`  [${id}] still running (${Math.round((quietSince - started) / 1000)} s)\n`);
  }, 5_000);
  createInterface({ input: child.stderr! }).on('line', (line) => {
    quietSince = performance.now();
    process.stderr.write(`  [${id}] ${line}\n`);
    log.write(`${line}\n`);
    tail.push(line);
    if (tail.length > 8) tail.shift();
  });
  createInterface({ input: child.stdout! }).on('line', (line) => {
    process.stdout.write(`${line}\n`);
    log.write(`${line}\n`);
  });
  return new Promise((resolve) => {
    const finish = (ok: boolean, error?: string) => {
      clearInterval(heartbeat);
      current = undefined;
      log.end();
      resolve({ ok, seconds: (performance.now() - started) / 1000, ...(error ? { error } : {}) });
    };
    child.on('error', (err) => finish(false, `could not start: ${err.message}`));
    child.on('close', (code, signal) => {
      if (code === 0) finish(true);
      else finish(false, `${signal ? `killed by ${signal}` : `exit code ${code}`}${tail.length ? `: ${tail.slice(-3).join(' / ')}` : ''}`);
    });
  });
}

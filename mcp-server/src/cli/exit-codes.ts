/**
 * The CLI's exit codes and typed errors. Every failure ends in one of these codes, so scripts
 * can branch on them; core's `EngramError` codes map onto them (see `exitCodeFor`).
 *
 * | code | meaning                                                                      |
 * | ---- | ---------------------------------------------------------------------------- |
 * | 0    | success                                                                      |
 * | 1    | any other error (I/O, engine, internal)                                      |
 * | 2    | usage: unknown command or flag, missing or invalid argument                  |
 * | 3    | not found: agent, memory, file, key, task or branch                          |
 * | 4    | conflict: data already there (import), merge conflict                        |
 * | 5    | not confirmed: a destructive command without `--yes` and no TTY, or answered no |
 * | 6    | `engram doctor` found problems                                               |
 * | 7    | the agent cannot be opened here (embedder or engine mismatch, corrupt, newer schema) |
 * | 8    | locked: another process holds the agent's write lock                         |
 */
export const EXIT = {
  OK: 0,
  ERROR: 1,
  USAGE: 2,
  NOT_FOUND: 3,
  CONFLICT: 4,
  NOT_CONFIRMED: 5,
  PROBLEMS: 6,
  UNUSABLE: 7,
  LOCKED: 8,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error of the CLI itself, with the exit code it ends the process with. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    /** A stable string, like core's error codes: USAGE, NOT_CONFIRMED, … */
    readonly code: string,
  ) {
    super(message);
  }
}

/** A mistake in the command line (exit 2). */
export function usageError(message: string): CliError {
  return new CliError(message, EXIT.USAGE, 'USAGE');
}

const BY_CODE: Record<string, ExitCode> = {
  INVALID_ARGUMENT: EXIT.USAGE,
  NOT_FOUND: EXIT.NOT_FOUND,
  CONFLICT: EXIT.CONFLICT,
  EMBEDDER_MISMATCH: EXIT.UNUSABLE,
  ENGINE_MISMATCH: EXIT.UNUSABLE,
  CORRUPT: EXIT.UNUSABLE,
  UNSUPPORTED: EXIT.UNUSABLE,
  LOCKED: EXIT.LOCKED,
};

/** The exit code for any error: the CLI's own, core's EngramError codes, node's argument parser. */
export function exitCodeFor(err: unknown): ExitCode {
  if (err instanceof CliError) return err.exitCode;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) return EXIT.USAGE;
  return (typeof code === 'string' && (err as { name?: unknown }).name === 'EngramError' && BY_CODE[code]) || EXIT.ERROR;
}

/** The string code an error reports in `--json` output. */
export function errorCode(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) return 'USAGE';
  return typeof code === 'string' ? code : 'ERROR';
}

/**
 * Where the CLI writes: data to stdout (text, or JSON with `--json`), everything else
 * (progress, prompts, notes, errors) to stderr, so `engram … > file` captures data only.
 * Colour only when the stream is a terminal and NO_COLOR is unset (FORCE_COLOR forces it).
 */
import type { Writable } from 'node:stream';

export interface Colors {
  enabled: boolean;
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
}

/** Whether to colour `stream`: a TTY, and neither NO_COLOR (any value) nor --json. */
export function useColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true;
}

export function colors(enabled: boolean): Colors {
  const wrap = (open: number, close: number) => (s: string) => (enabled ? `\u001b[${open}m${s}\u001b[${close}m` : s);
  return {
    enabled,
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    cyan: wrap(36, 39),
  };
}

/** Output of one command run. */
export class Output {
  /** Colours for data on stdout. */
  readonly c: Colors;
  /** Colours for messages on stderr. */
  readonly e: Colors;

  constructor(
    readonly json: boolean,
    readonly stdout: Writable & { isTTY?: boolean } = process.stdout,
    readonly stderr: Writable & { isTTY?: boolean } = process.stderr,
  ) {
    this.c = colors(!json && useColor(stdout));
    this.e = colors(useColor(stderr));
  }

  /** Lines of data (text mode). */
  line(text = ''): void {
    this.stdout.write(`${text}\n`);
  }

  /** One JSON document of data. */
  data(value: unknown): void {
    this.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** A note for the person at the terminal (stderr), never data. */
  note(text: string): void {
    this.stderr.write(`${text}\n`);
  }
}

/** Aligned columns: a header row and data rows of cells (colour codes do not count toward widths). */
export function table(header: string[], rows: string[][], c: Colors): string {
  // eslint-disable-next-line no-control-regex
  const visible = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, '').length;
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => visible(r[i] ?? ''))));
  const fmt = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell + ' '.repeat(widths[i]! - visible(cell))))
      .join('  ')
      .trimEnd();
  return [c.bold(fmt(header)), ...rows.map(fmt)].join('\n');
}

export { bytes } from '../format.js';

/** `2024-05-01 10:00` (UTC) from an ISO string, or '-' for none. */
export function when(iso: string | null | undefined): string {
  return iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}` : '-';
}

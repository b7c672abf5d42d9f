/**
 * Progress on stderr for long runs: a bar redrawn in place on a terminal, a plain line every
 * few seconds when stderr is a pipe or a file (as under `bench:all`, which forwards it).
 */

const clock = () => new Date().toISOString().slice(11, 19);

/** One timestamped line on stderr. */
export function log(scope: string, message: string): void {
  process.stderr.write(`[${scope} ${clock()}] ${message}\n`);
}

function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  return s >= 3600
    ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
    : s >= 60
      ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
      : `${s}s`;
}

/**
 * @example
 * const bar = new Progress('scale', 'create turso', 100_000, 'agents');
 * bar.update(500);
 * bar.finish();
 */
export class Progress {
  private readonly started = performance.now();
  private last = 0;
  private readonly tty = process.stderr.isTTY === true;

  constructor(
    private readonly scope: string,
    private readonly label: string,
    private readonly total: number,
    private readonly unit: string,
  ) {}

  private line(done: number): string {
    const seconds = (performance.now() - this.started) / 1000;
    const rate = done / Math.max(seconds, 1e-9);
    const fraction = this.total > 0 ? Math.min(1, done / this.total) : 1;
    const bar = '#'.repeat(Math.round(fraction * 24)).padEnd(24, '.');
    const eta = done > 0 && done < this.total ? ` eta ${duration((this.total - done) / rate)}` : '';
    return `${this.label} [${bar}] ${(fraction * 100).toFixed(0).padStart(3)}% ${done.toLocaleString('en-US')}/${this.total.toLocaleString('en-US')} ${this.unit} ${rate.toFixed(rate < 10 ? 1 : 0)}/s ${duration(seconds)}${eta}`;
  }

  /** Reports `done` of the total: redrawn at most 5 times a second on a terminal, every 5 s otherwise. */
  update(done: number): void {
    const t = performance.now();
    if (t - this.last < (this.tty ? 200 : 5000)) return;
    this.last = t;
    if (this.tty) process.stderr.write(`\r${this.line(done)}\x1b[K`);
    else log(this.scope, this.line(done));
  }

  finish(done = this.total): void {
    if (this.tty) process.stderr.write(`\r${this.line(done)}\x1b[K\n`);
    else log(this.scope, this.line(done));
  }
}

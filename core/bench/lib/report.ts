/** Plain-text tables for stdout, progress lines for stderr. */

export type Cell = string | number | undefined;

function fmt(c: Cell): string {
  if (c === undefined) return '-';
  if (typeof c === 'number') {
    if (!Number.isFinite(c)) return '-';
    if (Number.isInteger(c)) return c.toLocaleString('en-US');
    const a = Math.abs(c);
    return a >= 100 ? c.toFixed(0) : a >= 10 ? c.toFixed(1) : a >= 1 ? c.toFixed(2) : c.toFixed(3);
  }
  return c;
}

export function table(title: string, header: string[], rows: Cell[][], notes: string[] = []): string {
  const body = rows.map((r) => header.map((_, i) => fmt(r[i])));
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  // Right-align columns whose cells are all numbers (or '-').
  const numeric = header.map((_, i) => body.every((r) => /^(-|[-+]?[\d,]*\.?\d+k?)$/.test(r[i]!)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const out = [`\n== ${title}`, line(header), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const r of body) out.push(line(r));
  for (const n of notes) out.push(`  ${n}`);
  return out.join('\n');
}

/** "PASS" / "MISS" for `value` against an upper (or, with atLeast, lower) bound; '-' without a target. */
export function verdict(value: number | undefined, target: number | undefined, atLeast = false): string {
  if (target === undefined || value === undefined || !Number.isFinite(value)) return '-';
  return (atLeast ? value >= target : value <= target) ? 'PASS' : 'MISS';
}

let lastProgress = 0;
/** A progress line on stderr (throttled to one a second unless forced). */
export function progress(message: string, force = false): void {
  const t = Date.now();
  if (!force && t - lastProgress < 1000) return;
  lastProgress = t;
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

export function log(message: string): void {
  progress(message, true);
}

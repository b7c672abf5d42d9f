/** Tables as aligned plain text (stdout) and as Markdown (reports). */

export type Cell = string | number | undefined;

/** Numbers with thousands separators and up to 3 significant decimals; '-' for nothing. */
export function formatCell(c: Cell): string {
  if (c === undefined) return '-';
  if (typeof c === 'string') return c;
  if (!Number.isFinite(c)) return '-';
  if (Number.isInteger(c)) return c.toLocaleString('en-US');
  const a = Math.abs(c);
  return a >= 100 ? Math.round(c).toLocaleString('en-US') : a >= 10 ? c.toFixed(1) : a >= 1 ? c.toFixed(2) : c.toFixed(3);
}

/**
 * @example textTable(['driver', 'p50'], [['turso', 1.5]]) // "driver  p50\n------  ----\nturso   1.50"
 */
export function textTable(header: readonly string[], rows: readonly Cell[][]): string {
  const body = rows.map((r) => header.map((_, i) => formatCell(r[i])));
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const numeric = header.map((_, i) => body.length > 0 && body.every((r) => /^(-|[-+]?[\d,]*\.?\d+)$/.test(r[i]!)));
  const line = (r: readonly string[]) =>
    r
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

export function markdownTable(header: readonly string[], rows: readonly Cell[][]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const body = rows.map((r) => header.map((_, i) => esc(formatCell(r[i]))));
  return [`| ${header.map(esc).join(' | ')} |`, `|${header.map(() => ' --- |').join('')}`, ...body.map((r) => `| ${r.join(' | ')} |`)].join(
    '\n',
  );
}

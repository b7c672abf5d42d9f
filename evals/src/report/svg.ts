/**
 * Small dependency-free SVG bar charts (plain and grouped, with dashed reference lines such as a
 * baseline or a target), for reports that should render anywhere (GitHub, browsers).
 */

export interface Bar {
  label: string;
  value: number;
}

export interface BarChartOptions {
  title: string;
  /** Horizontal reference lines, e.g. a baseline and a target. */
  lines?: { label: string; value: number; color: string }[];
  max?: number;
  /** How values are printed (barChart: 3 decimals on bars, 2 on the axis; grouped: 3 significant digits). */
  format?: (value: number) => string;
  /** Shown beside the title, e.g. "ms". */
  unit?: string;
}

const escape = (s: string) => s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);

/** Bar colours, one per series. */
export const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#b07aa1', '#76b7b2', '#edc948'];

/** The smallest of 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 x 10^k at or above `v`: an axis top with round fifths. */
export function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v * (1 - 1e-9)) return m * p;
  return 10 * p;
}

/** Three significant digits, no trailing zeros: 0.75, 12.5, 1250. */
const short = (v: number) => String(Number(v.toPrecision(3)));

interface Frame {
  out: string[];
  y: (v: number) => number;
  left: number;
  top: number;
  plotH: number;
}

/** The title, the grid with its value scale, and a function that closes the picture. */
function frame(width: number, height: number, title: string, max: number, ticks: number, format: (v: number) => string): Frame {
  const left = 56;
  const top = 40;
  const plotH = 200;
  const y = (v: number) => top + plotH - (Math.max(0, Math.min(v, max)) / max) * plotH;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14">${escape(title)}</text>`,
  ];
  for (let i = 0; i <= ticks; i++) {
    const v = (max * i) / ticks;
    out.push(`<line x1="${left}" x2="${width - 20}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`);
    out.push(`<text x="${left - 6}" y="${y(v) + 4}" text-anchor="end">${format(v)}</text>`);
  }
  return { out, y, left, top, plotH };
}

function referenceLine(f: Frame, width: number, line: { value: number; color: string }): string {
  return `<line x1="${f.left}" x2="${width - 20}" y1="${f.y(line.value)}" y2="${f.y(line.value)}" stroke="${line.color}" stroke-dasharray="5,3"/>`;
}

export function barChart(bars: readonly Bar[], options: BarChartOptions): string {
  const width = Math.max(480, 70 * bars.length + 80);
  const max = options.max ?? Math.max(1, ...bars.map((b) => b.value));
  const title = options.unit ? `${options.title} (${options.unit})` : options.title;
  const f = frame(width, 320, title, max, 4, options.format ?? ((v) => v.toFixed(2)));
  const slot = (width - f.left - 20) / Math.max(1, bars.length);
  const label = options.format ?? ((v: number) => v.toFixed(3));
  bars.forEach((b, i) => {
    const x = f.left + i * slot + slot * 0.15;
    const w = slot * 0.7;
    f.out.push(`<rect x="${x}" y="${f.y(b.value)}" width="${w}" height="${f.top + f.plotH - f.y(b.value)}" fill="${PALETTE[0]}"/>`);
    f.out.push(`<text x="${x + w / 2}" y="${f.y(b.value) - 4}" text-anchor="middle">${label(b.value)}</text>`);
    f.out.push(
      `<text transform="translate(${x + w / 2},${f.top + f.plotH + 12}) rotate(30)" text-anchor="start">${escape(b.label)}</text>`,
    );
  });
  for (const line of options.lines ?? []) {
    f.out.push(referenceLine(f, width, line));
    f.out.push(
      `<text x="${width - 22}" y="${f.y(line.value) - 4}" text-anchor="end" fill="${line.color}">${escape(line.label)} ${label(line.value)}</text>`,
    );
  }
  f.out.push('</svg>');
  return f.out.join('\n');
}

export interface BarGroup {
  label: string;
  /** One value per series (undefined: no bar). */
  values: readonly (number | undefined)[];
}

/**
 * Bars side by side per group, one colour per series; reference lines (baseline, target) are
 * dashed across the plot and named in the legend, out of the bars' way.
 * @example
 * groupedBarChart([{ label: 'turso', values: [1.4, 2.1] }], { title: 'recall p50', series: ['core', 'MCP'], unit: 'ms' })
 */
export function groupedBarChart(groups: readonly BarGroup[], options: BarChartOptions & { series: readonly string[] }): string {
  const n = Math.max(1, options.series.length);
  const width = Math.max(480, groups.length * (n * 34 + 30) + 90);
  const lines = options.lines ?? [];
  const values = groups.flatMap((g) => g.values.filter((v): v is number => v !== undefined && Number.isFinite(v)));
  const max = options.max ?? niceMax(Math.max(...values, ...lines.map((l) => l.value)) * 1.08);
  const format = options.format ?? short;
  const perRow = Math.max(1, Math.floor((width - 56) / 170));
  const legend = [
    ...options.series.map((name, s) => ({
      name,
      swatch: (x: number, y: number) => `<rect x="${x}" y="${y - 9}" width="10" height="10" fill="${PALETTE[s % PALETTE.length]}"/>`,
    })),
    ...lines.map((l) => ({
      name: `${l.label}: ${format(l.value)}${options.unit ? ` ${options.unit}` : ''}`,
      swatch: (x: number, y: number) =>
        `<line x1="${x}" x2="${x + 10}" y1="${y - 4}" y2="${y - 4}" stroke="${l.color}" stroke-width="2" stroke-dasharray="3,2"/>`,
    })),
  ];
  const height = 290 + Math.ceil(legend.length / perRow) * 16;
  const f = frame(width, height, options.unit ? `${options.title} (${options.unit})` : options.title, max, 5, format);
  const slot = (width - f.left - 20) / Math.max(1, groups.length);
  const w = (slot * 0.8) / n;
  groups.forEach((g, i) => {
    const x0 = f.left + i * slot + slot * 0.1;
    g.values.forEach((v, s) => {
      if (v === undefined || !Number.isFinite(v)) return;
      const x = x0 + s * w;
      f.out.push(
        `<rect x="${x}" y="${f.y(v)}" width="${w * 0.92}" height="${f.top + f.plotH - f.y(v)}" fill="${PALETTE[s % PALETTE.length]}"/>`,
      );
      f.out.push(`<text x="${x + (w * 0.92) / 2}" y="${f.y(v) - 4}" text-anchor="middle" font-size="9">${format(v)}</text>`);
    });
    f.out.push(`<text x="${x0 + (n * w) / 2}" y="${f.top + f.plotH + 14}" text-anchor="middle">${escape(g.label)}</text>`);
  });
  for (const line of lines) f.out.push(referenceLine(f, width, line));
  legend.forEach((item, k) => {
    const x = f.left + (k % perRow) * 170;
    const y = f.top + f.plotH + 40 + Math.floor(k / perRow) * 16;
    f.out.push(item.swatch(x, y), `<text x="${x + 14}" y="${y}">${escape(item.name)}</text>`);
  });
  f.out.push('</svg>');
  return f.out.join('\n');
}

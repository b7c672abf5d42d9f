/** A small dependency-free SVG bar chart, for reports that should render anywhere (GitHub, browsers). */

export interface Bar {
  label: string;
  value: number;
}

export interface BarChartOptions {
  title: string;
  /** Horizontal reference lines, e.g. a baseline and a target. */
  lines?: { label: string; value: number; color: string }[];
  max?: number;
}

const escape = (s: string) => s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);

export function barChart(bars: readonly Bar[], options: BarChartOptions): string {
  const width = Math.max(480, 70 * bars.length + 80);
  const height = 320;
  const left = 50;
  const top = 40;
  const plotH = 200;
  const max = options.max ?? Math.max(1, ...bars.map((b) => b.value));
  const y = (v: number) => top + plotH - (v / max) * plotH;
  const slot = (width - left - 20) / Math.max(1, bars.length);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14">${escape(options.title)}</text>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    out.push(`<line x1="${left}" x2="${width - 20}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`);
    out.push(`<text x="${left - 6}" y="${y(v) + 4}" text-anchor="end">${v.toFixed(2)}</text>`);
  }
  bars.forEach((b, i) => {
    const x = left + i * slot + slot * 0.15;
    const w = slot * 0.7;
    out.push(`<rect x="${x}" y="${y(b.value)}" width="${w}" height="${top + plotH - y(b.value)}" fill="#4e79a7"/>`);
    out.push(`<text x="${x + w / 2}" y="${y(b.value) - 4}" text-anchor="middle">${b.value.toFixed(3)}</text>`);
    out.push(`<text transform="translate(${x + w / 2},${top + plotH + 12}) rotate(30)" text-anchor="start">${escape(b.label)}</text>`);
  });
  for (const line of options.lines ?? []) {
    out.push(
      `<line x1="${left}" x2="${width - 20}" y1="${y(line.value)}" y2="${y(line.value)}" stroke="${line.color}" stroke-dasharray="5,3"/>`,
    );
    out.push(
      `<text x="${width - 22}" y="${y(line.value) - 4}" text-anchor="end" fill="${line.color}">${escape(line.label)} ${line.value.toFixed(3)}</text>`,
    );
  }
  out.push('</svg>');
  return out.join('\n');
}

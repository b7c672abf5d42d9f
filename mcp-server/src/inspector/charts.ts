/**
 * Inline SVG charts, drawn on the server: a column chart (memories over time) and a bar chart
 * of rates (action error rate by name). Each has a text title and a table-free description for
 * screen readers; colours come from the stylesheet.
 */
import { html, type Html } from './html.js';

export interface Column {
  label: string;
  value: number;
}

/** Columns over time; `labelEvery` thins the x-axis labels. */
export function columnChart(title: string, columns: readonly Column[], options: { unit?: string } = {}): Html {
  const width = 640;
  const height = 180;
  const pad = { left: 44, right: 8, top: 10, bottom: 34 };
  const max = Math.max(1, ...columns.map((c) => c.value));
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const step = plotW / Math.max(1, columns.length);
  const labelEvery = Math.max(1, Math.ceil(columns.length / 8));
  const total = columns.reduce((s, c) => s + c.value, 0);
  const summary = `${title}: ${total.toLocaleString('en-US')} ${options.unit ?? ''} over ${columns.length} periods; busiest ${
    columns.reduce((a, b) => (b.value > a.value ? b : a), columns[0] ?? { label: '-', value: 0 }).label
  }`;
  return html`<svg class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-label="${summary}">
    <title>${summary}</title>
    <line x1="${pad.left}" y1="${pad.top + plotH}" x2="${width - pad.right}" y2="${pad.top + plotH}" stroke="#c5ccd6" />
    <text x="${pad.left - 6}" y="${pad.top + 8}" text-anchor="end">${max.toLocaleString('en-US')}</text>
    <text x="${pad.left - 6}" y="${pad.top + plotH}" text-anchor="end">0</text>
    ${columns.map((c, i) => {
      const h = (c.value / max) * plotH;
      const x = pad.left + i * step;
      return html`<rect
          class="bar"
          x="${(x + 1).toFixed(1)}"
          y="${(pad.top + plotH - h).toFixed(1)}"
          width="${Math.max(1, step - 2).toFixed(1)}"
          height="${h.toFixed(1)}"
          ><title>${c.label}: ${c.value.toLocaleString('en-US')}</title></rect
        >${
          i % labelEvery === 0 ? html`<text x="${(x + step / 2).toFixed(1)}" y="${height - 14}" text-anchor="middle">${c.label}</text>` : ''
        }`;
    })}
  </svg>`;
}

export interface RateBar {
  label: string;
  /** 0..1, or null when unknown. */
  rate: number | null;
  detail: string;
}

/** Horizontal bars of rates (0-100 %), worst first as given. */
export function rateChart(title: string, bars: readonly RateBar[]): Html {
  const width = 640;
  const row = 22;
  const labelW = 180;
  const plotW = width - labelW - 60;
  const height = Math.max(row, bars.length * row) + 6;
  return html`<svg class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-label="${title}">
    <title>${title}</title>
    ${bars.map((b, i) => {
      const y = i * row + 3;
      const w = b.rate === null ? 0 : Math.max(b.rate > 0 ? 2 : 0, b.rate * plotW);
      const name = b.label.length > 26 ? `${b.label.slice(0, 25)}…` : b.label;
      return html`<text x="${labelW - 8}" y="${y + 14}" text-anchor="end">${name}</text>
        <rect x="${labelW}" y="${y + 3}" width="${plotW}" height="${row - 8}" fill="#eef1f5" />
        <rect
          class="bar${b.rate !== null && b.rate > 0 ? ' bad' : ''}"
          x="${labelW}"
          y="${y + 3}"
          width="${w.toFixed(1)}"
          height="${row - 8}"
          ><title>${b.label}: ${b.detail}</title></rect
        >
        <text x="${labelW + plotW + 6}" y="${y + 14}"
          >${b.rate === null ? '–' : `${(b.rate * 100).toFixed(b.rate < 0.1 && b.rate > 0 ? 1 : 0)}%`}</text
        >`;
    })}
  </svg>`;
}

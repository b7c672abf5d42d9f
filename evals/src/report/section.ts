/** What each benchmark contributes to the report: headline figures, detail tables, charts, notes. */
import type { Cell } from '../lib/table.js';
import { check, type Status, type Target } from './targets.js';

export interface Figure {
  name: string;
  value: number;
  unit: string;
  baseline?: { label: string; value: number };
  target?: Target;
  status: Status;
}

export interface DetailTable {
  title: string;
  header: string[];
  rows: Cell[][];
}

export interface Chart {
  /** File name under results/. */
  file: string;
  title: string;
  svg: string;
}

export interface Section {
  id: string;
  title: string;
  /** The command that reproduces this section alone. */
  command: string;
  figures: Figure[];
  tables: DetailTable[];
  charts: Chart[];
  notes: string[];
}

/** A figure with its status worked out from its target. */
export function figure(name: string, value: number, unit: string, extra: { baseline?: Figure['baseline']; target?: Target } = {}): Figure {
  return { name, value, unit, ...extra, status: check(value, extra.target) };
}

/** "10k" for 10000, "1M" for 1000000. */
export const count = (n: number): string =>
  n >= 1e6 && n % 1e6 === 0 ? `${n / 1e6}M` : n >= 1000 && n % 1000 === 0 ? `${n / 1000}k` : n.toLocaleString('en-US');

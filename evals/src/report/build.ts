/**
 * The report builder: from the JSON each benchmark wrote (and how each run went) to
 * results/REPORT.md, results/report.json and the SVG charts. Pure: no files, no clock.
 */
import type { MachineInfo } from '../lib/machine.js';
import { formatCell, markdownTable, type Cell } from '../lib/table.js';
import type { ScaleResults } from '../scale/summary.js';
import type { Chart, Figure, Section } from './section.js';
import { branchesSection, type BranchesJson } from './sections/branches.js';
import { coreSection, type CoreJson } from './sections/core.js';
import { locomoSection, type LocomoJson } from './sections/locomo.js';
import { mcpSection, type McpJson } from './sections/mcp.js';
import { scaleSection } from './sections/scale.js';
import { syncSection, type SyncJson } from './sections/sync.js';

export const BENCHMARKS = ['core', 'branches', 'mcp', 'locomo', 'scale', 'sync'] as const;
export type BenchmarkId = (typeof BENCHMARKS)[number];

export interface RunRecord {
  id: BenchmarkId;
  title: string;
  /** The command that reproduces it on its own. */
  command: string;
  status: 'ok' | 'failed' | 'skipped';
  seconds?: number;
  /** Why it was skipped, or how it failed. */
  note?: string;
  /** Its output, relative to results/. */
  log?: string;
}

export interface ReportInputs {
  machine: MachineInfo;
  quick: boolean;
  /** Id of Engram's default embedder (the LoCoMo target is set for it). */
  defaultEmbedderId: string;
  runs: RunRecord[];
  wallSeconds?: number;
  data: {
    core?: CoreJson;
    branches?: BranchesJson;
    mcp?: McpJson;
    locomo?: LocomoJson;
    scale?: ScaleResults;
    sync?: SyncJson;
  };
}

export interface ReportJson {
  generated: string;
  quick: boolean;
  wallSeconds?: number;
  machine: MachineInfo;
  runs: RunRecord[];
  summary: { figures: number; withTarget: number; pass: number; miss: number };
  sections: (Omit<Section, 'charts'> & { charts: string[] })[];
}

export interface Report {
  markdown: string;
  json: ReportJson;
  charts: Chart[];
}

export function duration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '-';
  const s = Math.round(seconds);
  return s >= 60 ? `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s` : `${s} s`;
}

const withUnit = (value: number, unit: string) => (unit ? `${formatCell(value)} ${unit}` : formatCell(value));

function figureRow(f: Figure): Cell[] {
  return [
    f.name,
    withUnit(f.value, f.unit),
    f.baseline ? `${withUnit(f.baseline.value, f.unit)} (${f.baseline.label})` : undefined,
    f.target ? `${f.target.op} ${withUnit(f.target.value, f.unit)} (${f.target.source})` : undefined,
    f.status,
  ];
}

function sectionsOf(inputs: ReportInputs): Section[] {
  const command = (id: BenchmarkId, fallback: string) => inputs.runs.find((r) => r.id === id)?.command ?? fallback;
  const { core, branches, mcp, locomo, scale, sync } = inputs.data;
  const out: Section[] = [];
  if (core) out.push(coreSection(core, command('core', 'npm run bench')));
  if (branches) out.push(branchesSection(branches, command('branches', 'npm run bench -- --only=branches')));
  if (mcp) out.push(mcpSection(mcp, command('mcp', 'npm run bench:mcp')));
  if (locomo) out.push(locomoSection(locomo, command('locomo', 'npm run eval:locomo -- --data PATH'), inputs.defaultEmbedderId));
  if (scale) out.push(scaleSection(scale, command('scale', 'npm run eval:scale'), core));
  if (sync) out.push(syncSection(sync, command('sync', 'npm run bench:sync')));
  return out;
}

/**
 * @example
 * const { markdown, json, charts } = buildReport({ machine, quick: false, defaultEmbedderId, runs, data: { mcp } });
 */
export function buildReport(inputs: ReportInputs): Report {
  const sections = sectionsOf(inputs);
  const all = sections.flatMap((s) => s.figures.map((f) => ({ section: s, f })));
  const targeted = all.filter(({ f }) => f.target);
  const pass = targeted.filter(({ f }) => f.status === 'PASS').length;
  const miss = targeted.filter(({ f }) => f.status === 'MISS').length;
  const m = inputs.machine;
  const md: string[] = ['# Engram benchmark report', ''];
  md.push(
    `Generated ${m.date} by \`npm run bench:all${inputs.quick ? ' -- --quick' : ''}\`` +
      (m.git ? ` at commit \`${m.git.commit.slice(0, 12)}\`${m.git.dirty ? ' (with uncommitted changes)' : ''}` : '') +
      (inputs.wallSeconds !== undefined ? `, in ${duration(inputs.wallSeconds)}` : '') +
      '.',
  );
  if (inputs.quick) md.push('', '> Quick mode: every benchmark in its smoke-test size. These are not the figures to quote.');
  md.push(
    '',
    '## Machine',
    '',
    markdownTable(
      ['CPU', 'cores', 'memory', 'OS', 'Node', 'file systems'],
      [[m.cpu, m.cores, `${m.memoryGiB} GiB`, m.os, m.node, m.fileSystems.map((f) => `${f.path}: ${f.type} (${f.device})`).join('; ')]],
    ),
  );
  md.push('', '## Summary', '', `${targeted.length} figures have a target: ${pass} PASS, ${miss} MISS.`, '');
  md.push(
    markdownTable(
      ['section', 'figure', 'value', 'baseline', 'target', 'status'],
      targeted.map(({ section, f }) => [section.id, ...figureRow(f)]),
    ),
  );
  md.push(
    '',
    '## Runs',
    '',
    markdownTable(
      ['benchmark', 'command', 'status', 'time', 'note'],
      inputs.runs.map((r) => [
        r.title,
        `\`${r.command}\``,
        r.status,
        duration(r.seconds),
        [r.note, r.log ? `log: ${r.log}` : undefined].filter(Boolean).join('; ') || undefined,
      ]),
    ),
  );
  for (const s of sections) {
    md.push('', `## ${s.title}`, '', `Reproduce: \`${s.command}\``, '');
    md.push(markdownTable(['figure', 'value', 'baseline', 'target', 'status'], s.figures.map(figureRow)));
    for (const c of s.charts) md.push('', `![${c.title}](${c.file})`);
    for (const t of s.tables) md.push('', `### ${t.title}`, '', markdownTable(t.header, t.rows));
    if (s.notes.length) md.push('', ...s.notes.map((n) => `- ${n}`));
  }
  const missing = inputs.runs.filter((r) => r.status !== 'ok' && !sections.some((s) => s.id === r.id));
  for (const r of missing) md.push('', `## ${r.title}`, '', `Not in this report: ${r.status}${r.note ? ` (${r.note})` : ''}.`);
  return {
    markdown: `${md.join('\n')}\n`,
    json: {
      generated: m.date,
      quick: inputs.quick,
      ...(inputs.wallSeconds !== undefined ? { wallSeconds: inputs.wallSeconds } : {}),
      machine: m,
      runs: inputs.runs,
      summary: { figures: all.length, withTarget: targeted.length, pass, miss },
      sections: sections.map((s) => ({ ...s, charts: s.charts.map((c) => c.file) })),
    },
    charts: sections.flatMap((s) => s.charts),
  };
}

/**
 * Section of results/bench-branches.json (`npm run bench -- --only=branches`): branch, discard
 * and promote times by agent size and file system, beside a plain `cp` of the same file.
 */
import { atMost, TARGETS } from '../targets.js';
import { figure, type Figure, type Section } from '../section.js';
import { groupedBarChart } from '../svg.js';

interface Summary {
  p50: number;
}

export interface BranchesJson {
  rows?: {
    fs: string;
    driver: string;
    sizeMb: number;
    /** How the branch file was made: `reflink` clones, anything else copies. */
    method: string;
    firstBranchMs: Summary;
    branchMs: Summary;
    discardMs: Summary;
    promoteMs: Summary;
    cpMs: Summary;
    copyFileMs?: Summary;
    cpReflinkMs?: Summary;
  }[];
  skipped?: string[];
}

export function branchesSection(json: BranchesJson, command: string): Section {
  const rows = json.rows ?? [];
  const figures: Figure[] = [];
  for (const r of rows) {
    const where = `${r.sizeMb} MB, ${r.fs}, ${r.driver}`;
    const cp = { label: 'cp of the same file', value: r.cpMs.p50 };
    const cloning = r.method === 'reflink';
    figures.push(
      figure(`branch p50, ${where}`, r.branchMs.p50, 'ms', {
        baseline: cp,
        target: cloning ? atMost(TARGETS.branchCloneMs, 'issue 4') : atMost(r.cpMs.p50, 'issue 4: no slower than cp'),
      }),
      figure(`promote p50, ${where}`, r.promoteMs.p50, 'ms', { baseline: cp }),
    );
  }
  const groups = rows.map((r) => ({
    label: `${r.fs.split(' ')[0]} ${r.sizeMb} MB ${r.driver}`,
    values: [r.branchMs.p50, r.discardMs.p50, r.promoteMs.p50, r.cpMs.p50],
  }));
  return {
    id: 'branches',
    title: 'Branches: branch, discard and promote beside cp',
    command,
    figures,
    tables: [
      {
        title: 'Every size and file system (p50 ms)',
        header: ['fs', 'driver', 'MB', 'method', 'first branch', 'branch', 'discard', 'promote', 'cp', 'copyFile', 'cp --reflink'],
        rows: rows.map((r) => [
          r.fs,
          r.driver,
          r.sizeMb,
          r.method,
          r.firstBranchMs.p50,
          r.branchMs.p50,
          r.discardMs.p50,
          r.promoteMs.p50,
          r.cpMs.p50,
          r.copyFileMs?.p50,
          r.cpReflinkMs?.p50,
        ]),
      },
    ],
    charts: rows.length
      ? [
          {
            file: 'report-branches.svg',
            title: 'Branch operations beside cp',
            svg: groupedBarChart(groups, {
              title: 'Branch operations beside cp, p50',
              unit: 'ms',
              series: ['branch', 'discard', 'promote', 'cp'],
              lines: [{ label: 'branch target on a cloning FS', value: TARGETS.branchCloneMs, color: '#e15759' }],
            }),
          },
        ]
      : [],
    notes: [
      'Target: a branch in <= 1 ms on a file system that clones files (reflink), at any size; elsewhere no slower than cp.',
      ...(json.skipped ?? []).map((s) => `skipped: ${s}`),
    ],
  };
}

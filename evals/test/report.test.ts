import { describe, expect, it } from 'vitest';
import type { MachineInfo } from '../src/lib/machine.js';
import type { Scores } from '../src/locomo/metrics.js';
import type { ScaleResults } from '../src/scale/summary.js';
import { buildReport, type ReportInputs } from '../src/report/build.js';
import { mcpSection } from '../src/report/sections/mcp.js';
import { groupedBarChart, niceMax } from '../src/report/svg.js';

const machine: MachineInfo = {
  cpu: 'Test CPU',
  cores: 2,
  memoryGiB: 8,
  os: 'Linux test',
  node: 'v20.0.0',
  fileSystems: [{ path: '/tmp', type: 'ext4', mount: '/', device: '/dev/test' }],
  date: '2026-01-02T03:04:05.000Z',
  git: { commit: '0123456789abcdef0123456789abcdef01234567', dirty: false },
};

const scores = (r10: number): Scores => ({
  n: 10,
  'recall@5': r10,
  'recall@10': r10,
  'recall@25': r10,
  'recall_any@10': r10,
  'ndcg@10': r10,
});
const branchTimes = (branch: number, cp: number) => ({
  firstBranchMs: summary(branch),
  branchMs: summary(branch),
  discardMs: summary(0.2),
  promoteMs: summary(branch + 1),
  cpMs: summary(cp),
});
const summary = (p50: number) => ({ n: 100, p50, p95: p50 * 2, p99: p50 * 3, mean: p50, max: p50 * 4 });

const scale: ScaleResults = {
  benchmark: 'scale',
  timestamp: machine.date,
  wallSeconds: 1,
  options: { agents: 50, drivers: ['sqlite'], workers: 2, sample: 10, resident: [5], embedder: 'hash', keep: false, quick: false },
  embedder: { spec: 'hash', id: 'hash-64@1', dims: 64 },
  machine,
  drivers: [
    {
      driver: 'sqlite',
      create: { agents: 50, memories: 200, workers: 2, seconds: 0.5, agentsPerSec: 100, cpuMsPerAgent: 4 },
      disk: { files: 50, bytes: 50 * 196_608, allocated: 50 * 196_608, bytesPerAgent: 196_608, allocatedPerAgent: 196_608, bySuffix: {} },
      cold: [
        {
          cache: 'warm',
          sample: 10,
          maxOpenAgents: 16,
          openMs: summary(0.25),
          firstRecallMs: summary(0.25),
          totalMs: summary(0.5),
          warmRecallMs: summary(0.1),
          emptyRecalls: 0,
        },
      ],
      resident: [
        {
          requested: 5,
          agents: 5,
          processes: 1,
          fdLimit: 1024,
          fdsPerAgent: 3,
          openSeconds: 0.1,
          rssTotal: 100 * 2 ** 20,
          rssBaseline: 90 * 2 ** 20,
          rssPerAgentOpen: 250_000,
          rssPerAgentInUse: 280_000,
          heapPerAgent: 1000,
          externalPerAgent: 100,
        },
      ],
    },
  ],
  notes: [],
};

function inputs(overrides: Partial<ReportInputs> = {}): ReportInputs {
  return {
    machine,
    quick: false,
    defaultEmbedderId: 'glove@1',
    runs: [
      { id: 'core', title: 'Core', command: 'npm run bench', status: 'ok', seconds: 125 },
      { id: 'branches', title: 'Branches', command: 'npm run bench -- --only=branches', status: 'skipped', note: 'no reflink' },
      { id: 'mcp', title: 'MCP server', command: 'npm run bench:mcp', status: 'failed', seconds: 3, note: 'exit code 1: boom' },
    ],
    data: {
      core: {
        latency: {
          latency: [
            {
              dataset: 'gmm-384',
              dims: 384,
              size: 10_000,
              driver: 'turso',
              method: 'engram recall (vector)',
              latency: summary(2),
              recallAt10: 0.99,
            },
            {
              dataset: 'gmm-384',
              dims: 384,
              size: 10_000,
              driver: 'turso',
              method: 'engine brute force',
              latency: summary(9),
              recallAt10: 1,
            },
            {
              dataset: 'gmm-384',
              dims: 384,
              size: 100_000,
              driver: 'turso',
              method: 'engram recall (vector)',
              latency: summary(30),
              recallAt10: 0.97,
            },
          ],
        },
        fleet: {
          cold: [{ driver: 'turso', agents: 10_000, sample: 1000, openMs: summary(1), firstRecallMs: summary(1.5), totalMs: summary(2.5) }],
        },
      },
      locomo: {
        meta: { data: 'fake.json', driver: 'turso', conversations: 1, questions: 10 },
        results: [
          { system: 'BM25 baseline', embedder: null, mode: 'bm25', overall: scores(0.5), byCategory: { '1 multi-hop': scores(0.5) } },
          { system: 'engram', embedder: 'glove@1', mode: 'hybrid', overall: scores(0.8), byCategory: { '1 multi-hop': scores(0.8) } },
          { system: 'engram', embedder: 'hash-256@1', mode: 'hybrid', overall: scores(0.6), byCategory: { '1 multi-hop': scores(0.6) } },
        ],
        ablation: [
          { variant: 'full setup (2 turns of context)', recallAt10: 0.8, delta: 0 },
          { variant: 'no time hints', recallAt10: 0.78, delta: -0.02 },
        ],
      },
      branches: {
        rows: [
          { fs: 'xfs (reflink)', driver: 'turso', sizeMb: 100, method: 'reflink', ...branchTimes(0.4, 60) },
          { fs: 'ext4 disk', driver: 'turso', sizeMb: 100, method: 'copy', ...branchTimes(70, 60) },
        ],
        skipped: [],
      },
      scale,
    },
    ...overrides,
  };
}

describe('report builder', () => {
  const report = buildReport(inputs());
  const md = report.markdown;

  it('names the machine, the date, the commit and each run', () => {
    expect(md).toContain('| Test CPU | 2 | 8 GiB | Linux test | v20.0.0 | /tmp: ext4 (/dev/test) |');
    expect(md).toContain('2026-01-02T03:04:05.000Z');
    expect(md).toContain('`0123456789ab`');
    expect(md).toMatch(/\| Core \| `npm run bench` \| ok \| 2 min 05 s \|/);
    expect(md).toMatch(/\| MCP server \| `npm run bench:mcp` \| failed \| 3 s \| exit code 1: boom \|/);
    expect(md).toContain('## MCP server\n\nNot in this report: failed (exit code 1: boom).');
  });

  describe('each figure against its target, beside its baseline', () => {
    const rows = md.split('\n');
    const row = (text: string) => rows.find((r) => r.startsWith('| ') && r.includes(text)) ?? '';

    it('marks vector recall timings and quality PASS or MISS', () => {
      expect(row('top-10 recall p50, 10k x 384 dims (gmm-384), turso')).toMatch(
        /\| 2 ms \| 9 ms \(exact scan in the engine\) \| - \| - \|$/,
      );
      expect(row('top-10 recall p50, 100k x 384 dims')).toMatch(/<= 1.50 ms \(issue 16\) \| MISS \|$/);
      expect(row('recall@10 vs exact, 100k')).toMatch(/\| MISS \|$/);
    });

    it('marks cold open + first recall PASS or MISS', () => {
      expect(row('cold open + first recall p50, 10k agents on disk, turso')).toMatch(/\| MISS \|$/);
      expect(row('cold open + first recall p50, 50 agents on disk, page cache warm, sqlite')).toMatch(
        /<= 0.6\d* ms \(issue 16\) \| PASS \|$/,
      );
    });

    it('marks the disk per idle agent PASS or MISS against 32 KB', () => {
      expect(row('disk per idle agent, apparent size, sqlite')).toMatch(/\| 192 KB \|.*<= 32 KB \(issue 16\) \| MISS \|$/);
    });

    it('sets the LoCoMo target for the default embedder only', () => {
      expect(row('recall@10, hybrid, glove@1 (default)')).toMatch(
        /\| 0.800 \| 0.500 \(BM25 over the same turns\) \| >= 0.750 \(issue 7\) \| PASS \|$/,
      );
      // The target is set for the default embedder only.
      expect(row('recall@10, hybrid, hash-256@1')).toMatch(/\| - \| - \|$/);
    });

    it('marks branch timings PASS or MISS against cp of the same file', () => {
      expect(row('branch p50, 100 MB, xfs (reflink), turso')).toMatch(
        /\| 0.400 ms \| 60 ms \(cp of the same file\) \| <= 1 ms \(issue 4\) \| PASS \|$/,
      );
      expect(row('branch p50, 100 MB, ext4 disk, turso')).toMatch(/<= 60 ms \(issue 4: no slower than cp\) \| MISS \|$/);
    });

    it('sums up how many figures have a target and how many PASS or MISS', () => {
      const { summary: s } = report.json;
      expect(s.pass + s.miss).toBe(s.withTarget);
      expect(md).toContain(`${s.withTarget} figures have a target: ${s.pass} PASS, ${s.miss} MISS.`);
      expect(s.miss).toBe(5);
    });

    it('shows each ablation beside the default', () => {
      expect(md).toContain('| no time hints | 0.780 | -0.020 |');
    });
  });

  it('writes SVG charts and links them from the markdown', () => {
    expect(report.charts.map((c) => c.file)).toEqual(
      expect.arrayContaining(['report-core-recall-10k.svg', 'report-locomo.svg', 'report-branches.svg', 'report-scale-cold.svg']),
    );
    for (const c of report.charts) {
      expect(c.svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
      expect(c.svg.trimEnd().endsWith('</svg>')).toBe(true);
      expect(md).toContain(`](${c.file})`);
    }
    expect(report.json.sections.map((s) => s.id)).toEqual(['core', 'branches', 'locomo', 'scale']);
  });

  it('says when a run was quick', () => {
    expect(buildReport(inputs({ quick: true })).markdown).toContain('Quick mode');
  });
});

describe('SVG charts', () => {
  it('draws one bar per value, a dashed line per reference and escapes labels', () => {
    const svg = groupedBarChart(
      [
        { label: 'a<b', values: [1, 2] },
        { label: 'c', values: [3, undefined] },
      ],
      { title: 'T & U', series: ['x', 'y'], unit: 'ms', lines: [{ label: 'target', value: 2.5, color: 'red' }] },
    );
    expect(svg.match(/<rect x=/g)?.length).toBe(3 + 2); // three bars, two legend swatches
    expect(svg).toContain('stroke-dasharray="5,3"');
    expect(svg).toContain('a&lt;b');
    expect(svg).toContain('T &amp; U (ms)');
    expect(svg).toContain('target: 2.5 ms');
  });

  it('picks round axis tops', () => {
    expect(niceMax(117)).toBe(150);
    expect(niceMax(8.7)).toBe(10);
    expect(niceMax(2.1)).toBe(2.5);
    expect(niceMax(0)).toBe(1);
  });
});

describe('MCP section', () => {
  const row = (memories: number, driver: string, path: string, p50: number, target?: number) => ({
    memories,
    driver,
    path,
    op: 'recall',
    calls: 300,
    p50,
    p95: p50 * 2,
    mean: p50,
    ...(target === undefined ? {} : { target: { p50Ms: target, source: 'issue 16' } }),
  });

  it('checks each size against its own target, beside the core call of the same size', () => {
    const section = mcpSection(
      {
        options: { memories: [1000, 10000] },
        results: [
          row(1000, 'sqlite', 'core', 0.6),
          row(1000, 'sqlite', 'mcp stdio', 1.2, 1.0),
          row(10000, 'sqlite', 'core', 2),
          row(10000, 'sqlite', 'mcp stdio', 3, 10),
        ],
      },
      'npm run bench:mcp',
    );
    const [small, large] = section.figures;
    expect(small).toMatchObject({ name: 'memory_recall p50 over MCP stdio, sqlite, 1,000 memories', value: 1.2, status: 'MISS' });
    expect(small!.baseline).toEqual({ label: 'direct core call', value: 0.6 });
    expect(small!.target).toMatchObject({ value: 1.0, source: 'issue 16' });
    expect(large).toMatchObject({ name: 'memory_recall p50 over MCP stdio, sqlite, 10,000 memories', value: 3, status: 'PASS' });
  });

  it('reads a result of one size without targets of its own against issue 5', () => {
    const section = mcpSection(
      {
        options: { memories: 10000 },
        results: [row(10000, 'turso', 'core', 4), { ...row(10000, 'turso', 'mcp stdio', 11), memories: undefined }],
      },
      'npm run bench:mcp',
    );
    expect(section.title).toContain('10,000 memories');
    expect(section.figures[0]).toMatchObject({ name: 'memory_recall p50 over MCP stdio, turso', status: 'MISS', target: { value: 10 } });
  });
});

/** Section of results/bench-mcp.json (`npm run bench:mcp`): MCP stdio round trips beside direct core calls. */
import { atMost, TARGETS } from '../targets.js';
import { figure, type Figure, type Section } from '../section.js';
import { groupedBarChart } from '../svg.js';

export interface McpJson {
  /** `memories`: one size (older results) or every size measured. */
  options?: { memories?: number | number[]; calls?: number; embedder?: string };
  results?: {
    driver: string;
    /** Memories in the agent (older results: options.memories). */
    memories?: number;
    path: string;
    op: string;
    calls: number;
    p50: number;
    p95: number;
    mean: number;
    /** The bench's own recall target for this row (issue 16 at 1k memories, issue 5 at 10k). */
    target?: { p50Ms: number; source: string };
  }[];
}

export function mcpSection(json: McpJson, command: string): Section {
  const single = typeof json.options?.memories === 'number' ? json.options.memories : undefined;
  const rows = (json.results ?? []).map((r) => ({ ...r, memories: r.memories ?? single }));
  const figures: Figure[] = [];
  const drivers = [...new Set(rows.map((r) => r.driver))];
  const sizes = [...new Set(rows.map((r) => r.memories))];
  const ops = ['recall', 'remember'];
  const sized = (n: number | undefined) => (sizes.length > 1 && n !== undefined ? `, ${n.toLocaleString('en-US')} memories` : '');
  for (const size of sizes) {
    for (const op of ops) {
      for (const driver of drivers) {
        const at = rows.filter((r) => r.memories === size && r.driver === driver && r.op === op);
        const mcp = at.find((r) => r.path !== 'core');
        const core = at.find((r) => r.path === 'core');
        if (!mcp) continue;
        // Results without a target of their own (older runs) are held to issue 5's.
        const target = mcp.target ? atMost(mcp.target.p50Ms, mcp.target.source) : atMost(TARGETS.mcpRecallP50Ms, 'issue 5');
        figures.push(
          figure(`memory_${op} p50 over MCP stdio, ${driver}${sized(size)}`, mcp.p50, 'ms', {
            ...(core ? { baseline: { label: 'direct core call', value: core.p50 } } : {}),
            ...(op === 'recall' ? { target } : {}),
          }),
        );
      }
    }
  }
  const memories = sizes.length === 1 ? sizes[0] : undefined;
  return {
    id: 'mcp',
    title: `MCP server: round trips over stdio${
      memories ? ` with ${memories.toLocaleString('en-US')} memories in the agent` : sizes.length > 1 ? ` by memories in the agent` : ''
    }`,
    command,
    figures,
    tables: [
      {
        title: 'Every call (ms)',
        header: ['memories', 'driver', 'op', 'path', 'calls', 'p50', 'p95', 'mean'],
        rows: rows.map((r) => [r.memories ?? '', r.driver, r.op, r.path, r.calls, r.p50, r.p95, r.mean]),
      },
    ],
    charts: [
      {
        file: 'report-mcp.svg',
        title: 'MCP round trips beside direct core calls',
        svg: groupedBarChart(
          sizes.flatMap((size) =>
            drivers.flatMap((driver) =>
              ops.map((op) => ({
                label: `${driver} ${op}${sized(size)}`,
                values: ['core', 'mcp stdio'].map(
                  (path) => rows.find((r) => r.memories === size && r.driver === driver && r.op === op && r.path === path)?.p50,
                ),
              })),
            ),
          ),
          {
            title: 'p50 per call',
            unit: 'ms',
            series: ['direct core call', 'MCP over stdio'],
            lines: [{ label: 'recall target', value: TARGETS.mcpRecallP50Ms, color: '#e15759' }],
          },
        ),
      },
    ],
    notes: json.options?.embedder ? [`Embedder ${json.options.embedder}; recall limit 10, hybrid.`] : [],
  };
}

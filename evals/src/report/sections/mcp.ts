/** Section of results/bench-mcp.json (`npm run bench:mcp`): MCP stdio round trips beside direct core calls. */
import { atMost, TARGETS } from '../targets.js';
import { figure, type Figure, type Section } from '../section.js';
import { groupedBarChart } from '../svg.js';

export interface McpJson {
  options?: { memories?: number; calls?: number; embedder?: string };
  results?: { driver: string; path: string; op: string; calls: number; p50: number; p95: number; mean: number }[];
}

export function mcpSection(json: McpJson, command: string): Section {
  const rows = json.results ?? [];
  const figures: Figure[] = [];
  const drivers = [...new Set(rows.map((r) => r.driver))];
  const ops = ['recall', 'remember'];
  for (const op of ops) {
    for (const driver of drivers) {
      const mcp = rows.find((r) => r.driver === driver && r.op === op && r.path !== 'core');
      const core = rows.find((r) => r.driver === driver && r.op === op && r.path === 'core');
      if (!mcp) continue;
      figures.push(
        figure(`memory_${op} p50 over MCP stdio, ${driver}`, mcp.p50, 'ms', {
          ...(core ? { baseline: { label: 'direct core call', value: core.p50 } } : {}),
          ...(op === 'recall' ? { target: atMost(TARGETS.mcpRecallP50Ms, 'issue 5') } : {}),
        }),
      );
    }
  }
  const memories = json.options?.memories;
  return {
    id: 'mcp',
    title: `MCP server: round trips over stdio${memories ? ` with ${memories.toLocaleString('en-US')} memories in the agent` : ''}`,
    command,
    figures,
    tables: [
      {
        title: 'Every call (ms)',
        header: ['driver', 'op', 'path', 'calls', 'p50', 'p95', 'mean'],
        rows: rows.map((r) => [r.driver, r.op, r.path, r.calls, r.p50, r.p95, r.mean]),
      },
    ],
    charts: [
      {
        file: 'report-mcp.svg',
        title: 'MCP round trips beside direct core calls',
        svg: groupedBarChart(
          drivers.flatMap((driver) =>
            ops.map((op) => ({
              label: `${driver} ${op}`,
              values: ['core', 'mcp stdio'].map((path) => rows.find((r) => r.driver === driver && r.op === op && r.path === path)?.p50),
            })),
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

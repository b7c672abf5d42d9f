/** Section of results/bench-core.json (`npm run bench`): recall latency and quality, inserts, cold open, memory per handle. */
import { atLeast, atMost, coldTarget, TARGETS } from '../targets.js';
import { count, figure, type Figure, type Section } from '../section.js';
import { groupedBarChart } from '../svg.js';

interface Summary {
  p50: number;
  p95?: number;
  p99?: number;
}

export interface CoreJson {
  timestamp?: string;
  wallSeconds?: number;
  options?: { quick?: boolean };
  latency?: {
    latency?: { dataset: string; dims: number; size: number; driver: string; method: string; latency: Summary; recallAt10: number }[];
    insert?: { dataset: string; dims?: number; driver: string; rows: number; rowsPerSec: number }[];
    indexBuild?: { dataset: string; size: number; driver: string; firstRecallMs: number }[];
  };
  fleet?: {
    cold?: { driver: string; agents: number; sample: number; openMs: Summary; firstRecallMs: Summary; totalMs: Summary }[];
    memory?: { driver: string; handles: number; rssPerHandleAfterRecall: number }[];
  };
}

const ENGRAM = 'engram recall (vector)';
const BRUTE = 'engine brute force';
const VEC0 = 'vec0 knn';
const HNSW = 'hnsw (M16, ef128)';
const SOURCE = 'issue 16';
const ENGINES = ['turso', 'sqlite'];

export function coreSection(json: CoreJson, command: string): Section {
  const figures: Figure[] = [];
  const notes: string[] = [];
  const rows = json.latency?.latency ?? [];
  const engram = rows
    .filter((r) => r.method === ENGRAM)
    .sort((a, b) => b.dims - a.dims || a.size - b.size || a.driver.localeCompare(b.driver));
  for (const r of engram) {
    const brute = rows.find((b) => b.method === BRUTE && b.dataset === r.dataset && b.size === r.size && b.driver === r.driver);
    const hnsw = rows.find((b) => b.method === HNSW && b.dataset === r.dataset && b.size === r.size);
    const p50Target = r.dims === TARGETS.coreDims ? TARGETS.coreRecallP50Ms.get(r.size) : undefined;
    const shape = `${count(r.size)} x ${r.dims} dims (${r.dataset}), ${r.driver}`;
    figures.push(
      figure(`top-10 recall p50, ${shape}`, r.latency.p50, 'ms', {
        ...(hnsw
          ? { baseline: { label: 'hnswlib HNSW, M 16, ef 128', value: hnsw.latency.p50 } }
          : brute
            ? { baseline: { label: 'exact scan in the engine', value: brute.latency.p50 } }
            : {}),
        ...(p50Target !== undefined ? { target: atMost(p50Target, SOURCE) } : {}),
      }),
      figure(`recall@10 vs exact, ${shape}`, r.recallAt10, '', { target: atLeast(TARGETS.coreRecallAt10, SOURCE) }),
    );
  }
  for (const b of (json.latency?.indexBuild ?? []).filter((x) => ENGINES.includes(x.driver))) {
    const vec0 = json.latency?.indexBuild?.find((x) => x.driver === 'sqlite-vec' && x.dataset === b.dataset && x.size === b.size);
    const target = b.dataset === 'gmm-384' ? TARGETS.coreFirstRecallMs.get(b.size) : undefined;
    figures.push(
      figure(`first recall after reopening, ${count(b.size)} memories (${b.dataset}), ${b.driver}`, b.firstRecallMs, 'ms', {
        ...(vec0 ? { baseline: { label: 'vec0, first query on a new handle', value: vec0.firstRecallMs } } : {}),
        ...(target !== undefined ? { target: atMost(target, SOURCE) } : {}),
      }),
    );
  }
  for (const c of json.fleet?.cold ?? []) {
    figures.push(
      figure(`cold open + first recall p50, ${count(c.agents)} agents on disk, ${c.driver}`, c.totalMs.p50, 'ms', {
        ...(coldTarget(c.driver) ? { target: coldTarget(c.driver) } : {}),
      }),
    );
  }
  const inserts = json.latency?.insert ?? [];
  for (const r of inserts.filter((i) => ENGINES.includes(i.driver))) {
    const vec0 = inserts.find((i) => i.driver === 'sqlite-vec' && i.dataset === r.dataset);
    const target = r.dims === TARGETS.coreDims ? TARGETS.coreInsertRowsPerSec[r.driver] : undefined;
    figures.push(
      figure(`remember() rows/s, ${r.dataset}, ${r.driver}`, r.rowsPerSec, 'rows/s', {
        ...(vec0 ? { baseline: { label: 'sqlite-vec vec0 raw inserts', value: vec0.rowsPerSec } } : {}),
        ...(target !== undefined ? { target: atLeast(target, SOURCE) } : {}),
      }),
    );
  }
  for (const m of json.fleet?.memory ?? []) {
    figures.push(figure(`RSS per open agent (${count(m.handles)} held), ${m.driver}`, Math.round(m.rssPerHandleAfterRecall / 1024), 'KB'));
  }

  const charts = [...new Set(rows.map((r) => r.size))]
    .sort((a, b) => a - b)
    .map((size) => {
      const datasets = [...new Set(rows.filter((r) => r.size === size).map((r) => r.dataset))];
      const series: [string, string, string][] = [
        ['engram turso', ENGRAM, 'turso'],
        ['engram sqlite', ENGRAM, 'sqlite'],
        ['sqlite-vec vec0', VEC0, 'sqlite-vec'],
        ['hnswlib HNSW', HNSW, 'hnswlib'],
        ['exact scan turso', BRUTE, 'turso'],
        ['exact scan sqlite', BRUTE, 'sqlite'],
      ];
      const p50Target = TARGETS.coreRecallP50Ms.get(size);
      return {
        file: `report-core-recall-${count(size)}.svg`,
        title: `top-10 recall p50, ${count(size)} memories`,
        svg: groupedBarChart(
          datasets.map((d) => ({
            label: d,
            values: series.map(
              ([, method, driver]) =>
                rows.find((r) => r.size === size && r.dataset === d && r.method === method && r.driver === driver)?.latency.p50,
            ),
          })),
          {
            title: `Top-10 recall p50, ${count(size)} memories`,
            unit: 'ms',
            series: series.map(([label]) => label),
            lines: p50Target !== undefined ? [{ label: `target (${TARGETS.coreDims} dims)`, value: p50Target, color: '#e15759' }] : [],
          },
        ),
      };
    });
  if (json.options?.quick)
    notes.push('Quick run: smaller corpora (1k / 10k memories) and fleets; the latency targets are set for 100k and 1M.');
  return {
    id: 'core',
    title: 'Core: recall latency and quality, inserts, cold open',
    command,
    figures,
    tables: [],
    charts,
    notes,
  };
}

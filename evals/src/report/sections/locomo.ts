/** Section of results/locomo.json (`npm run eval:locomo`): retrieval quality on LoCoMo beside plain BM25. */
import { ablationCells, type AblationRow } from '../../locomo/ablation.js';
import { METRICS, type Scores } from '../../locomo/metrics.js';
import { atLeast, TARGETS } from '../targets.js';
import { figure, type Figure, type Section } from '../section.js';
import { groupedBarChart } from '../svg.js';

export interface LocomoJson {
  meta?: { data?: string; driver?: string; conversations?: number; questions?: number };
  results?: { system: string; embedder: string | null; mode: string; overall: Scores; byCategory: Record<string, Scores> }[];
  /** From `--ablation`: hybrid recall@10 with one part of the setup taken away at a time. */
  ablation?: AblationRow[];
}

/** `defaultEmbedderId`: the id of Engram's default embedder, the one the target is set for. */
export function locomoSection(json: LocomoJson, command: string, defaultEmbedderId: string): Section {
  const results = json.results ?? [];
  const bm25 = results.find((r) => r.mode === 'bm25');
  const engram = results.filter((r) => r.mode !== 'bm25');
  const figures: Figure[] = engram.map((r) => {
    const isDefault = r.embedder === defaultEmbedderId;
    return figure(`recall@10, ${r.mode}, ${r.embedder ?? '-'}${isDefault ? ' (default)' : ''}`, r.overall['recall@10'], '', {
      ...(bm25 ? { baseline: { label: 'BM25 over the same turns', value: bm25.overall['recall@10'] } } : {}),
      ...(isDefault && r.mode === 'hybrid' ? { target: atLeast(TARGETS.locomoRecallAt10, 'issue 7') } : {}),
    });
  });
  const embedders = [...new Set(engram.map((r) => r.embedder ?? '-'))];
  const modes = [...new Set(engram.map((r) => r.mode))];
  const categories = [...new Set(results.flatMap((r) => Object.keys(r.byCategory)))].sort();
  const meta = json.meta;
  return {
    id: 'locomo',
    title: 'LoCoMo retrieval quality (categories 1-4)',
    command,
    figures,
    tables: [
      {
        title: 'Every metric, overall',
        header: ['system', 'embedder', 'mode', 'questions', ...METRICS],
        rows: results.map((r) => [r.system, r.embedder ?? '-', r.mode, r.overall.n, ...METRICS.map((m) => r.overall[m].toFixed(3))]),
      },
      {
        title: 'recall@10 per category',
        header: ['system', 'embedder', 'mode', ...categories],
        rows: results.map((r) => [
          r.system,
          r.embedder ?? '-',
          r.mode,
          ...categories.map((c) => r.byCategory[c]?.['recall@10'].toFixed(3)),
        ]),
      },
      ...(json.ablation
        ? [
            {
              title: 'Ablation: hybrid recall@10, default embedder, one part of the setup taken away at a time',
              header: ['setup', 'recall@10', 'change'],
              rows: ablationCells(json.ablation),
            },
          ]
        : []),
    ],
    charts: [
      {
        file: 'report-locomo.svg',
        title: 'LoCoMo recall@10 by mode and embedder',
        svg: groupedBarChart(
          modes.map((mode) => ({
            label: mode,
            values: embedders.map((e) => engram.find((r) => r.mode === mode && (r.embedder ?? '-') === e)?.overall['recall@10']),
          })),
          {
            title: 'LoCoMo recall@10',
            series: embedders,
            max: 1,
            format: (v) => v.toFixed(2),
            lines: [
              ...(bm25 ? [{ label: 'BM25', value: bm25.overall['recall@10'], color: '#79706e' }] : []),
              { label: 'target (hybrid, default embedder)', value: TARGETS.locomoRecallAt10, color: '#e15759' },
            ],
          },
        ),
      },
    ],
    notes: meta
      ? [
          `Data ${meta.data ?? '?'}: ${meta.conversations ?? '?'} conversations, ${meta.questions ?? '?'} scored questions; driver ${meta.driver ?? '?'}.`,
        ]
      : [],
  };
}

/**
 * `npm run eval:locomo -- --data PATH`: LoCoMo retrieval quality of Engram's recall.
 * Each conversation goes into its own agent, one memory per turn (speaker and text, the
 * session date as valid-from time and metadata, the turns before it in the session as context:
 * `--context N`, default 2). Every question of categories 1-4 with valid evidence is asked in
 * each mode (text, vector, hybrid) and for each embedder, as it is: recall's own query handling
 * (time hints) applies, and a speaker the question names is preferred (`--prefer-speaker no`
 * turns that off). The answers and evidence are used only to score the ranked turns. Beside it,
 * plain BM25 over the same turns.
 * Prints a table and writes JSON, a markdown report and an SVG chart.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  Engram,
  HashEmbedder,
  TransformersEmbedder,
  WordVectorEmbedder,
  type DriverName,
  type Embedder,
  type RecallMode,
  type RecallOptions,
} from '@engram/core';
import { barChart } from '../report/svg.js';
import { TARGETS } from '../report/targets.js';
import { Bm25 } from './bm25.js';
import { loadLocomo, type Conversation } from './dataset.js';
import { METRICS, ScoreBoard, type Scores } from './metrics.js';
import { previousTurns, turnText } from './turn-memory.js';
import { ABLATION_HEADER, ablationCells, type AblationRow } from './ablation.js';
import { markdownTable, textTable } from '../lib/table.js';

const CATEGORIES: Record<number, string> = { 1: 'multi-hop', 2: 'temporal', 3: 'open-domain', 4: 'single-hop' };
const K = 25;

const log = (line: string) => process.stderr.write(`${line}\n`);

interface RunResult {
  system: string;
  embedder: string | null;
  mode: RecallMode | 'bm25';
  overall: Scores;
  byCategory: Record<string, Scores>;
  queriesPerSecond: number;
}

async function embedderFor(spec: string): Promise<Embedder> {
  if (spec === 'default' || spec === 'glove') return WordVectorEmbedder.load();
  if (spec.startsWith('hash')) return new HashEmbedder({ dims: Number(spec.split(':')[1] ?? 256) });
  if (spec.startsWith('transformers:')) return TransformersEmbedder.create({ model: spec.slice('transformers:'.length) });
  throw new Error(`unknown embedder "${spec}": use default, hash[:dims] or transformers:<model dir>`);
}

function boards() {
  const overall = new ScoreBoard();
  const byCategory = new Map<number, ScoreBoard>();
  return {
    add(category: number, ranked: string[], relevant: Set<string>) {
      overall.add(ranked, relevant);
      if (!byCategory.has(category)) byCategory.set(category, new ScoreBoard());
      byCategory.get(category)!.add(ranked, relevant);
    },
    result(): Pick<RunResult, 'overall' | 'byCategory'> {
      return {
        overall: overall.scores(),
        byCategory: Object.fromEntries([...byCategory].sort((a, b) => a[0] - b[0]).map(([c, b]) => [`${c} ${CATEGORIES[c]}`, b.scores()])),
      };
    },
  };
}

const scored = (c: Conversation) => c.questions.filter((q) => q.category >= 1 && q.category <= 4 && q.evidence.length > 0);

function runBm25(conversations: Conversation[]): RunResult {
  const b = boards();
  const started = performance.now();
  let asked = 0;
  for (const c of conversations) {
    const index = new Bm25(c.turns.map(turnText));
    for (const q of scored(c)) {
      b.add(
        q.category,
        index.search(q.question, K).map((i) => c.turns[i]!.id),
        new Set(q.evidence),
      );
      asked++;
    }
  }
  return {
    system: 'BM25 baseline',
    embedder: null,
    mode: 'bm25',
    ...b.result(),
    queriesPerSecond: asked / ((performance.now() - started) / 1000),
  };
}

/** How the questions are asked of an indexed fleet: a mode, and what recall is told beyond it. */
interface Asking {
  label: string;
  mode: RecallMode;
  preferSpeaker: boolean;
  options?: Pick<RecallOptions, 'fusion' | 'timeHints'>;
}

/** Indexes every conversation into its own agent (turns with `contextTurns` before them as context), then asks. */
async function runEngram(
  conversations: Conversation[],
  embedder: Embedder,
  driver: DriverName,
  contextTurns: number,
  askings: Asking[],
): Promise<(RunResult & { asking: string })[]> {
  const dir = mkdtempSync(join(tmpdir(), 'engram-locomo-'));
  const engram = await Engram.open({ dir, driver, embedder });
  try {
    for (const [i, c] of conversations.entries()) {
      const agent = await engram.agent(`locomo-${i}`);
      for (let at = 0; at < c.turns.length; at += 500) {
        await agent.memories.remember(
          c.turns.slice(at, at + 500).map((t, j) => {
            const context = previousTurns(c.turns, at + j, contextTurns);
            return {
              text: turnText(t),
              ...(context ? { context } : {}),
              kind: 'event',
              metadata: { speaker: t.speaker, turn: t.id, session: t.session },
              ...(t.time ? { validFrom: t.time } : {}),
            };
          }),
        );
      }
      log(`  ${embedder.id}: indexed ${c.id} (${c.turns.length} turns, ${contextTurns} before each as context)`);
    }
    const results: (RunResult & { asking: string })[] = [];
    for (const asking of askings) {
      const b = boards();
      const started = performance.now();
      let asked = 0;
      for (const [i, c] of conversations.entries()) {
        const agent = await engram.agent(`locomo-${i}`);
        for (const q of scored(c)) {
          // Query handling: a question about one of the speakers prefers what that speaker said.
          const named = c.speakers.filter((name) => new RegExp(`\\b${name}\\b`, 'i').test(q.question));
          const prefer = asking.preferSpeaker && named.length === 1 ? { prefer: { metadata: { speaker: named[0]! }, weight: 0.5 } } : {};
          const hits = await agent.memories.recall(q.question, { limit: K, mode: asking.mode, ...prefer, ...asking.options });
          b.add(
            q.category,
            hits.map((h) => String(h.memory.metadata.turn)),
            new Set(q.evidence),
          );
          asked++;
        }
      }
      results.push({
        system: 'engram',
        embedder: embedder.id,
        mode: asking.mode,
        asking: asking.label,
        ...b.result(),
        queriesPerSecond: asked / ((performance.now() - started) / 1000),
      });
      log(`  ${embedder.id} ${asking.label}: recall@10 ${results.at(-1)!.overall['recall@10'].toFixed(3)}`);
    }
    return results;
  } finally {
    await engram.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Hybrid recall@10 with one part of the setup taken away at a time, beside the full setup: how
 * much each part contributes, reproducibly (`--ablation`).
 */
async function ablation(
  conversations: Conversation[],
  embedder: Embedder,
  driver: DriverName,
  contextTurns: number,
): Promise<AblationRow[]> {
  const full: Asking = { label: `full setup (${contextTurns} turns of context)`, mode: 'hybrid', preferSpeaker: true };
  const rows = await runEngram(conversations, embedder, driver, contextTurns, [
    full,
    { label: 'no speaker preference', mode: 'hybrid', preferSpeaker: false },
    { label: 'no time hints', mode: 'hybrid', preferSpeaker: true, options: { timeHints: false } },
    { label: 'classic RRF (k 60, equal weights)', mode: 'hybrid', preferSpeaker: true, options: { fusion: { k: 60, text: 1, vector: 1 } } },
  ]);
  for (const turns of [1, 0].filter((t) => t !== contextTurns)) {
    rows.push(
      ...(await runEngram(conversations, embedder, driver, turns, [
        { label: turns === 0 ? 'no context' : `${turns} turn${turns === 1 ? '' : 's'} of context`, mode: 'hybrid', preferSpeaker: true },
      ])),
    );
  }
  const base = rows[0]!.overall['recall@10'];
  return rows.map((r) => ({ variant: r.asking, recallAt10: r.overall['recall@10'], delta: r.overall['recall@10'] - base }));
}

const RUN_HEADER = ['system', 'embedder', 'mode'];
const runCells = (r: RunResult) => [r.system, r.embedder ?? '-', r.mode];
const metricCells = (r: RunResult) => METRICS.map((m) => r.overall[m].toFixed(3));

function markdown(results: RunResult[], meta: Record<string, unknown>, chartFile: string, ablated?: AblationRow[]): string {
  const md: string[] = [
    '# LoCoMo retrieval',
    '',
    `Data: \`${String(meta.data)}\` (${String(meta.conversations)} conversations, ${String(meta.questions)} scored questions, categories 1-4). Driver: ${String(meta.driver)}. Generated ${String(meta.date)}.`,
    '',
    `Setup: one memory per turn, with the ${String(meta.contextTurns)} turns before it in the session as context; the session date as valid-from; the speaker a question names is ${meta.preferSpeaker ? 'preferred' : 'not preferred'}; recall's time hints on. BM25 baseline: Okapi BM25 over the same turn texts, NLTK English stopwords removed, no stemming.`,
    '',
  ];
  md.push(`![recall@10](${chartFile})`, '');
  md.push(
    markdownTable(
      [...RUN_HEADER, ...METRICS],
      results.map((r) => [...runCells(r), ...metricCells(r)]),
    ),
  );
  const perCategory = (r: RunResult) =>
    Object.entries(CATEGORIES).map(([c, name]) => r.byCategory[`${c} ${name}`]?.['recall@10'].toFixed(3) ?? '-');
  md.push(
    '',
    '## recall@10 per category',
    '',
    markdownTable(
      [...RUN_HEADER, ...Object.values(CATEGORIES)],
      results.map((r) => [...runCells(r), ...perCategory(r)]),
    ),
  );
  if (ablated)
    md.push('', '## Ablation: one part of the setup taken away at a time', '', markdownTable(ABLATION_HEADER, ablationCells(ablated)));
  md.push(
    '',
    `Target: hybrid recall@10 >= ${TARGETS.locomoRecallAt10} with the default embedder. Reproduce: \`npm run eval:locomo -- --data ${String(meta.data)}\`.`,
  );
  return md.join('\n') + '\n';
}

export async function main(argv = process.argv.slice(2)): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string' },
      embedders: { type: 'string', default: 'default,hash' },
      modes: { type: 'string', default: 'text,vector,hybrid' },
      driver: { type: 'string', default: 'turso' },
      out: { type: 'string', default: 'results' },
      context: { type: 'string', default: '2' },
      'prefer-speaker': { type: 'string', default: 'yes' },
      ablation: { type: 'boolean', default: false },
    },
  });
  const fallback = resolve('../shared/datasets/locomo/locomo-dev.json');
  const data = values.data ? resolve(values.data) : existsSync(fallback) ? fallback : undefined;
  if (!data) throw new Error('give the LoCoMo file: npm run eval:locomo -- --data PATH/TO/locomo.json');
  const conversations = loadLocomo(data);
  const questions = conversations.reduce((n, c) => n + scored(c).length, 0);
  log(`LoCoMo: ${conversations.length} conversations, ${questions} scored questions from ${data}`);
  const modes = values.modes.split(',') as RecallMode[];
  const contextTurns = values.context === 'none' ? 0 : Number(values.context);
  if (!Number.isInteger(contextTurns) || contextTurns < 0) throw new Error('--context takes a number of previous turns (or none)');
  const driver = values.driver as DriverName;
  const results: RunResult[] = [runBm25(conversations)];
  log(`  BM25 baseline: recall@10 ${results[0]!.overall['recall@10'].toFixed(3)}`);
  const preferSpeaker = values['prefer-speaker'] !== 'no';
  for (const spec of values.embedders.split(',')) {
    const embedder = await embedderFor(spec.trim());
    const runs = await runEngram(
      conversations,
      embedder,
      driver,
      contextTurns,
      modes.map((mode) => ({ label: mode, mode, preferSpeaker })),
    );
    results.push(...runs.map(({ asking: _asking, ...r }) => r));
  }
  process.stdout.write(
    `\n${textTable(
      [...RUN_HEADER, 'n', ...METRICS, 'q/s'],
      results.map((r) => [...runCells(r), String(r.overall.n), ...metricCells(r), r.queriesPerSecond.toFixed(0)]),
    )}\n`,
  );
  let ablated: AblationRow[] | undefined;
  if (values.ablation) {
    log('ablation: hybrid recall@10 with one part of the setup taken away at a time (default embedder)');
    ablated = await ablation(conversations, await embedderFor('default'), driver, contextTurns);
    process.stdout.write(`\n${textTable(ABLATION_HEADER, ablationCells(ablated))}\n`);
  }
  const out = resolve(values.out);
  mkdirSync(out, { recursive: true });
  const meta = {
    data,
    driver,
    conversations: conversations.length,
    questions,
    contextTurns,
    preferSpeaker,
    date: new Date().toISOString(),
    node: process.version,
  };
  writeFileSync(join(out, 'locomo.json'), JSON.stringify({ meta, results, ...(ablated ? { ablation: ablated } : {}) }, null, 2));
  const bars = results.map((r) => ({
    label: r.mode === 'bm25' ? 'BM25' : `${r.embedder!.split('@')[0]} ${r.mode}`,
    value: r.overall['recall@10'],
  }));
  writeFileSync(
    join(out, 'locomo-recall10.svg'),
    barChart(bars, {
      title: 'LoCoMo recall@10 (categories 1-4)',
      max: 1,
      lines: [{ label: 'target', value: TARGETS.locomoRecallAt10, color: '#e15759' }],
    }),
  );
  writeFileSync(join(out, 'locomo.md'), markdown(results, meta, 'locomo-recall10.svg', ablated));
  log(`written: ${join(out, 'locomo.json')}, locomo.md, locomo-recall10.svg`);
}

await main().catch((err: unknown) => {
  log(`eval:locomo failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});

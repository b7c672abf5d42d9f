/** The targets set in the issues, in one place: the scale table and the report check figures against them. */

export type Comparison = '<=' | '>=';

export interface Target {
  op: Comparison;
  value: number;
  /** Where the target is written. */
  source: string;
}

export const TARGETS = {
  /** Warm top-10 vector recall p50 at 384 dims, by memories in the agent (issue 16; issue 2 had 3 ms at 10k, 25 ms at 100k). */
  coreRecallP50Ms: new Map<number, number>([
    [100_000, 1.5],
    [1_000_000, 10],
  ]),
  coreDims: 384,
  coreRecallAt10: 0.99,
  /** First vector recall on a freshly opened agent, 384 dims, by memories (issue 16). */
  coreFirstRecallMs: new Map<number, number>([
    [10_000, 5],
    [100_000, 30],
  ]),
  /** remember() in batches of 1000, 384 dims, text indexed (issue 16). */
  coreInsertRowsPerSec: { turso: 15_000, sqlite: 40_000 } as Readonly<Record<string, number>>,
  /** Open an idle agent + first recall, p50, by engine (issue 16; issue 2 had 2 ms for both). */
  coldOpenP50Ms: { turso: 1.2, sqlite: 0.6 } as Readonly<Record<string, number>>,
  /** Disk taken by an idle agent with a few memories, all its files counted (issue 16). */
  idleAgentKb: 32,
  /** memory_recall over MCP stdio, p50 (issue 5). */
  mcpRecallP50Ms: 10,
  /** LoCoMo hybrid recall@10 with the default offline embedder (issue 7). */
  locomoRecallAt10: 0.75,
  /** A branch on a file system that clones files (issue 4); elsewhere no slower than cp. */
  branchCloneMs: 1,
} as const;

export type Status = 'PASS' | 'MISS' | '-';

/** PASS when `value` meets `target`; '-' without a target or a finite value. */
export function check(value: number | undefined, target: Target | undefined): Status {
  if (target === undefined || value === undefined || !Number.isFinite(value)) return '-';
  return (target.op === '<=' ? value <= target.value : value >= target.value) ? 'PASS' : 'MISS';
}

export const atMost = (value: number, source: string): Target => ({ op: '<=', value, source });
export const atLeast = (value: number, source: string): Target => ({ op: '>=', value, source });

/** Cold open + first recall p50 on `driver` (issue 16): the core bench, the scale run and the report check it. */
export const coldTarget = (driver: string): Target | undefined => {
  const value = TARGETS.coldOpenP50Ms[driver];
  return value === undefined ? undefined : atMost(value, 'issue 16');
};

/** Disk per idle agent (issue 16), checked by the scale run and the report. */
export const IDLE_DISK_TARGET = atMost(TARGETS.idleAgentKb, 'issue 16');

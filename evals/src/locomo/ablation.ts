/** The `--ablation` table: hybrid recall@10 with one part of the setup taken away at a time. */

export interface AblationRow {
  variant: string;
  recallAt10: number;
  /** recallAt10 minus the full setup's (the first row's). */
  delta: number;
}

export const ABLATION_HEADER = ['hybrid, default embedder', 'recall@10', 'change'];

/** Rows as table cells; the first row is the full setup, the others show their change from it. */
export function ablationCells(rows: readonly AblationRow[]): string[][] {
  return rows.map((r, i) => [r.variant, r.recallAt10.toFixed(3), i === 0 ? '-' : `${r.delta >= 0 ? '+' : ''}${r.delta.toFixed(3)}`]);
}

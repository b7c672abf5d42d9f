/** Retrieval metrics over ranked turn ids against a set of relevant (evidence) ids. */

/** Share of the relevant ids found in the first k results. */
export function recallAt(ranked: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  if (relevant.size === 0) return 0;
  let hits = 0;
  for (const id of ranked.slice(0, k)) if (relevant.has(id)) hits++;
  return hits / relevant.size;
}

/** 1 when at least one relevant id is in the first k results. */
export function recallAnyAt(ranked: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  return ranked.slice(0, k).some((id) => relevant.has(id)) ? 1 : 0;
}

/** Binary-relevance NDCG@k. */
export function ndcgAt(ranked: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  let dcg = 0;
  ranked.slice(0, k).forEach((id, i) => {
    if (relevant.has(id)) dcg += 1 / Math.log2(i + 2);
  });
  let ideal = 0;
  for (let i = 0; i < Math.min(k, relevant.size); i++) ideal += 1 / Math.log2(i + 2);
  return ideal === 0 ? 0 : dcg / ideal;
}

export interface Scores {
  n: number;
  'recall@5': number;
  'recall@10': number;
  'recall@25': number;
  'recall_any@10': number;
  'ndcg@10': number;
}

export const METRICS = ['recall@5', 'recall@10', 'recall@25', 'recall_any@10', 'ndcg@10'] as const;

/** Averages per-question metrics. */
export class ScoreBoard {
  private n = 0;
  private sums = { 'recall@5': 0, 'recall@10': 0, 'recall@25': 0, 'recall_any@10': 0, 'ndcg@10': 0 };

  add(ranked: readonly string[], relevant: ReadonlySet<string>): void {
    this.n++;
    this.sums['recall@5'] += recallAt(ranked, relevant, 5);
    this.sums['recall@10'] += recallAt(ranked, relevant, 10);
    this.sums['recall@25'] += recallAt(ranked, relevant, 25);
    this.sums['recall_any@10'] += recallAnyAt(ranked, relevant, 10);
    this.sums['ndcg@10'] += ndcgAt(ranked, relevant, 10);
  }

  scores(): Scores {
    const avg = (x: number) => (this.n === 0 ? 0 : x / this.n);
    return {
      n: this.n,
      'recall@5': avg(this.sums['recall@5']),
      'recall@10': avg(this.sums['recall@10']),
      'recall@25': avg(this.sums['recall@25']),
      'recall_any@10': avg(this.sums['recall_any@10']),
      'ndcg@10': avg(this.sums['ndcg@10']),
    };
  }
}

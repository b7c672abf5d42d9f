/**
 * The baseline: plain Okapi BM25 (k1 1.2, b 0.75) over the same turn texts, lowercase
 * alphanumeric tokens, no stopwords, no stemming, no fusion. Independent of Engram's engines.
 */
export class Bm25 {
  private readonly docs: Map<string, number>[] = [];
  private readonly lengths: number[] = [];
  private readonly df = new Map<string, number>();

  constructor(texts: readonly string[]) {
    for (const text of texts) {
      const tf = new Map<string, number>();
      const toks = Bm25.tokens(text);
      for (const t of toks) tf.set(t, (tf.get(t) ?? 0) + 1);
      for (const t of tf.keys()) this.df.set(t, (this.df.get(t) ?? 0) + 1);
      this.docs.push(tf);
      this.lengths.push(toks.length);
    }
  }

  static tokens(text: string): string[] {
    return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  }

  /** Indexes of the best `k` documents for `query`, best first. */
  search(query: string, k: number): number[] {
    const n = this.docs.length;
    const avg = this.lengths.reduce((a, b) => a + b, 0) / Math.max(1, n);
    const terms = [...new Set(Bm25.tokens(query))];
    const scores = this.docs.map((tf, i) => {
      let s = 0;
      for (const t of terms) {
        const f = tf.get(t);
        if (!f) continue;
        const df = this.df.get(t)!;
        const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
        s += (idf * f * 2.2) / (f + 1.2 * (0.25 + (0.75 * this.lengths[i]!) / avg));
      }
      return s;
    });
    return scores
      .map((s, i) => [s, i] as const)
      .filter(([s]) => s > 0)
      .sort((a, b) => b[0] - a[0] || a[1] - b[1])
      .slice(0, k)
      .map(([, i]) => i);
  }
}

/**
 * The baseline: plain Okapi BM25 (k1 1.2, b 0.75) over the same turn texts, lowercase
 * alphanumeric tokens without NLTK's English stopwords, no stemming, no fusion: the usual
 * off-the-shelf setup (on the dev half it gives recall@10 0.576 against the 0.585 the issue
 * quotes; without stopword removal 0.534). Independent of Engram's engines.
 */
const STOPWORDS = new Set(
  // nltk.corpus.stopwords.words('english'), split the way the tokeniser splits ("don't" -> don, t)
  (
    'i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers herself it its itself ' +
    'they them their theirs themselves what which who whom this that these those am is are was were be been being have has had having ' +
    'do does did doing a an the and but if or because as until while of at by for with about against between into through during ' +
    'before after above below to from up down in out on off over under again further then once here there when where why how all any ' +
    'both each few more most other some such no nor not only own same so than too very s t can will just don should now d ll m o re ' +
    've y ain aren couldn didn doesn hadn hasn haven isn ma mightn mustn needn shan shouldn wasn weren won wouldn'
  ).split(' '),
);

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
    return (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).filter((t) => !STOPWORDS.has(t));
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

/** Timing summaries: nearest-rank percentiles over raw samples, rounded for reports. */

export interface Summary {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  max: number;
}

/** Nearest-rank percentile (p in 0..100) of unsorted samples; NaN when there are none. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function round(x: number, digits = 3): number {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/**
 * @example summarize([1, 2, 3]) // { n: 3, p50: 2, p95: 3, p99: 3, mean: 2, max: 3 }
 */
export function summarize(samples: readonly number[]): Summary {
  const mean = samples.length === 0 ? Number.NaN : samples.reduce((a, b) => a + b, 0) / samples.length;
  return {
    n: samples.length,
    p50: round(percentile(samples, 50)),
    p95: round(percentile(samples, 95)),
    p99: round(percentile(samples, 99)),
    mean: round(mean),
    max: round(samples.length === 0 ? Number.NaN : Math.max(...samples)),
  };
}

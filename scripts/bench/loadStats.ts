/** Figures for `npm run bench:load`: latency percentiles, memory slope, medians. */
import type { RssSample } from './loadProcess';

/** The nearest-rank percentile (0-100) of the values, or 0 for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

/** The least-squares slope of RSS against time, in MB per minute (0 with fewer than 2 samples). */
export function slopeMbPerMin(samples: readonly RssSample[]): number {
  const n = samples.length;
  if (n < 2) return 0;
  const meanT = samples.reduce((s, x) => s + x.t, 0) / n;
  const meanMb = samples.reduce((s, x) => s + x.mb, 0) / n;
  let cov = 0;
  let varT = 0;
  for (const { t, mb } of samples) {
    cov += (t - meanT) * (mb - meanMb);
    varT += (t - meanT) ** 2;
  }
  return varT === 0 ? 0 : (cov / varT) * 60;
}

export function round(value: number, places = 1): number {
  const f = 10 ** places;
  return Math.round(value * f) / f;
}

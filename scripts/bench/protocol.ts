/**
 * The CLINC150 paper's "oos-threshold" protocol as pure functions (Larson et al., 2019):
 * a system predicts its top candidate's intent when the candidate's score is at least a threshold t,
 * otherwise out-of-scope; t is the one with the best accuracy on the validation split (in-scope and
 * out-of-scope questions together, out-of-scope counted as a class of its own); the test split is
 * then scored with that t.
 */
import { OOS } from './data';

/** What a system said about one question. `top` is null when it had no candidate at all. */
export interface Prediction {
  /** The right answer: an intent, or `oos`. */
  gold: string;
  top: string | null;
  score: number;
}

/** The intent predicted with threshold t: the top candidate if its score >= t, otherwise `oos`. */
export function predict(p: Prediction, threshold: number): string {
  return p.top !== null && p.score >= threshold ? p.top : OOS;
}

/** Share of predictions that are right with threshold t, out-of-scope being a class of its own. */
export function accuracy(preds: readonly Prediction[], threshold: number): number {
  if (preds.length === 0) return 0;
  return preds.filter((p) => predict(p, threshold) === p.gold).length / preds.length;
}

export interface ThresholdChoice {
  threshold: number;
  /** Accuracy on the split the threshold was picked on, with that threshold. */
  accuracy: number;
}

/**
 * The threshold with the best accuracy over `preds` (normally the validation split).
 * Candidates are every distinct top-candidate score: any other t gives the same predictions as the
 * smallest candidate above it. Ties go to the LOWEST threshold (the one that answers most).
 * With no candidate scores at all the threshold is 0. One sort and one sweep: O(n log n).
 */
export function pickThreshold(preds: readonly Prediction[]): ThresholdChoice {
  if (preds.length === 0) return { threshold: 0, accuracy: 0 };
  const ranked = preds.filter((p) => p.top !== null).sort((a, b) => a.score - b.score);
  // With t at the lowest score every question with a candidate keeps it.
  let correct = preds.filter((p) => (p.top === null ? p.gold === OOS : p.top === p.gold)).length;
  let best = { threshold: ranked[0]?.score ?? 0, correct };
  let i = 0;
  while (i < ranked.length) {
    const score = ranked[i]!.score;
    // Here `correct` is the count for t = score: everything below it already turned out-of-scope.
    if (correct > best.correct) best = { threshold: score, correct };
    for (; i < ranked.length && ranked[i]!.score === score; i++) {
      const p = ranked[i]!;
      if (p.top === p.gold) correct -= 1;
      if (p.gold === OOS) correct += 1;
    }
  }
  return { threshold: best.threshold, accuracy: best.correct / preds.length };
}

export interface Metrics {
  /** In-scope questions predicted as their own intent (after the threshold) / all in-scope questions. */
  inScopeAccuracy: number | null;
  /** Out-of-scope questions predicted out-of-scope / all out-of-scope questions. */
  oosRecall: number | null;
  /** Truly out-of-scope questions among those predicted out-of-scope. */
  oosPrecision: number | null;
  /** All questions right, out-of-scope as a class of its own. */
  accuracy: number | null;
  /** In-scope accuracy of the top candidate with no threshold at all. */
  untunedAccuracy: number | null;
}

const ratio = (n: number, d: number): number | null => (d === 0 ? null : n / d);

/** The paper's figures for `preds` (normally the test split) at threshold t. Undefined ratios are null. */
export function metrics(preds: readonly Prediction[], threshold: number): Metrics {
  let inScope = 0;
  let inScopeRight = 0;
  let untunedRight = 0;
  let oos = 0;
  let oosCaught = 0;
  let predictedOos = 0;
  let right = 0;
  for (const p of preds) {
    const got = predict(p, threshold);
    if (got === p.gold) right += 1;
    if (got === OOS) predictedOos += 1;
    if (p.gold === OOS) {
      oos += 1;
      if (got === OOS) oosCaught += 1;
    } else {
      inScope += 1;
      if (got === p.gold) inScopeRight += 1;
      if (p.top === p.gold) untunedRight += 1;
    }
  }
  return {
    inScopeAccuracy: ratio(inScopeRight, inScope),
    oosRecall: ratio(oosCaught, oos),
    oosPrecision: ratio(oosCaught, predictedOos),
    accuracy: ratio(right, preds.length),
    untunedAccuracy: ratio(untunedRight, inScope),
  };
}

/** Median of the values (mean of the middle two for an even count); 0 for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Nearest-rank percentile (q in (0, 1]): the smallest value with at least q of the values at or below it. */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length, Math.max(1, Math.ceil(q * s.length))) - 1]!;
}

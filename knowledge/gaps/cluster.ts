import { TfIdf } from 'natural/lib/natural/tfidf';

/**
 * Groups short questions by meaning, cheaply and deterministically:
 *
 * 1. Each question (already read into terms, see terms.ts) becomes a TF-IDF vector with
 *    natural's TfIdf, over the questions being grouped, scaled to unit length; terms that only
 *    one question has are left out.
 * 2. Average-linkage agglomerative clustering on cosine similarity: every question starts
 *    alone; the two groups with the highest average similarity between their members merge,
 *    again and again, until no two groups reach `threshold`. Average linkage (rather than the
 *    closest pair, "single linkage") keeps one shared word from chaining different topics
 *    together; a fixed threshold (rather than a number of groups) lets a month with two topics
 *    and a month with forty both come out right.
 *
 * Ties break on the input order, so the same input gives the same groups.
 */

/** A unit-length sparse vector: term ids, ascending, and their weights. */
interface Vector {
  ids: number[];
  values: number[];
}

export function tfidfVectors(termLists: readonly (readonly string[])[]): Vector[] {
  const tfidf = new TfIdf();
  const df = new Map<string, number>();
  for (const terms of termLists) for (const t of new Set(terms)) df.set(t, (df.get(t) ?? 0) + 1);
  // A term only one question has cannot make it like any other, but it would still lengthen its
  // vector and so lower every similarity it has: a short question with one unusual word would
  // then join nothing (measured on the validation set: best pair F1 0.75 with such terms, 0.81 without).
  for (const terms of termLists) tfidf.addDocument(terms.filter((t) => df.get(t)! > 1));
  const ids = new Map<string, number>();
  return termLists.map((_, d) => {
    const weights = tfidf
      .listTerms(d)
      .map(({ term, tfidf: w }) => {
        let id = ids.get(term);
        if (id === undefined) ids.set(term, (id = ids.size));
        return [id, w] as const;
      })
      .sort((a, b) => a[0] - b[0]);
    const norm = Math.sqrt(weights.reduce((sum, [, w]) => sum + w * w, 0)) || 1;
    return { ids: weights.map(([id]) => id), values: weights.map(([, w]) => w / norm) };
  });
}

export function cosine(a: Vector, b: Vector): number {
  let sum = 0;
  for (let i = 0, j = 0; i < a.ids.length && j < b.ids.length; ) {
    if (a.ids[i] === b.ids[j]) sum += a.values[i++]! * b.values[j++]!;
    else if (a.ids[i]! < b.ids[j]!) i++;
    else j++;
  }
  return sum;
}

export interface Member {
  /** Index into the input. */
  index: number;
  /** Mean similarity to the group's other members (1 for a question on its own). */
  centrality: number;
}

/**
 * The groups, each as its members, most central first (ties: input order); groups in the order
 * of their first member's index. Questions with no terms stay on their own.
 */
export function clusterQuestions(termLists: readonly (readonly string[])[], threshold: number): Member[][] {
  const n = termLists.length;
  const vectors = tfidfVectors(termLists);
  // Similarities between groups, dense and symmetric; a merged group's row is rewritten in place.
  const sim = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) sim[i * n + j] = sim[j * n + i] = cosine(vectors[i]!, vectors[j]!);
  }
  const size = new Array<number>(n).fill(1);
  const alive = new Array<boolean>(n).fill(true);
  const members: number[][] = Array.from({ length: n }, (_, i) => [i]);
  // Each live group's most similar other group: the next merge is the best of these.
  const best = new Int32Array(n).fill(-1);
  const nearest = (i: number) => {
    let at = -1;
    for (let k = 0; k < n; k++) if (k !== i && alive[k] && (at < 0 || sim[i * n + k]! > sim[i * n + at]!)) at = k;
    return at;
  };
  for (let i = 0; i < n; i++) best[i] = nearest(i);

  for (;;) {
    let a = -1;
    for (let i = 0; i < n; i++) {
      if (alive[i] && best[i]! >= 0 && (a < 0 || sim[i * n + best[i]!]! > sim[a * n + best[a]!]!)) a = i;
    }
    if (a < 0 || sim[a * n + best[a]!]! < threshold) break;
    let b = best[a]!;
    if (b < a) [a, b] = [b, a];
    // Average linkage: the merged group's similarity to k is the size-weighted mean of its parts'.
    for (let k = 0; k < n; k++) {
      if (!alive[k] || k === a || k === b) continue;
      const merged = (size[a]! * sim[a * n + k]! + size[b]! * sim[b * n + k]!) / (size[a]! + size[b]!);
      sim[a * n + k] = sim[k * n + a] = merged;
    }
    size[a]! += size[b]!;
    alive[b] = false;
    members[a]!.push(...members[b]!);
    best[b] = -1;
    best[a] = nearest(a);
    for (let k = 0; k < n; k++) {
      if (!alive[k] || k === a) continue;
      // A mean is never above the larger of its parts, so only groups that pointed at a or b can change their nearest.
      if (best[k] === a || best[k] === b) best[k] = nearest(k);
      else if (sim[k * n + a]! > sim[k * n + best[k]!]! || (sim[k * n + a]! === sim[k * n + best[k]!]! && a < best[k]!)) best[k] = a;
    }
  }

  return members
    .filter((_, i) => alive[i])
    .map((group) =>
      group
        .map((index) => ({
          index,
          centrality: group.length === 1 ? 1 : group.reduce((sum, o) => (o === index ? sum : sum + cosine(vectors[index]!, vectors[o]!)), 0) / (group.length - 1),
        }))
        .sort((x, y) => y.centrality - x.centrality || x.index - y.index),
    )
    .sort((x, y) => Math.min(...x.map((m) => m.index)) - Math.min(...y.map((m) => m.index)));
}

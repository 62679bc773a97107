import { clusterQuestions } from './cluster';
import type { QuestionReader } from './terms';

/**
 * How well a grouping agrees with hand-made topic labels, counted over pairs of questions:
 * precision is the share of pairs put together that share a topic, recall the share of pairs
 * sharing a topic that were put together. Used to choose GAP_THRESHOLD on
 * test/fixtures/gaps/validation.jsonl, and by its test.
 */

export interface LabelledQuestion {
  text: string;
  topic: string;
}

export interface PairScores {
  precision: number;
  recall: number;
  f1: number;
}

export function pairScores(groups: readonly (readonly number[])[], topics: readonly string[]): PairScores {
  const groupOf = new Map<number, number>();
  groups.forEach((g, i) => g.forEach((index) => groupOf.set(index, i)));
  let together = 0;
  let same = 0;
  let both = 0;
  for (let i = 0; i < topics.length; i++) {
    for (let j = i + 1; j < topics.length; j++) {
      const t = groupOf.get(i) === groupOf.get(j);
      const s = topics[i] === topics[j];
      if (t) together += 1;
      if (s) same += 1;
      if (t && s) both += 1;
    }
  }
  const precision = together ? both / together : 1;
  const recall = same ? both / same : 1;
  return { precision, recall, f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0 };
}

/** The scores of grouping `questions` at each threshold. */
export function sweep(questions: readonly LabelledQuestion[], reader: QuestionReader, thresholds: readonly number[]): ({ threshold: number } & PairScores)[] {
  const terms = questions.map((q) => reader.terms(q.text));
  const topics = questions.map((q) => q.topic);
  return thresholds.map((threshold) => ({
    threshold,
    ...pairScores(
      clusterQuestions(terms, threshold).map((g) => g.map((m) => m.index)),
      topics,
    ),
  }));
}

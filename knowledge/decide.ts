import type { Candidate } from './matcher';

/** The entry residents reach when they ask for a person; answering it means offering one. */
export const HUMAN_ENTRY_ID = 'human';

export interface Thresholds {
  /** At or above: answer the top entry. */
  answer: number;
  /** At or above (and below `answer`): ask "Did you mean...". Below: "I don't know". */
  suggest: number;
}

export const MAX_SUGGESTIONS = 3;

export type Decision =
  | { kind: 'answer'; entryId: string; score: number }
  | { kind: 'handoff'; score: number }
  | { kind: 'clarify'; options: Candidate[] }
  | { kind: 'none' };

/**
 * What the bot does with a ranked list of candidates: the one rule shared by the bot and
 * `kb:eval`, so the evaluation measures exactly what residents get.
 */
export function decide(candidates: readonly Candidate[], thresholds: Thresholds): Decision {
  const top = candidates[0];
  if (!top || top.score < thresholds.suggest) return { kind: 'none' };
  if (top.score >= thresholds.answer) {
    return top.id === HUMAN_ENTRY_ID ? { kind: 'handoff', score: top.score } : { kind: 'answer', entryId: top.id, score: top.score };
  }
  const options = candidates.filter((c) => c.score >= thresholds.suggest).slice(0, MAX_SUGGESTIONS);
  return { kind: 'clarify', options };
}

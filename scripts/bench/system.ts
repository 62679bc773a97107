/** What every system in the intent benchmark provides. */
import type { Example } from './data';
import type { Progress } from './progress';

/** A system's best guess for one question, score in [0, 1] (higher is surer). */
export interface Top {
  intent: string;
  score: number;
}

export interface Built {
  /** Time to build the index or train the model, in ms (not reading or preparing the data). */
  buildMs: number;
  /** The top candidate, or null when the system has none. May be async (NLP.js). */
  match(text: string): Top | null | Promise<Top | null>;
}

export interface BenchSystem {
  /** Name on the command line (`--systems`). */
  name: string;
  /**
   * Builds from the in-scope training examples (out-of-scope ones are ignored). `bar` is the
   * building phase's progress bar (the caller ends it); a system may put notes on it.
   */
  build(train: readonly Example[], bar: Progress): Built | Promise<Built>;
  /**
   * For a system too slow to ask every question: at most this many val and this many test
   * questions, evenly spaced through each split (every k-th), so its run ends in minutes.
   */
  maxQuestionsPerSplit?: number;
}

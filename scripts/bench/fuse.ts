/**
 * A plain fuse.js matcher as a baseline: one Fuse index over every training question, token search
 * (`useTokenSearch`, in fuse.js 7.5 here: a bitap search per query word weighted by IDF, so long
 * questions work; plain bitap gives up beyond 32 characters). Every query word is searched in
 * every training question, so it is slow on large sets (0.15-0.5 s a question on CLINC150): it is
 * asked an evenly spaced sample of at most 500 val and 500 test questions. Score = 1 - the best
 * hit's Fuse score; the intent is that training question's intent.
 */
import Fuse from 'fuse.js';
import { OOS, type Example } from './data';
import type { BenchSystem } from './system';

export const fuse: BenchSystem = {
  name: 'fuse',
  maxQuestionsPerSplit: 500,
  build(train: readonly Example[]) {
    const examples = train.filter((ex) => ex.intent !== OOS);
    const texts = examples.map((ex) => ex.text);
    const start = performance.now();
    const index = new Fuse(texts, { includeScore: true, ignoreLocation: true, useTokenSearch: true });
    const buildMs = performance.now() - start;
    return {
      buildMs,
      match(text) {
        const hit = index.search(text, { limit: 1 })[0];
        return hit ? { intent: examples[hit.refIndex]!.intent, score: 1 - (hit.score ?? 1) } : null;
      },
    };
  },
};

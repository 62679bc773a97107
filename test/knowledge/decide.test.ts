import { decide, type Decision } from '../../knowledge/decide';
import type { Candidate } from '../../knowledge/matcher';

const thresholds = { answer: 0.6, suggest: 0.3 };
const c = (id: string, score: number): Candidate => ({ id, score, matched: [] });

describe('decide', () => {
  it.each<[string, Candidate[], Decision]>([
    ['nothing matched', [], { kind: 'none' }],
    ['top below the suggest threshold', [c('bins-collection-day', 0.29)], { kind: 'none' }],
    ['top at the answer threshold', [c('bins-collection-day', 0.6), c('recycling-centre', 0.5)], { kind: 'answer', entryId: 'bins-collection-day', score: 0.6 }],
    ['the human entry answered', [c('human', 0.9)], { kind: 'handoff', score: 0.9 }],
    [
      'between the thresholds: up to three suggestions above the suggest threshold',
      [c('a', 0.5), c('b', 0.45), c('c', 0.4), c('d', 0.35), c('e', 0.1)],
      { kind: 'clarify', options: [c('a', 0.5), c('b', 0.45), c('c', 0.4)] },
    ],
    ['between the thresholds, one candidate', [c('a', 0.3), c('b', 0.2)], { kind: 'clarify', options: [c('a', 0.3)] }],
  ])('%s', (_name, candidates, expected) => {
    expect(decide(candidates, thresholds)).toEqual(expected);
  });
});

import { clusterQuestions, cosine, tfidfVectors } from '../../../knowledge/gaps/cluster';
import { pairScores } from '../../../knowledge/gaps/evaluate';

// Questions already read into terms (terms.ts does that): two topics, a question that shares a
// word with each, a question with no terms, and two on a third word that only they share.
const LISTS = [
  ['allot', 'rent'],
  ['allot', 'rent'],
  ['park', 'permit'],
  ['park', 'permit'],
  ['rent', 'park'],
  [],
  ['allot', 'rent', 'plot'],
  ['plot'],
];
const indices = (groups: { index: number }[][]) => groups.map((g) => g.map((m) => m.index));

describe('clusterQuestions', () => {
  it('gives unit-length TF-IDF vectors that leave out terms only one question has', () => {
    const vectors = tfidfVectors([['allot', 'rent'], ['allot', 'park'], ['allot', 'rent']]);
    expect(cosine(vectors[0]!, vectors[0]!)).toBeCloseTo(1, 12);
    expect(cosine(vectors[0]!, vectors[2]!)).toBeCloseTo(1, 12);
    // "park" is in one question only: what is left of it is "allot", shared by all three.
    expect(vectors[1]!.ids).toHaveLength(1);
    expect(cosine(vectors[1]!, vectors[0]!)).toBeGreaterThan(0);
    expect(cosine(vectors[1]!, vectors[0]!)).toBeLessThan(1);
  });

  it('puts questions together down to the threshold, the most central first', () => {
    expect(indices(clusterQuestions(LISTS, 0.3))).toEqual([[0, 1, 6], [2, 3, 4], [5], [7]]);
    expect(indices(clusterQuestions(LISTS, 0.5))).toEqual([[0, 1, 6], [2, 3], [4], [5], [7]]);
    expect(indices(clusterQuestions(LISTS, 0.9))).toEqual([[0, 1], [2, 3], [4], [5], [6], [7]]);
  });

  it('does not chain two topics together through a question that shares a word with each (average, not single, linkage)', () => {
    // "rent park" is 0.43 like the rent questions and 0.49 like the park ones: closest-pair
    // linkage at 0.1 would make one group of all six.
    expect(indices(clusterQuestions(LISTS, 0.1))).toEqual([[6, 0, 1, 7], [2, 3, 4], [5]]);
  });

  it('gives each member its mean similarity to the others as its centrality', () => {
    const [rent] = clusterQuestions(LISTS, 0.3);
    const vectors = tfidfVectors(LISTS);
    const expected = (i: number, others: number[]) => others.reduce((s, o) => s + cosine(vectors[i]!, vectors[o]!), 0) / others.length;
    expect(rent!.map((m) => m.centrality)).toEqual([expected(0, [1, 6]), expected(1, [0, 6]), expected(6, [0, 1])]);
    expect(clusterQuestions([['a'], ['b']], 0.3).map((g) => g[0]!.centrality)).toEqual([1, 1]);
  });

  it('groups nothing when given nothing', () => {
    expect(clusterQuestions([], 0.3)).toEqual([]);
  });
});

describe('pairScores', () => {
  it('counts pairs put together that share a topic (precision) and pairs sharing a topic put together (recall)', () => {
    // Topics a a b b; grouping {0,1,2} {3}: pairs together 01 02 12 (01 right), pairs sharing 01 23.
    const scores = pairScores([[0, 1, 2], [3]], ['a', 'a', 'b', 'b']);
    expect([scores.precision, scores.recall]).toEqual([1 / 3, 1 / 2]);
    expect(scores.f1).toBeCloseTo(0.4, 12);
    expect(pairScores([[0, 1], [2, 3]], ['a', 'a', 'b', 'b'])).toEqual({ precision: 1, recall: 1, f1: 1 });
  });
});

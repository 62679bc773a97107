import { accuracy, median, metrics, percentile, pickThreshold, predict, type Prediction } from '../../../scripts/bench/protocol';

/** [gold, top, score] → Prediction; top null = the system had no candidate. */
const p = (gold: string, top: string | null, score: number): Prediction => ({ gold, top, score });

describe('predict', () => {
  it.each([
    ['above the threshold: the top intent', p('a', 'b', 0.7), 0.5, 'b'],
    ['exactly at the threshold: the top intent', p('a', 'a', 0.5), 0.5, 'a'],
    ['below the threshold: oos', p('a', 'a', 0.49), 0.5, 'oos'],
    ['no candidate: oos even at threshold 0', p('oos', null, 0), 0, 'oos'],
  ])('%s', (_, pred, t, expected) => {
    expect(predict(pred, t)).toBe(expected);
  });
});

describe('pickThreshold', () => {
  it.each<[string, Prediction[], number, number]>([
    ['no out-of-scope questions: the lowest score keeps everything', [p('a', 'a', 0.9), p('b', 'b', 0.5)], 0.5, 1],
    [
      'separable: the lowest in-scope score',
      [p('a', 'a', 0.9), p('oos', 'a', 0.2), p('b', 'b', 0.6), p('oos', 'b', 0.4)],
      0.6,
      1,
    ],
    // t=0.2: 2/4, t=0.4: 3/4, t=0.6: 2/4, t=0.8: 3/4 → tie between 0.4 and 0.8 → lowest.
    ['a tie goes to the lowest threshold', [p('a', 'a', 0.8), p('oos', 'a', 0.6), p('b', 'b', 0.4), p('oos', 'c', 0.2)], 0.4, 0.75],
    ['a question with no candidate is out-of-scope at any threshold', [p('oos', null, 0), p('a', 'a', 0.7)], 0.7, 1],
    // Only candidates are scores: the threshold never rises above the highest one.
    ['wrong tops: the highest score, which still answers that question', [p('a', 'b', 0.9), p('oos', 'a', 0.3)], 0.9, 0.5],
    // Equal scores move together: t=0.5 → a right, oos wrong, b right = 2/3; t=0.7 → b right, oos right, a wrong = 2/3.
    ['equal scores move together; tie → lowest', [p('a', 'a', 0.5), p('oos', 'b', 0.5), p('b', 'b', 0.7)], 0.5, 2 / 3],
    ['three questions at one score', [p('a', 'a', 0.5), p('oos', 'b', 0.5), p('oos', 'c', 0.5)], 0.5, 1 / 3],
    ['only out-of-scope questions and no candidates', [p('oos', null, 0), p('oos', null, 0)], 0, 1],
    ['nothing at all', [], 0, 0],
  ])('%s', (_, preds, threshold, acc) => {
    const got = pickThreshold(preds);
    expect(got.threshold).toBe(threshold);
    expect(got.accuracy).toBeCloseTo(acc, 12);
  });

  it('agrees with trying every distinct score on random predictions', () => {
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const intents = ['a', 'b', 'c', 'oos'];
    for (let round = 0; round < 200; round++) {
      const preds = Array.from({ length: 1 + Math.floor(random() * 30) }, () => {
        const gold = intents[Math.floor(random() * 4)]!;
        const top = random() < 0.1 ? null : intents[Math.floor(random() * 3)]!;
        // Few distinct values, so ties are common.
        return p(gold, top, top === null ? 0 : Math.round(random() * 10) / 10);
      });
      const candidates = [...new Set(preds.filter((x) => x.top !== null).map((x) => x.score))].sort((x, y) => x - y);
      let best = { threshold: candidates[0] ?? 0, accuracy: accuracy(preds, candidates[0] ?? 0) };
      for (const t of candidates) if (accuracy(preds, t) > best.accuracy) best = { threshold: t, accuracy: accuracy(preds, t) };
      const got = pickThreshold(preds);
      expect(got.threshold).toBe(best.threshold);
      expect(got.accuracy).toBeCloseTo(best.accuracy, 12);
    }
  });
});

describe('metrics', () => {
  it('counts in-scope accuracy, out-of-scope recall and precision after the threshold', () => {
    const preds = [
      p('a', 'a', 0.9), // a: right
      p('a', 'b', 0.8), // b: wrong, and wrong untuned
      p('b', 'b', 0.3), // oos: wrong, but right untuned
      p('oos', 'c', 0.7), // c: out-of-scope missed
      p('oos', 'a', 0.2), // oos: caught
      p('oos', null, 0), // oos: caught
    ];
    expect(metrics(preds, 0.5)).toEqual({
      inScopeAccuracy: 1 / 3,
      oosRecall: 2 / 3,
      oosPrecision: 2 / 3,
      accuracy: 3 / 6,
      untunedAccuracy: 2 / 3,
    });
  });

  it.each<[string, Prediction[], number, object]>([
    ['threshold 0 is the untuned top-1', [p('a', 'a', 0.1), p('b', 'a', 0.9), p('oos', 'a', 0.5)], 0, { inScopeAccuracy: 0.5, untunedAccuracy: 0.5, oosRecall: 0, oosPrecision: null }],
    ['no out-of-scope questions: recall is undefined', [p('a', 'a', 0.9), p('b', 'b', 0.1)], 0.5, { inScopeAccuracy: 0.5, oosRecall: null, oosPrecision: 0 }],
    ['only out-of-scope questions: in-scope figures are undefined', [p('oos', 'a', 0.9), p('oos', 'a', 0.1)], 0.5, { inScopeAccuracy: null, untunedAccuracy: null, oosRecall: 0.5, oosPrecision: 1, accuracy: 0.5 }],
    ['a score equal to the threshold answers', [p('a', 'a', 0.5), p('oos', 'a', 0.4)], 0.5, { inScopeAccuracy: 1, oosRecall: 1, oosPrecision: 1, accuracy: 1 }],
    ['a threshold above every score: all out-of-scope', [p('a', 'a', 0.5), p('oos', 'a', 0.4)], 0.6, { inScopeAccuracy: 0, untunedAccuracy: 1, oosRecall: 1, oosPrecision: 0.5 }],
  ])('%s', (_, preds, t, expected) => {
    expect(metrics(preds, t)).toMatchObject(expected);
  });
});

describe('median and percentile', () => {
  it.each<[number[], number]>([
    [[], 0],
    [[5], 5],
    [[3, 1, 2], 2],
    [[4, 1, 3, 2], 2.5],
  ])('median of %j is %d', (values, expected) => {
    expect(median(values)).toBe(expected);
  });

  const downFrom = (n: number) => Array.from({ length: n }, (_, i) => n - i);
  it.each<[string, number[], number, number]>([
    ['100..1', downFrom(100), 0.99, 99],
    ['1000..1', downFrom(1000), 0.99, 990],
    ['10..1', downFrom(10), 0.99, 10],
    ['10..1', downFrom(10), 0.5, 5],
    ['[7]', [7], 0.99, 7],
    ['[]', [], 0.99, 0],
  ])('nearest-rank percentile of %s at %d is %d', (_, values, q, expected) => {
    expect(percentile(values, q)).toBe(expected);
  });

  it('does not reorder its input', () => {
    const values = [3, 1, 2];
    median(values);
    percentile(values, 0.5);
    expect(values).toEqual([3, 1, 2]);
  });
});

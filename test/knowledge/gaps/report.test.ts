import { clusterId, reportGaps } from '../../../knowledge/gaps/report';
import type { Gap } from '../../../knowledge/gaps/store';
import { loadKnowledgeBase } from '../../../knowledge/loader';
import { Matcher } from '../../../knowledge/matcher';
import { FIXTURE_KB } from '../../fixtureKb';
import { WORD_VECTORS } from '../../bot/harness';

const kb = loadKnowledgeBase(FIXTURE_KB);
const knowledge = { kb, matcher: Matcher.build(kb, {}, WORD_VECTORS) };

let n = 0;
function gap(question: string, asker: string | undefined, kind: Gap['kind'] = 'not-understood', entryId?: string): Gap {
  n += 1;
  return {
    id: n,
    at: new Date(Date.UTC(2026, 10, 2, 9, n)).toISOString(),
    day: '2026-11-02',
    kind,
    question,
    ...(asker !== undefined && { asker }),
    ...(entryId !== undefined && { entryId }),
  };
}

// What the fixture knowledge base (Testshire: bins, the recycling centre, council tax, housing)
// cannot answer: allotments, parking permits, paying council tax by card (answered, not helpful).
const GAPS: Gap[] = [
  gap('How do I get an allotment?', 'a1'),
  gap('how do I get an allotment', 'a2'),
  gap('allotment waiting list', 'a3'),
  gap('can I rent an allotment plot', 'a3'),
  gap('renew my parking permit', 'p1'),
  gap('how much is a resident parking permit', undefined),
  gap('pay council tax with a credit card', 't1', 'not-helpful', 'council-tax-pay'),
  gap('pay council tax with a credit card', 't2', 'not-helpful', 'council-tax-pay'),
  gap('can I pay my council tax by card', 't3', 'none-of-these'),
  gap('[email]', 'x1'),
  gap('what is the meaning of life', 'x2'),
];

describe('reportGaps', () => {
  const report = reportGaps(GAPS, knowledge, { since: '2026-11-01' });

  it('groups similar questions, ranks the groups by residents then times asked, and counts what could not be grouped', () => {
    expect(report.since).toBe('2026-11-01');
    expect(report.totals).toEqual({ asked: 11, clusters: 4, notGrouped: 1 });
    expect(report.clusters.map((c) => [c.rank, c.id, c.residents, c.asked, c.questions.map((q) => [q.text, q.asked])])).toEqual([
      // "How do I get an allotment?" shares "how" with a parking question: it is the least central of its cluster.
      [1, clusterId('allotment waiting list'), 3, 4, [['allotment waiting list', 1], ['can I rent an allotment plot', 1], ['How do I get an allotment?', 2]]],
      [2, clusterId('pay council tax with a credit card'), 3, 3, [['pay council tax with a credit card', 2], ['can I pay my council tax by card', 1]]],
      // A question recorded without a conversation counts as one more resident.
      [3, clusterId('how much is a resident parking permit'), 2, 2, [['how much is a resident parking permit', 1], ['renew my parking permit', 1]]],
      [4, clusterId('what is the meaning of life'), 1, 1, [['what is the meaning of life', 1]]],
    ]);
  });

  it('names each cluster by its most central question, readable and stable', () => {
    expect(report.clusters.map((c) => c.id)).toEqual([
      expect.stringMatching(/^allotment-waiting-list-[0-9a-f]{6}$/),
      expect.stringMatching(/^pay-council-tax-credit-[0-9a-f]{6}$/),
      expect.stringMatching(/^resident-parking-permit-[0-9a-f]{6}$/),
      expect.stringMatching(/^meaning-life-[0-9a-f]{6}$/),
    ]);
    // The same data in another order gives the same report.
    expect(reportGaps([...GAPS].reverse(), knowledge, { since: '2026-11-01' })).toEqual(report);
  });

  it('gives the kinds, the entries that did not help, examples and when the cluster was asked', () => {
    const [allotments, card] = report.clusters;
    expect(allotments).toMatchObject({
      kinds: { 'not-understood': 4, 'none-of-these': 0, 'not-helpful': 0 },
      answeredWith: [],
      examples: ['allotment waiting list', 'can I rent an allotment plot', 'How do I get an allotment?'],
      firstAsked: GAPS[0]!.at,
      lastAsked: GAPS[3]!.at,
    });
    expect(card).toMatchObject({
      kinds: { 'not-understood': 0, 'none-of-these': 1, 'not-helpful': 2 },
      answeredWith: [{ id: 'council-tax-pay', title: 'Pay your Council Tax', count: 2 }],
    });
  });

  it('finds the closest existing entry with the bot’s matcher: its mean score over the cluster’s questions', () => {
    const [allotments, card] = report.clusters;
    const mean = (questions: string[], id: string) =>
      Math.round((questions.reduce((s, q) => s + (knowledge.matcher.match(q, 5).find((c) => c.id === id)?.score ?? 0), 0) / questions.length) * 1000) / 1000;
    expect(card!.closest).toEqual({
      id: 'council-tax-pay',
      title: 'Pay your Council Tax',
      department: 'council-tax',
      score: mean(['pay council tax with a credit card', 'can I pay my council tax by card'], 'council-tax-pay'),
    });
    // Nothing in Testshire's knowledge base is about allotments: whatever is closest scores low.
    expect(allotments!.closest!.score).toBeLessThan(0.2);
  });

  it('groups only the most recently asked questions beyond the limit, and counts the rest as not grouped', () => {
    const limited = reportGaps(GAPS, knowledge, { maxQuestions: 2 });
    expect(limited.totals).toEqual({ asked: 11, clusters: 2, notGrouped: 9 });
    expect(limited.clusters.flatMap((c) => c.questions.map((q) => q.text)).sort()).toEqual(['can I pay my council tax by card', 'what is the meaning of life']);
  });

  it('reports nothing to do when nothing was recorded', () => {
    expect(reportGaps([], knowledge)).toEqual({ since: null, threshold: 0.35, totals: { asked: 0, clusters: 0, notGrouped: 0 }, clusters: [] });
  });
});

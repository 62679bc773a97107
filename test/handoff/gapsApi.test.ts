import type { App } from '../../bot/index';
import { text } from '../../bot/replies';
import { SqlAgentStore } from '../../handoff/agents';
import type { GapReport } from '../../knowledge/gaps/report';
import { SqlGapStore, type NewGap } from '../../knowledge/gaps/store';
import { startApp, testConfig, withSql } from '../app';
import { messageTexts, repliesTo, residentMessage } from '../bot/residentClient';
import { call, login } from './consoleClient';

/**
 * Knowledge gaps end to end: residents' questions the bot cannot answer go through the real bot
 * over HTTP and are recorded (redacted); older ones are put straight into the store, for volume;
 * supervisors read the clusters at GET /api/console/gaps.
 */

/** Wednesday 25 November 2026, 10am: when the residents below talk to the bot. */
const clock = new Date('2026-11-25T10:00:00Z');

describe('knowledge gaps: recorded by the bot, reported to supervisors over real HTTP', () => {
  let app: App;
  let url: string;
  let config: ReturnType<typeof testConfig>;

  const say = async (conversation: string, words: string) =>
    messageTexts(await repliesTo(url, residentMessage(words, { conversation, serviceUrl: 'http://localhost:9' })));

  beforeAll(async () => {
    config = testConfig();
    await withSql(config, async (sql) => {
      const agents = new SqlAgentStore(sql);
      await agents.add({ name: 'Sue', departments: ['council-tax'], role: 'supervisor', password: 'sue-password-1' }, clock);
      await agents.add({ name: 'Ann', departments: ['waste'], password: 'ann-password-1' }, clock);
    });
    // Earlier weeks, straight into the store the app will open.
    await withSql(config, async (sql) => {
      const gaps = new SqlGapStore(sql, { timeZone: config.PARLEY_TIMEZONE });
      const seed = (gap: NewGap, at: string) => gaps.record(gap, new Date(at));
      await seed({ kind: 'not-understood', question: 'parking permit for my street', conversationId: 'old-p1' }, '2026-10-20T09:00:00Z');
      await seed({ kind: 'not-understood', question: 'renew my parking permit', conversationId: 'old-p2' }, '2026-10-21T09:00:00Z');
      await seed({ kind: 'not-understood', question: 'allotment waiting list', conversationId: 'old-a1' }, '2026-10-22T09:00:00Z');
      await seed({ kind: 'not-helpful', question: 'pay council tax with a credit card', entryId: 'council-tax-pay', conversationId: 'old-t1' }, '2026-11-10T09:00:00Z');
    });
    ({ app, url } = await startApp(config, { now: () => clock }));

    // Not understood ("I don't know"), twice in one conversation.
    expect(await say('c-1', 'Can I rent an allotment? Email me at ann@example.com')).toEqual([expect.stringMatching(/^Sorry, I don’t know the answer to that/)]);
    await say('c-1', 'allotment prices');
    await say('c-2', 'allotment waiting list');
    // "Did you mean" answered with "None of these".
    expect(await say('c-3', 'council tax help')).toEqual([text.didYouMean]);
    await say('c-3', text.noneOfThese);
    // Answered, and the resident says it did not help.
    expect(await say('c-4', 'how do I pay my council tax')).toContain(text.feedbackQuestion);
    await say('c-4', 'No');
    // Answered and it helped: nothing to record.
    await say('c-5', 'how do I pay my council tax');
    await say('c-5', 'Yes');
  }, 60_000);

  afterAll(() => app?.close());

  const recorded = () => withSql(config, (sql) => new SqlGapStore(sql, { timeZone: config.PARLEY_TIMEZONE }).list({ since: '2026-11-25' }));

  it('records each kind the bot met, redacted, with the entries involved and a hashed conversation', async () => {
    const gaps = await recorded();
    expect(gaps.map(({ kind, question, entryId, closest }) => ({ kind, question, entryId, closest: closest?.id }))).toEqual([
      { kind: 'not-understood', question: 'Can I rent an allotment? Email me at [email]', entryId: undefined, closest: expect.any(String) },
      { kind: 'not-understood', question: 'allotment prices', entryId: undefined, closest: expect.any(String) },
      { kind: 'not-understood', question: 'allotment waiting list', entryId: undefined, closest: expect.any(String) },
      { kind: 'none-of-these', question: 'council tax help', entryId: undefined, closest: 'council-tax-arrears' },
      { kind: 'not-helpful', question: 'how do I pay my council tax', entryId: 'council-tax-pay', closest: 'council-tax-pay' },
    ]);
    expect(gaps.every((g) => g.at === clock.toISOString() && g.day === '2026-11-25')).toBe(true);
    // One conversation, one asker; the conversation id itself is nowhere.
    expect(gaps[0]!.asker).toBe(gaps[1]!.asker);
    expect(new Set(gaps.map((g) => g.asker)).size).toBe(4);
    const stored = await withSql(config, async (sql) => JSON.stringify(await sql.all('SELECT * FROM knowledge_gaps')));
    expect(stored).not.toContain('ann@example.com');
    expect(stored).not.toContain('c-1');
  });

  it('shows a supervisor the clusters: questions, ranked by residents, with the closest entry', async () => {
    const sue = await login(url, 'Sue', 'sue-password-1');
    const res = await call(url, sue, 'GET', '/api/console/gaps');
    expect(res.status).toBe(200);
    const report = res.body as GapReport;
    expect(report.totals).toEqual({ asked: 9, clusters: 3, notGrouped: 0 });
    expect(report.clusters.map((c) => c.id)).toEqual(['allotment-waiting-list-36531e', 'pay-council-tax-8da163', 'parking-permit-street-3186c0']);
    expect(report.clusters.map((c) => [c.rank, c.residents, c.asked, c.questions.map((q) => q.text).sort(), c.closest?.id])).toEqual([
      [1, 3, 4, ['Can I rent an allotment? Email me at [email]', 'allotment prices', 'allotment waiting list'], 'bins-collection-day'],
      [2, 3, 3, ['council tax help', 'how do I pay my council tax', 'pay council tax with a credit card'], 'council-tax-pay'],
      [3, 2, 2, ['parking permit for my street', 'renew my parking permit'], 'council-tax-pay'],
    ]);
    const [allotments, councilTax, parking] = report.clusters;
    // Nothing in Testshire's knowledge base is about allotments or parking: the closest entries are far off.
    expect(allotments!.closest!.score).toBeLessThan(0.2);
    expect(parking!.closest!.score).toBeLessThan(0.2);
    expect(councilTax).toMatchObject({
      kinds: { 'not-understood': 0, 'none-of-these': 1, 'not-helpful': 2 },
      answeredWith: [{ id: 'council-tax-pay', title: 'Pay your Council Tax', count: 2 }],
      closest: { id: 'council-tax-pay', title: 'Pay your Council Tax', department: 'council-tax' },
    });
    expect(allotments!.questions.find((q) => q.text === 'allotment waiting list')!.asked).toBe(2);
  });

  it('filters by date: since 1 November, October’s questions drop out', async () => {
    const sue = await login(url, 'Sue', 'sue-password-1');
    const report = (await call(url, sue, 'GET', '/api/console/gaps?since=2026-11-01')).body as GapReport;
    expect(report.since).toBe('2026-11-01');
    expect(report.clusters.map((c) => [c.residents, c.asked, c.questions.map((q) => q.text).sort()])).toEqual([
      [3, 3, ['council tax help', 'how do I pay my council tax', 'pay council tax with a credit card']],
      [2, 3, ['Can I rent an allotment? Email me at [email]', 'allotment prices', 'allotment waiting list']],
    ]);
    const later = (await call(url, sue, 'GET', '/api/console/gaps?since=2026-11-26')).body as GapReport;
    expect(later).toMatchObject({ since: '2026-11-26', totals: { asked: 0, clusters: 0 }, clusters: [] });
  });

  it('is for supervisors: 401 without a session, 403 for an agent, 400 for a date that is not one', async () => {
    expect(await call(url, {}, 'GET', '/api/console/gaps')).toMatchObject({ status: 401, body: { error: 'not-signed-in' } });
    const ann = await login(url, 'Ann', 'ann-password-1');
    expect(await call(url, ann, 'GET', '/api/console/gaps')).toMatchObject({ status: 403, body: { error: 'supervisors-only' } });
    const sue = await login(url, 'Sue', 'sue-password-1');
    for (const since of ['yesterday', '2026-02-30', '25/11/2026']) {
      expect(await call(url, sue, 'GET', `/api/console/gaps?since=${encodeURIComponent(since)}`)).toMatchObject({ status: 400, body: { error: 'bad-request' } });
    }
  });
});

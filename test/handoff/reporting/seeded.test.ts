import type { Config } from '../../../bot/config';
import type { App } from '../../../bot/index';
import type { Figures } from '../../../handoff/reporting/figures';
import { startApp, testConfig, withSql } from '../../app';
import { call, login } from '../consoleClient';
import { startStandInChannel, type StandInChannel } from '../standInChannel';
import { addAgents, ANN, PERIOD, playScenario, REPORT_TIME, SAM, SCENARIO_ENV } from './scenario';

/**
 * The figures of a known set of conversations, played through the real bot and desk over HTTP
 * (scenario.ts), each worked out by hand from what the conversations do:
 *
 * | conversation | day, time | what happens | contained |
 * | --- | --- | --- | --- |
 * | c0 | Sun 22 12:00 | answered (before the period) | – |
 * | c1 | Mon 23 09:00 | council tax answered; Yes, it helped | yes |
 * | c2 | Mon 09:05 | bin day answered (postcode); No; offered a person (feedback), No thanks | no: last feedback No |
 * | c3 | Mon 09:10 | asks for a person (asked); queued, picked up 09:12, closed 09:30; rates 5 | no |
 * | c4 | Mon 09:15 | asked; queued, picked up 09:20 (Ann holds two), closed 09:50; rates 2 | no |
 * | c5 | Mon 09:25 | asked; overflow (two chats held); leaves a message, never answered | no |
 * | c6 | Mon 09:40 | asked; queued; cancels at 09:45 before pick-up | no |
 * | c7 | Mon 10:00 | not understood twice; offered a person (misses), No thanks | no: last question not understood |
 * | c8 | Mon 10:30 | homeless: answered, urgent offer accepted; nobody on duty for Housing; message, answered 12:03 | no |
 * | c9 | Mon 11:00 | recycling centre answered; Yes | yes |
 * | c10 | Tue 24 09:00 | did you mean; picks recycling centre; No; accepts a person (feedback); Waste closed; no message | no |
 * | c11 | Tue 09:30 | asked; picked up 09:31, transferred to Waste 09:35, picked up 09:40, closed 09:50; asks about council tax instead of rating | no |
 * | c12 | Tue 10:00 | asked; picked up 10:05, handed back 10:10 | no |
 * | c13 | Tue 10:20 | asked; still waiting at 10:30 | no |
 * | c14 | Tue 10:25 | hello (small talk) | yes |
 */
describe('reporting figures from conversations played through the bot and the desk', () => {
  let app: App;
  let url: string;
  let config: Config;
  let channel: StandInChannel;
  let clock = new Date('2026-11-22T12:00:00Z');

  beforeAll(async () => {
    channel = await startStandInChannel();
    config = testConfig(SCENARIO_ENV);
    await addAgents(config);
    ({ app, url } = await startApp(config, { now: () => clock }));
    await playScenario({ url, serviceUrl: channel.serviceUrl, setClock: (at) => (clock = at) });
    clock = REPORT_TIME;
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await channel?.close();
  });

  const report = async (query: string) => {
    const sam = await login(url, SAM.name, SAM.password);
    return call(url, sam, 'GET', `/api/console/report?${query}`);
  };

  const empty = () => Array.from({ length: 7 }, () => Array<number>(24).fill(0));
  const hours = (cells: [number, number, number][]) => {
    const grid = empty();
    for (const [day, hour, n] of cells) grid[day]![hour] = n;
    return grid;
  };

  it('works out every figure for the period exactly', async () => {
    const res = await report(`from=${PERIOD.from}&to=${PERIOD.to}`);
    expect(res.status).toBe(200);
    const expected: Figures = {
      period: { from: '2026-11-23', to: '2026-11-24', department: null, timeZone: 'Europe/London' },
      // 14 started in the period (c0 did not); c1, c9 and c14 contained; 9 accepted a person.
      conversations: { started: 14, contained: 3, containmentRate: 3 / 14, handedOff: 9, handoffRate: 9 / 14 },
      daily: [
        { date: '2026-11-23', conversations: 9, contained: 2, containmentRate: 2 / 9 },
        { date: '2026-11-24', conversations: 5, contained: 1, containmentRate: 1 / 5 },
      ],
      handoffs: {
        byReason: [
          { reason: 'asked', offered: 7, accepted: 7, declined: 0, rate: 7 / 14 },
          { reason: 'misses', offered: 1, accepted: 0, declined: 1, rate: 0 },
          { reason: 'feedback', offered: 2, accepted: 1, declined: 1, rate: 1 / 14 },
          { reason: 'urgent', offered: 1, accepted: 1, declined: 0, rate: 1 / 14 },
          { reason: 'topic', offered: 0, accepted: 0, declined: 0, rate: 0 },
          { reason: 'lookup', offered: 0, accepted: 0, declined: 0, rate: 0 },
        ],
        unavailable: [
          { reason: 'closed', count: 1 },
          { reason: 'nobody-on-duty', count: 1 },
          { reason: 'overflow', count: 1 },
        ],
      },
      // Asked: 13 answered straight away (c11 twice), c10's "Did you mean", c7's two not understood.
      questions: { asked: 16, answered: 13, didYouMean: 1, notUnderstood: 2, notUnderstoodRate: 2 / 16 },
      topEntries: [
        { entry: 'human', title: 'Talk to a person', answered: 7 },
        { entry: 'council-tax-pay', title: 'Pay your Council Tax', answered: 2 },
        { entry: 'recycling-centre', title: 'Household waste recycling centre', answered: 2 },
        { entry: 'bins-collection-day', title: 'Find your bin collection day', answered: 1 },
        { entry: 'greeting', title: 'Hello', answered: 1 },
        { entry: 'homelessness', title: 'Homeless or at risk of homelessness', answered: 1 },
      ],
      feedback: [
        { entry: 'bins-collection-day', title: 'Find your bin collection day', yes: 0, no: 1, yesRate: 0 },
        { entry: 'recycling-centre', title: 'Household waste recycling centre', yes: 1, no: 1, yesRate: 0.5 },
        { entry: 'council-tax-pay', title: 'Pay your Council Tax', yes: 1, no: 0, yesRate: 1 },
      ],
      // Queued: c3, c4, c6, c11, c12, c13. Waits to the first pick-up: 120, 300, 60, 300 s.
      queue: { queued: 6, pickedUp: 4, abandoned: 1, abandonmentRate: 1 / 6, stillWaiting: 1, waitSeconds: { count: 4, median: 210, p90: 300 } },
      // c3 1080 s, c4 1800 s, c11 600 s (from its second pick-up), c12 300 s.
      handling: { chats: 4, seconds: { count: 4, median: 840, p90: 1800 } },
      ratings: {
        count: 2,
        average: 3.5,
        distribution: [
          { rating: 1, count: 0 },
          { rating: 2, count: 1 },
          { rating: 3, count: 0 },
          { rating: 4, count: 0 },
          { rating: 5, count: 1 },
        ],
      },
      leftMessages: {
        left: 2,
        answered: 1,
        open: 1,
        byReason: [
          { reason: 'closed', count: 0 },
          { reason: 'nobody-on-duty', count: 1 },
          { reason: 'overflow', count: 1 },
        ],
        replySeconds: { count: 1, median: 5400, p90: 5400 },
      },
      agents: [
        {
          agent: '1',
          name: 'Ann Smith',
          pickedUp: 5,
          chats: 4,
          handlingSeconds: { count: 4, median: 840, p90: 1800 },
          ratings: { count: 2, average: 3.5 },
          // Monday 09:12-09:50 (38 min) holding c3 (18 min) and c4 (30 min); Tuesday 4 + 10 + 5 min holding one.
          concurrent: { peak: 2, average: (48 + 19) / (38 + 19) },
        },
      ],
      busiestHours: {
        conversations: hours([
          [0, 9, 6],
          [0, 10, 2],
          [0, 11, 1],
          [1, 9, 2],
          [1, 10, 3],
        ]),
        handoffs: hours([
          [0, 9, 4],
          [0, 10, 1],
          [1, 9, 2],
          [1, 10, 2],
        ]),
      },
      // The defaults: £3 a call, £2 a chat. 3 contained × £3 + 4 chats × £1.
      savings: { costPerCall: 3, costPerChat: 2, containedConversations: 3, chatsHandled: 4, fromContained: 9, fromChats: 4, total: 13 },
    };
    expect(res.body).toEqual(expected);
  });

  it('narrows the figures to a department', async () => {
    const res = await report(`from=${PERIOD.from}&to=${PERIOD.to}&department=waste`);
    expect(res.status).toBe(200);
    const f = res.body as Figures;
    // c2 (bin day), c9 and c10 (recycling centre) were about Waste; only c9 was contained.
    expect(f.period.department).toBe('waste');
    expect(f.conversations).toEqual({ started: 3, contained: 1, containmentRate: 1 / 3, handedOff: 1, handoffRate: 1 / 3 });
    expect(f.handoffs.unavailable).toEqual([
      { reason: 'closed', count: 1 },
      { reason: 'nobody-on-duty', count: 0 },
      { reason: 'overflow', count: 0 },
    ]);
    // c11's chat was queued for Customer Services and only transferred to Waste: it counts there.
    expect(f.queue.queued).toBe(0);
    expect(f.agents).toEqual([]);
    expect(f.leftMessages.left).toBe(0);
  });

  it('counts a conversation on the day it started, in the council’s time zone', async () => {
    const sunday = (await report('from=2026-11-22&to=2026-11-22')).body as Figures;
    expect(sunday.conversations.started).toBe(1);
    expect(sunday.topEntries).toEqual([{ entry: 'council-tax-pay', title: 'Pay your Council Tax', answered: 1 }]);
    const tuesday = (await report('from=2026-11-24&to=2026-11-24')).body as Figures;
    expect(tuesday.conversations.started).toBe(5);
    expect(tuesday.queue).toMatchObject({ queued: 3, pickedUp: 2, stillWaiting: 1 });
  });

  it('defaults to the last 30 days to today', async () => {
    const f = (await report('')).body as Figures;
    expect(f.period).toMatchObject({ from: '2026-10-26', to: '2026-11-24' });
    expect(f.conversations.started).toBe(15);
  });

  it('keeps no resident’s words, contact details or conversation ids in the events', async () => {
    const rows = await withSql(config, (sql) => sql.all<{ conversation: string | null; data: string }>('SELECT conversation, data FROM report_events'));
    expect(rows.length).toBeGreaterThan(80);
    const stored = JSON.stringify(rows);
    for (const personal of ['rep-c', 'jo@example.org', '07700', 'allotment', 'evicted', 'TE1 1AA', 'nowhere to sleep', 'council tax bill']) {
      expect(stored).not.toContain(personal);
    }
  });

  it('is for supervisors only', async () => {
    const ann = await login(url, ANN.name, ANN.password);
    expect(await call(url, ann, 'GET', '/api/console/report')).toMatchObject({ status: 403, body: { error: 'supervisors-only' } });
    expect(await call(url, {}, 'GET', '/api/console/report')).toMatchObject({ status: 401, body: { error: 'not-signed-in' } });
  });

  it.each([
    ['from=2026-11-24&to=2026-11-23', 'to: must not be before from'],
    ['from=2025-01-01&to=2026-11-24', 'to: a period is at most 366 days'],
    ['from=24/11/2026', 'from:'],
    ['department=parks', 'department: there is no department "parks"'],
  ])('refuses %s with 400', async (query, message) => {
    const res = await report(query);
    expect(res).toMatchObject({ status: 400, body: { error: 'bad-request' } });
    expect(res.body!.message).toContain(message);
  });
});

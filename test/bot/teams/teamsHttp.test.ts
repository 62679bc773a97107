import type { Activity } from 'botbuilder';
import type { Config } from '../../../bot/config';
import type { App } from '../../../bot/index';
import type { AdaptiveCard } from '../../../bot/teams/cards';
import { SqlAgentStore } from '../../../handoff/agents';
import { SqlEscalationQueue } from '../../../handoff/queue';
import { startApp, testConfig, withSql } from '../../app';
import { login } from '../../handoff/consoleClient';
import { startStandInChannel, type StandInChannel } from '../../handoff/standInChannel';
import { repliesTo } from '../residentClient';
import { adaptiveCard, imBackValues, teamsMessage, TENANT, type TeamsOptions } from './teamsActivity';

/**
 * Teams end to end over real HTTP: the app as `npm start` builds it (CloudAdapter, restify, SQLite),
 * Teams-shaped activities posted to /api/messages with deliveryMode expectReplies, and two local
 * Bot Connector stand-ins: the residents' Teams conversations, and the officers' channel that
 * PARLEY_TEAMS_ESCALATION_CHANNEL points at.
 */

// Wednesday 25 November 2026, 10:00 in London: the fixture's Customer Services is open.
const NOW = new Date('2026-11-25T10:00:00Z');
const OFFICERS_CHANNEL = '19:duty-officers@thread.tacv2';
const PUBLIC_URL = 'https://chat.testshire.example';

describe('Parley in Teams, over real HTTP', () => {
  let app: App;
  let url: string;
  let config: Config;
  let residents: StandInChannel;
  let officers: StandInChannel;
  let errors: string[];

  beforeAll(async () => {
    residents = await startStandInChannel();
    officers = await startStandInChannel();
    config = testConfig({
      PARLEY_PUBLIC_URL: PUBLIC_URL,
      PARLEY_TEAMS_ESCALATION_CHANNEL: JSON.stringify({ serviceUrl: officers.serviceUrl, conversationId: OFFICERS_CHANNEL, tenantId: TENANT }),
    });
    await withSql(config, (sql) => new SqlAgentStore(sql).add({ name: 'Ann Smith', departments: ['customer-services'], password: 'ann-password-1' }, NOW));
  });
  afterAll(async () => {
    await residents.close();
    await officers.close();
  });

  beforeEach(async () => {
    errors = [];
    officers.failing = false;
    officers.received.length = 0;
    ({ app, url } = await startApp(config, { now: () => NOW, log: { info: () => undefined, error: (m: string) => errors.push(m) } }));
  });
  afterEach(async () => {
    await app?.close();
  });

  async function say(text: string, options: TeamsOptions): Promise<Partial<Activity>[]> {
    return (await repliesTo(url, teamsMessage(text, { serviceUrl: residents.serviceUrl, ...options }))).filter((a) => a.type === 'message');
  }
  const texts = (replies: Partial<Activity>[]) => replies.map((r) => r.text);

  /** An agent on duty: the desk queues residents instead of offering to take a message. */
  const signInAgent = () => login(url, 'Ann Smith', 'ann-password-1');

  const waitingEscalations = () => withSql(config, (sql) => new SqlEscalationQueue(sql).waiting());

  it('answers an @mention in a channel and gives its choices as a card; a click answers like the typed words', async () => {
    const replies = await say('how do I pay my council tax', { scope: 'channel', thread: 'h1' });
    expect(texts(replies)).toEqual([
      'You can pay your Council Tax online, by Direct Debit or by phone.\n\n**More information**\n\n- [Pay Council Tax](https://www.testshire.example/council-tax/pay)',
      'Did this answer your question?',
    ]);
    expect(replies[1]!.suggestedActions).toBeUndefined();
    expect(imBackValues(replies[1])).toEqual(['Yes', 'No']);

    // Clicking "No" on the card: Teams posts the imBack value as the resident's message.
    const offer = await say('No', { scope: 'channel', thread: 'h1', mention: false });
    expect(texts(offer)).toEqual(['Sorry that didn’t answer your question.', 'Would you like me to connect you with someone from Council Tax?']);
    expect(imBackValues(offer[1])).toEqual(['Yes, connect me', 'No thanks']);
  });

  it('keeps suggested actions in a personal chat', async () => {
    const replies = await say('how do I pay my council tax', { scope: 'personal', thread: 'h2' });
    expect(replies[1]!.suggestedActions!.actions.map((a) => a.title)).toEqual(['Yes', 'No']);
    expect(adaptiveCard(replies[1])).toBeUndefined();
  });

  it('tells the officers’ Teams channel, once, when a resident joins the queue', async () => {
    await signInAgent();
    await say('talk to a person', { scope: 'personal', thread: 'h3' });
    expect((await say('Yes, connect me', { scope: 'personal', thread: 'h3' }))[0]!.text).toMatch(/^You’re number 1 in the queue for Customer Services\./);
    const [waiting] = (await waitingEscalations()).filter((e) => e.conversationId === 'a:1personal-h3');
    expect(waiting).toBeDefined();

    // Closing waits for cards on their way, so what the channel has now is all it will get.
    await app.close();
    expect(officers.received).toHaveLength(1);
    const { path: posted, body } = officers.received[0] as { path: string; body: { attachments: { contentType: string; content: AdaptiveCard }[] } };
    expect(posted).toBe(`/v3/conversations/${encodeURIComponent(OFFICERS_CHANNEL)}/activities`);
    expect(body.attachments.map((a) => a.contentType)).toEqual(['application/vnd.microsoft.card.adaptive']);
    const card = body.attachments[0]!.content;
    const facts = Object.fromEntries((card.body.find((e) => e.type === 'FactSet')!.facts as { title: string; value: string }[]).map((f) => [f.title, f.value]));
    expect(facts).toEqual({
      Department: 'Customer Services',
      Priority: 'Normal',
      Reason: 'The resident asked for a person',
      Summary: 'Asked for a person (asked)',
      'Waiting since': 'today at 10am',
    });
    expect(card.actions).toEqual([{ type: 'Action.OpenUrl', title: 'Pick up in the console', url: `${PUBLIC_URL}/console#escalation-${waiting!.id}` }]);
    // Nothing meant for the officers went to the resident's own conversation.
    expect(residents.received.filter((r) => JSON.stringify(r.body).includes('Pick up in the console'))).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('queues the resident all the same when the channel refuses the card, and logs it with the escalation id', async () => {
    officers.failing = true;
    await signInAgent();
    await say('talk to a person', { scope: 'personal', thread: 'h4' });
    expect((await say('Yes, connect me', { scope: 'personal', thread: 'h4' }))[0]!.text).toMatch(/^You’re number \d in the queue for Customer Services\./);
    await app.close();

    const [waiting] = (await waitingEscalations()).filter((e) => e.conversationId === 'a:1personal-h4');
    expect(waiting).toMatchObject({ status: 'waiting', department: 'customer-services' });
    expect(officers.received).toEqual([]);
    expect(errors).toEqual([expect.stringMatching(new RegExp(`^\\[teams notify\\] escalation ${waiting!.id} \\(customer-services\\): card not delivered`))]);
  });
});

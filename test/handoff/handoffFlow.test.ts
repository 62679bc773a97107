import type { Activity } from 'botbuilder';
import type { Config } from '../../bot/config';
import type { App } from '../../bot/index';
import { SqlAgentStore } from '../../handoff/agents';
import { SqlLeftMessageStore } from '../../handoff/leftMessages';
import { SqlEscalationQueue } from '../../handoff/queue';
import { startApp, testConfig, withSql } from '../app';
import { messageTexts, repliesTo, residentMessage } from '../bot/residentClient';
import { call, login, type SignedIn } from './consoleClient';
import { startStandInChannel, type StandInChannel } from './standInChannel';

// Wednesday 25 November 2026, 10:00 in London: the fixture's Customer Services is open.
let clock = new Date('2026-11-25T10:00:00Z');

describe('a resident reaches a person and back, over real HTTP', () => {
  let app: App;
  let url: string;
  let config: Config;
  let channel: StandInChannel;

  async function start() {
    ({ app, url } = await startApp(config, { now: () => clock }));
  }

  beforeAll(async () => {
    channel = await startStandInChannel();
    config = testConfig();
    await withSql(config, (sql) => new SqlAgentStore(sql).add({ name: 'Ann Smith', departments: ['customer-services'], password: 'ann-password-1' }, clock));
    await start();
  });
  afterAll(async () => {
    await app.close();
    await channel.close();
  });

  /** What the bot sent in the last turn, events included. */
  let lastActivities: Partial<Activity>[] = [];
  async function resident(text: string, conversation = 'flow-1'): Promise<string[]> {
    lastActivities = await repliesTo(url, residentMessage(text, { conversation, serviceUrl: channel.serviceUrl }));
    return messageTexts(lastActivities);
  }

  let agent: SignedIn;

  it('takes a message when nobody is signed in: question, contact checked, reply-by, stored for the department', async () => {
    await resident('talk to a person', 'flow-0');
    // Wednesday 10:00 plus 8 working hours: 7 hours to the 17:00 close, then 1 from 8:30 on Thursday.
    expect(await resident('Yes, connect me', 'flow-0')).toEqual([
      'Nobody from Customer Services can join this chat right now. You can leave a message and Customer Services will reply by Thursday 26 November at 9:30am. Would you like to leave a message?',
    ]);
    expect(lastActivities[0]!.suggestedActions!.actions.map((a) => a.title)).toEqual(['Leave a message', 'No thanks']);
    expect((await resident('Leave a message', 'flow-0'))[0]).toMatch(/^What would you like to tell Customer Services\?/);
    expect(await resident('My bin at BK3 4TN was missed. Card 4111 1111 1111 1111 was charged twice.', 'flow-0')).toEqual([
      'How should they reply to you? Please type your email address or a UK phone number.',
    ]);
    expect((await resident('call me maybe', 'flow-0'))[0]).toMatch(/^That doesn’t look like an email address or a UK phone number/);
    const left = (await resident('Jo.Bloggs@Example.org', 'flow-0'))[0]!;
    expect(left).toMatch(/^Thank you\. Your message has gone to Customer Services\. Your reference is M\d+\. They will reply by Thursday 26 November at 9:30am, by email to j\*\*\*@example\.org\.$/);

    // Stored for the department, never in the live queue: question redacted but for the postcode, contact as given.
    await withSql(config, async (sql) => {
      const [message] = await new SqlEscalationQueue(sql).messages(['customer-services']);
      expect(message).toMatchObject({ conversationId: 'flow-0', status: 'message', reason: 'nobody-on-duty', summary: 'Asked for a person (asked)' });
      expect(`M${message!.id}`).toBe(/reference is (M\d+)/.exec(left)![1]);
      expect(await new SqlLeftMessageStore(sql).get(message!.id)).toMatchObject({
        question: 'My bin at BK3 4TN was missed. Card [card] was charged twice.',
        contact: { kind: 'email', value: 'jo.bloggs@example.org' },
        replyBy: '2026-11-26T09:30:00.000Z',
      });
      expect(await new SqlEscalationQueue(sql).waiting()).toEqual([]);
    });
    // The conversation is the bot's again.
    expect((await resident('how do I pay my council tax', 'flow-0'))[0]).toMatch(/^You can pay your Council Tax online/);
  });

  it('lets a resident change their mind about leaving a message', async () => {
    await resident('talk to a person', 'flow-0b');
    await resident('Yes, connect me', 'flow-0b');
    await resident('Leave a message', 'flow-0b');
    expect(await resident('cancel', 'flow-0b')).toEqual(['OK, I haven’t sent a message. Is there anything else I can help with?']);
  });

  it('queues the resident when an agent is on duty, relays both ways, and hands back to the bot at close', async () => {
    agent = await login(url, 'Ann Smith', 'ann-password-1');

    await resident('talk to a person');
    expect(await resident('Yes, connect me')).toEqual([
      'You’re number 1 in the queue for Customer Services. Someone should be with you in a moment. Please keep this chat open. You can type cancel to leave the queue.',
    ]);
    // The standard Bot Framework handoff event follows, with the conversation so far, redacted.
    const handoff = lastActivities.find((a) => a.type === 'event');
    expect(handoff).toMatchObject({ name: 'handoff.initiate', value: { department: 'customer-services', priority: 'normal', reason: 'asked' } });
    const transcript = handoff!.attachments![0]!.content.activities as { text?: string; from: { role?: string } }[];
    expect(transcript.map((a) => a.text)).toEqual(expect.arrayContaining(['talk to a person', 'Yes, connect me']));
    expect(transcript[transcript.length - 1]).toMatchObject({ text: 'Yes, connect me', from: { role: 'user' } });

    // A question the knowledge base is sure of gets its answer meanwhile; place in the queue kept.
    const meanwhile = await resident('how do I pay my council tax');
    expect(meanwhile[0]).toMatch(/^While you wait, this may help:\n\nYou can pay your Council Tax online/);
    expect(meanwhile[1]).toMatch(/^You’re number 1 in the queue/);
    expect(await resident('hello? anyone there')).toEqual([
      'You’re number 1 in the queue. Someone will be with you as soon as they can. You can type cancel to leave the queue.',
    ]);

    const queue = await call(url, agent, 'GET', '/api/console/queue');
    const waiting = queue.body!.waiting as { id: number; summary: string; department: string }[];
    expect(waiting).toHaveLength(1);
    expect(waiting[0]).toMatchObject({ department: 'customer-services', summary: 'Asked for a person (asked)' });
    const id = waiting[0]!.id;

    expect(await call(url, agent, 'POST', `/api/console/escalations/${id}/pickup`)).toMatchObject({ status: 200, body: { residentNotified: true } });
    expect(channel.texts()).toContain('You are now chatting with Ann from Customer Services.');

    // The resident's words now go to Ann, not the bot, redacted as they are stored.
    expect(await resident('my number is 07700 900123, the bin was not emptied')).toEqual([]);
    const view = await call(url, agent, 'GET', `/api/console/escalations/${id}`);
    expect(view.body!.messages.map((m: { author: string; text: string }) => [m.author, m.text])).toEqual([['resident', 'my number is [phone], the bin was not emptied']]);

    await call(url, agent, 'POST', `/api/console/escalations/${id}/messages`, { text: 'Thanks, I have booked a collection for tomorrow.' });
    expect(channel.texts()).toContain('Thanks, I have booked a collection for tomorrow.');

    expect((await call(url, agent, 'POST', `/api/console/escalations/${id}/close`)).status).toBe(200);
    const closing = channel.received[channel.received.length - 1]!.body;
    expect(closing.text).toBe('This chat has ended. Thank you for contacting Customer Services. How would you rate this chat, from 1 (very poor) to 5 (very good)?');
    expect((closing as { suggestedActions: { actions: { value: string }[] } }).suggestedActions.actions.map((a) => a.value)).toEqual(['1 - Very poor', '2 - Poor', '3 - OK', '4 - Good', '5 - Very good']);
    // A rating just after the close is stored against the chat, once.
    expect(await resident('4 - Good')).toEqual(['Thank you for your rating. It helps us improve. Is there anything else I can help with?']);
    expect(await withSql(config, (sql) => new SqlEscalationQueue(sql).get(id))).toMatchObject({ status: 'closed', rating: 4 });
    expect((await resident('how do I pay my council tax'))[0]).toMatch(/^You can pay your Council Tax online/);
  });

  it('hands a resident back to the bot when the agent chooses to', async () => {
    await resident('talk to a person', 'flow-5');
    await resident('Yes, connect me', 'flow-5');
    const id = ((await call(url, agent, 'GET', '/api/console/queue')).body!.waiting as { id: number }[])[0]!.id;
    await call(url, agent, 'POST', `/api/console/escalations/${id}/pickup`);
    expect(await call(url, agent, 'POST', `/api/console/escalations/${id}/handback`)).toMatchObject({ status: 200, body: { escalation: { status: 'closed' } } });
    expect(channel.texts()).toContain('Customer Services has handed you back to the council’s assistant. You can ask me another question.');
    expect((await resident('how do I pay my council tax', 'flow-5'))[0]).toMatch(/^You can pay your Council Tax online/);
  });

  it('tells waiting residents their new place when the queue moves', async () => {
    await resident('talk to a person', 'flow-6a');
    await resident('Yes, connect me', 'flow-6a');
    await resident('talk to a person', 'flow-6b');
    expect((await resident('Yes, connect me', 'flow-6b'))[0]).toMatch(/^You’re number 2 in the queue/);
    const first = ((await call(url, agent, 'GET', '/api/console/queue')).body!.waiting as { id: number }[])[0]!.id;
    const before = channel.received.length;
    await call(url, agent, 'POST', `/api/console/escalations/${first}/pickup`);
    const sentSince = channel.received.slice(before);
    expect(sentSince.map((r) => [r.path.split('/')[3], r.body.text])).toEqual([
      ['flow-6a', 'You are now chatting with Ann from Customer Services.'],
      ['flow-6b', 'You’re now number 1 in the queue. Someone should be with you in a moment.'],
    ]);
    // Transferring the one left tells them where they have gone and their place there.
    const second = ((await call(url, agent, 'GET', '/api/console/queue')).body!.waiting as { id: number }[])[0]!.id;
    expect((await call(url, agent, 'POST', `/api/console/escalations/${second}/transfer`, { department: 'housing' })).status).toBe(200);
    expect(channel.texts()).toContain('I’ve passed you to Housing Options. You’re number 1 in their queue.');
    await call(url, agent, 'POST', `/api/console/escalations/${first}/close`);
    await resident('cancel', 'flow-6b');
  });

  it('lets a waiting resident leave the queue with "cancel", and moves up the one behind', async () => {
    await resident('talk to a person', 'flow-2');
    expect((await resident('Yes, connect me', 'flow-2'))[0]).toMatch(/^You’re number 1 in the queue/);
    await resident('talk to a person', 'flow-2b');
    expect((await resident('Yes, connect me', 'flow-2b'))[0]).toMatch(/^You’re number 2 in the queue/);
    const before = channel.received.length;
    expect(await resident('cancel', 'flow-2')).toEqual(['You’ve left the queue. Is there anything else I can help with?']);
    // The announcement goes out after the turn, proactively: wait for it to land.
    for (let i = 0; i < 100 && channel.received.length === before; i++) await new Promise((r) => setTimeout(r, 20));
    expect(channel.received.slice(before).map((r) => [r.path.split('/')[3], r.body.text])).toEqual([
      ['flow-2b', 'You’re now number 1 in the queue. Someone should be with you in a moment.'],
    ]);
    await resident('cancel', 'flow-2b');
    expect((await call(url, agent, 'GET', '/api/console/queue')).body!.waiting).toEqual([]);
  });

  it('keeps a waiting resident in the queue across a restart', async () => {
    await resident('talk to a person', 'flow-3');
    await resident('Yes, connect me', 'flow-3');
    await app.close();
    await start();
    expect(await resident('still there?', 'flow-3')).toEqual([
      'You’re number 1 in the queue. Someone will be with you as soon as they can. You can type cancel to leave the queue.',
    ]);
  });

  it('says the department is closed out of hours', async () => {
    clock = new Date('2026-11-28T10:00:00Z'); // a Saturday
    await resident('talk to a person', 'flow-4');
    expect((await resident('Yes, connect me', 'flow-4'))[0]).toBe(
      'Customer Services is closed right now, so nobody can chat. You can leave a message and Customer Services will reply by Monday 30 November at 4:30pm. Would you like to leave a message?',
    );
    expect(await resident('No thanks', 'flow-4')).toEqual([
      'No problem. You can also call Customer Services on 01632 960 000 (Monday to Thursday 8:30am to 5pm, Friday 8:30am to 4:30pm) or email customerservices@testshire.example. Is there anything else I can help with?',
    ]);
  });
});

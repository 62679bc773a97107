import type http from 'node:http';
import restify from 'restify';
import { openDatabase, SqliteBackend } from '../../bot/db';
import { migrateAll } from '../../bot/db/schemas';
import { createApp, type App } from '../../bot/index';
import { SqlAgentStore } from '../../handoff/agents';
import { InProcessDeskEvents, type DeskEvent } from '../../handoff/events';
import { SqlLeftMessageStore, type Contact } from '../../handoff/leftMessages';
import { mountMessagesApi } from '../../handoff/messagesApi';
import { SqlEscalationQueue } from '../../handoff/queue';
import { SqlSessionStore } from '../../handoff/sessions';
import { silentLog, startApp, testConfig, withSql } from '../app';
import { messageTexts, repliesTo, residentMessage } from '../bot/residentClient';
import { listenLocally, startHttpServer } from '../localServer';
import { tempDbFile } from '../tempDb';
import { call, login } from './consoleClient';
import { startSmtpStandIn } from './smtpStandIn';
import { startStandInChannel } from './standInChannel';

/** Thursday 26 November 2026, 9am in London: the morning after the messages were left. */
const clock = new Date('2026-11-26T09:00:00Z');
const evening = (minutes: number) => new Date(Date.parse('2026-11-25T19:00:00Z') + minutes * 60_000);

/** Agents and left messages written into a database file before (or beside) the app. */
async function seed(file: string) {
  const backend = new SqliteBackend(openDatabase(file));
  await migrateAll(backend.sql);
  const agents = new SqlAgentStore(backend.sql);
  await agents.add({ name: 'Ann', departments: ['waste'], password: 'ann-password-1' }, clock);
  await agents.add({ name: 'Hal', departments: ['housing'], password: 'hal-password-1' }, clock);
  await agents.add({ name: 'Sue', departments: ['council-tax'], role: 'supervisor', password: 'sue-password-1' }, clock);
  const queue = new SqlEscalationQueue(backend.sql);
  const store = new SqlLeftMessageStore(backend.sql);
  const leave = async (department: string, question: string, contact: Contact, at: Date, channels: ('email' | 'webhook')[] = []) => {
    const e = await queue.leaveMessage({ conversationId: `c-${question}`, reference: {}, department, priority: 'normal', reason: 'closed', summary: question }, at);
    await store.add({ escalationId: e.id, question, contact, replyBy: new Date('2026-11-26T16:30:00Z'), deliveries: channels.map((channel) => ({ channel, payload: {} })) }, at);
    return e.id;
  };
  const ids = {
    bin: await leave('waste', 'My bin was missed at BK3 4TN', { kind: 'email', value: 'pat@example.com' }, evening(0), ['email', 'webhook']),
    housing: await leave('housing', 'I have been told to leave my flat', { kind: 'phone', value: '07700 900123' }, evening(5)),
    box: await leave('waste', 'Can I have a new recycling box?', { kind: 'phone', value: '01632 960 444' }, evening(10), ['webhook']),
    chat: (await queue.enqueue({ conversationId: 'c-chat', reference: {}, department: 'waste', priority: 'normal', reason: 'asked' }, evening(0))).escalation.id,
  };
  // Delivery history, all settled or scheduled after the clock, so the app's own worker leaves it alone.
  const [email, webhook] = (await store.deliveries([ids.bin])).get(ids.bin)!;
  await store.markDelivered(email!.id, evening(0));
  for (let i = 0; i < 5; i++) await store.markFailed(webhook!.id, 'HTTP 503', new Date(clock.getTime() + 3600_000));
  const [boxHook] = (await store.deliveries([ids.box])).get(ids.box)!;
  await store.markFailed(boxHook!.id, 'fetch failed (ECONNREFUSED)', new Date(clock.getTime() + 3600_000));
  return { backend, agents, queue, store, ids };
}

describe('left messages in the console API, over real HTTP', () => {
  let app: App;
  let url: string;
  let ids: Awaited<ReturnType<typeof seed>>['ids'];

  beforeAll(async () => {
    const config = testConfig();
    const seeded = await seed(config.databaseFile);
    ids = seeded.ids;
    await seeded.backend.close();
    ({ app, url } = await startApp(config, { now: () => clock }));
  });
  afterAll(() => app.close());

  it('refuses every left-message route without a session', async () => {
    for (const [method, route] of [
      ['GET', '/api/console/messages'],
      ['GET', `/api/console/messages/${ids.bin}`],
      ['POST', `/api/console/messages/${ids.bin}/answer`],
    ] as const) {
      expect(await call(url, {}, method, route)).toMatchObject({ status: 401, body: { error: 'not-signed-in' } });
    }
  });

  it('lists an agent’s open messages, their departments only, oldest first, with how delivery went', async () => {
    const ann = await login(url, 'Ann', 'ann-password-1');
    const res = await call(url, ann, 'GET', '/api/console/messages');
    expect(res.status).toBe(200);
    expect(res.body!.messages.map((m: { id: number }) => m.id)).toEqual([ids.bin, ids.box]);
    expect(res.body!.messages[0]).toEqual({
      id: ids.bin,
      department: 'waste',
      departmentName: 'Waste and Recycling',
      reason: 'closed',
      question: 'My bin was missed at BK3 4TN',
      contact: { kind: 'email', value: 'pat@example.com' },
      leftAt: '2026-11-25T19:00:00.000Z',
      replyBy: '2026-11-26T16:30:00.000Z',
      status: 'open',
      answer: null,
      deliveries: [
        { channel: 'email', state: 'delivered', attempts: 1, deliveredAt: '2026-11-25T19:00:00.000Z', lastError: null },
        { channel: 'webhook', state: 'failing', attempts: 5, deliveredAt: null, lastError: 'HTTP 503' },
      ],
    });
    expect(res.body!.messages[1].deliveries).toEqual([{ channel: 'webhook', state: 'pending', attempts: 1, deliveredAt: null, lastError: 'fetch failed (ECONNREFUSED)' }]);
  });

  it('shows a supervisor every department’s messages', async () => {
    const sue = await login(url, 'Sue', 'sue-password-1');
    const res = await call(url, sue, 'GET', '/api/console/messages?status=all');
    expect(res.body!.messages.map((m: { id: number }) => m.id)).toEqual([ids.bin, ids.housing, ids.box]);
  });

  it.each(['nonsense', ''])('refuses a list filter of "%s" with 400', async (status) => {
    const ann = await login(url, 'Ann', 'ann-password-1');
    expect(await call(url, ann, 'GET', `/api/console/messages?status=${status}`)).toMatchObject({ status: 400, body: { error: 'bad-request' } });
  });

  it('shows one message in the same shape; 403 for another department’s, 404 for a chat or an unknown id', async () => {
    const hal = await login(url, 'Hal', 'hal-password-1');
    const one = await call(url, hal, 'GET', `/api/console/messages/${ids.housing}`);
    expect(one.status).toBe(200);
    expect(one.body!.message).toEqual(
      expect.objectContaining({ id: ids.housing, department: 'housing', departmentName: 'Housing Options', contact: { kind: 'phone', value: '07700 900123' }, deliveries: [] }),
    );
    expect(await call(url, hal, 'GET', `/api/console/messages/${ids.bin}`)).toMatchObject({ status: 403, body: { error: 'other-department' } });
    const sue = await login(url, 'Sue', 'sue-password-1');
    for (const id of [ids.chat, 9999, 'abc']) {
      expect(await call(url, sue, 'GET', `/api/console/messages/${id}`)).toMatchObject({ status: 404, body: { error: 'not-found' } });
    }
  });

  it('needs the CSRF token to record a reply', async () => {
    const ann = await login(url, 'Ann', 'ann-password-1');
    const res = await call(url, { cookie: ann.cookie }, 'POST', `/api/console/messages/${ids.box}/answer`, { reply: 'Called back' });
    expect(res).toMatchObject({ status: 403, body: { error: 'csrf' } });
    const still = await call(url, ann, 'GET', `/api/console/messages/${ids.box}`);
    expect(still.body!.message.status).toBe('open');
  });

  it.each<[string, unknown]>([
    ['no reply', {}],
    ['an empty reply', { reply: '   ' }],
    ['a reply over 4,000 characters', { reply: 'x'.repeat(4001) }],
    ['a reply that is not text', { reply: 42 }],
    ['an unknown field', { reply: 'Called back', closeIt: true }],
    ['a body that is not JSON', '{reply:'],
  ])('refuses %s with 400', async (_, body) => {
    const ann = await login(url, 'Ann', 'ann-password-1');
    const res = await call(url, ann, 'POST', `/api/console/messages/${ids.box}/answer`, body);
    expect(res.status).toBe(400);
    expect(res.body).toHaveProperty('message');
  });

  it('refuses a reply to another department’s message with 403', async () => {
    const hal = await login(url, 'Hal', 'hal-password-1');
    expect(await call(url, hal, 'POST', `/api/console/messages/${ids.box}/answer`, { reply: 'Called back' })).toMatchObject({
      status: 403,
      body: { error: 'other-department' },
    });
  });

  it('records the reply and closes the message; a second reply is refused with 409', async () => {
    const ann = await login(url, 'Ann', 'ann-password-1');
    // Not through the chat routes: a left message closes only with the reply recorded.
    expect(await call(url, ann, 'POST', `/api/console/escalations/${ids.box}/close`)).toMatchObject({ status: 409, body: { error: 'left-message' } });
    const res = await call(url, ann, 'POST', `/api/console/messages/${ids.box}/answer`, { reply: '  Emailed: a new box is on its way.  ' });
    expect(res.status).toBe(200);
    expect(res.body!.message).toEqual(
      expect.objectContaining({ id: ids.box, status: 'answered', answer: { text: 'Emailed: a new box is on its way.', agentId: '1', at: clock.toISOString() } }),
    );

    expect((await call(url, ann, 'GET', '/api/console/messages')).body!.messages.map((m: { id: number }) => m.id)).toEqual([ids.bin]);
    expect((await call(url, ann, 'GET', '/api/console/messages?status=answered')).body!.messages.map((m: { id: number }) => m.id)).toEqual([ids.box]);

    const sue = await login(url, 'Sue', 'sue-password-1');
    expect(await call(url, sue, 'POST', `/api/console/messages/${ids.box}/answer`, { reply: 'Again' })).toMatchObject({ status: 409, body: { error: 'already-answered' } });
    expect((await call(url, sue, 'GET', `/api/console/messages/${ids.box}`)).body!.message.answer.text).toBe('Emailed: a new box is on its way.');
  });
});

describe('the app delivers left messages on its own', () => {
  it('posts a waiting delivery to the configured webhook soon after it starts', async () => {
    let got!: (body: { headers: http.IncomingHttpHeaders; body: string }) => void;
    const received = new Promise<{ headers: http.IncomingHttpHeaders; body: string }>((resolve) => (got = resolve));
    const hook = await startHttpServer(({ headers, body }) => {
      got({ headers, body });
      return { status: 204 };
    });

    const config = testConfig({ PARLEY_MESSAGE_WEBHOOK_URL: `${hook.origin}/crm`, PARLEY_MESSAGE_WEBHOOK_SECRET: 's3cret' });
    const e = await withSql(config, async (sql) => {
      const left = await new SqlEscalationQueue(sql).leaveMessage({ conversationId: 'c1', reference: {}, department: 'waste', priority: 'normal', reason: 'overflow' }, evening(0));
      await new SqlLeftMessageStore(sql).add(
        { escalationId: left.id, question: 'Bin missed', contact: { kind: 'email', value: 'pat@example.com' }, deliveries: [{ channel: 'webhook', payload: { escalationId: left.id } }] },
        evening(0),
      );
      return left;
    });

    // Not listening: the delivery worker starts with the app.
    const app = createApp(config, { now: () => clock, log: silentLog });
    try {
      const { headers, body } = await received;
      expect(JSON.parse(body)).toEqual({ escalationId: e.id });
      expect(headers['idempotency-key']).toBe(`left-message-${e.id}-webhook`);
      expect(headers['x-parley-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    } finally {
      // close() waits for the worker's run, so the delivery is marked before the file closes.
      await app.close();
      await hook.close();
    }
    const delivered = await withSql(config, async (sql) => (await new SqlLeftMessageStore(sql).deliveries([e.id])).get(e.id));
    expect(delivered).toEqual([expect.objectContaining({ deliveredAt: clock.toISOString(), attempts: 1 })]);
  });
});

describe('answering a left message tells the live stream', () => {
  it('publishes message-answered with the id and department, never the words', async () => {
    const { backend, agents, queue, store, ids } = await seed(tempDbFile());
    const sessions = new SqlSessionStore(backend.sql, { idleMinutes: 30, maxHours: 12 });
    const events = new InProcessDeskEvents();
    const heard: DeskEvent[] = [];
    events.subscribe((e) => heard.push(e));
    const server = restify.createServer();
    server.use(restify.plugins.bodyParser());
    mountMessagesApi(server, { agents, sessions, queue, leftMessages: store, events, departmentName: (d) => d, now: () => clock, log: silentLog });
    const listening = await listenLocally(server);
    const url = listening.origin;
    try {
      const { token, session } = await sessions.create((await agents.get('Ann'))!.id, clock);
      const ann = { cookie: `parley_session=${token}`, csrf: session.csrfToken };
      expect((await call(url, ann, 'POST', `/api/console/messages/${ids.bin}/answer`, { reply: 'Booked a return visit' })).status).toBe(200);
      expect((await call(url, ann, 'POST', `/api/console/messages/${ids.bin}/answer`, { reply: 'Again' })).status).toBe(409);
    } finally {
      await listening.close();
    }
    expect(heard).toEqual([{ type: 'message-answered', escalationId: ids.bin, department: 'waste' }]);
    expect(await queue.get(ids.bin)).toEqual(expect.objectContaining({ status: 'closed', closedBecause: 'message-answered', closedAt: clock.toISOString() }));
    await backend.close();
  });
});

describe('a message a resident leaves reaches the department’s mailbox and CRM, and the console', () => {
  it('emails it, posts it to the webhook, lists it as delivered, and takes the reply', async () => {
    // Wednesday 25 November 2026, 10:00: Customer Services is open but nobody is signed in.
    const wednesday = new Date('2026-11-25T10:00:00Z');
    const smtp = await startSmtpStandIn();
    const posts: string[] = [];
    const hook = await startHttpServer(({ body }) => {
      posts.push(body);
      return { status: 200 };
    });
    const channel = await startStandInChannel();

    const config = testConfig({
      PARLEY_SMTP_URL: smtp.url,
      PARLEY_SMTP_FROM: 'Parley <parley@testshire.example>',
      PARLEY_MESSAGE_WEBHOOK_URL: `${hook.origin}/crm`,
    });
    await withSql(config, (sql) => new SqlAgentStore(sql).add({ name: 'Cat', departments: ['customer-services'], password: 'cat-password-1' }, wednesday));
    const { app, url } = await startApp(config, { now: () => wednesday });
    const resident = async (text: string) =>
      messageTexts(await repliesTo(url, residentMessage(text, { conversation: 'leaves-a-message', serviceUrl: channel.serviceUrl, from: 'resident-1' })));

    try {
      await resident('talk to a person');
      expect((await resident('Yes, connect me'))[0]).toMatch(/^Nobody from Customer Services can join this chat right now/);
      await resident('Leave a message');
      await resident('My bin at BK3 4TN was missed, call 07700 900123 if easier');
      expect((await resident('jo.bloggs@example.org'))[0]).toMatch(/^Thank you\. Your message has gone to Customer Services/);

      // Runs are one at a time: when this returns, the app's own timer cannot be half-way through one.
      await app.deliverLeftMessages();

      expect(smtp.mails).toHaveLength(1);
      expect(smtp.mails[0]!.to).toEqual(['customerservices@testshire.example']);
      const unfolded = smtp.mails[0]!.raw.replace(/\r\n(?=[ \t])/g, '').replace(/=\r\n/g, '');
      expect(unfolded).toMatch(/^Subject: Message from a resident: .* \(reply by 9:30am on Thursday 26 November 2026\)$/m);
      expect(unfolded).toContain('My bin at BK3 4TN was missed, call [phone] if easier');
      expect(unfolded).toContain('Email: jo.bloggs@example.org');

      expect(posts).toHaveLength(1);
      const posted = JSON.parse(posts[0]!) as Record<string, unknown>;
      expect(posted).toMatchObject({
        type: 'parley.message-left',
        department: { id: 'customer-services', name: 'Customer Services', email: 'customerservices@testshire.example' },
        reason: 'nobody-on-duty',
        question: 'My bin at BK3 4TN was missed, call [phone] if easier',
        contact: { kind: 'email', value: 'jo.bloggs@example.org' },
        leftAt: wednesday.toISOString(),
        replyBy: '2026-11-26T09:30:00.000Z',
      });

      const cat = await login(url, 'Cat', 'cat-password-1');
      const [listed] = (await call(url, cat, 'GET', '/api/console/messages')).body!.messages;
      expect(listed).toMatchObject({
        id: posted.escalationId,
        question: 'My bin at BK3 4TN was missed, call [phone] if easier',
        deliveries: [
          { channel: 'email', state: 'delivered', attempts: 1 },
          { channel: 'webhook', state: 'delivered', attempts: 1 },
        ],
      });
      expect((await call(url, cat, 'POST', `/api/console/messages/${listed.id}/answer`, { reply: 'Emailed Jo: crew back on Friday.' })).status).toBe(200);
      expect((await call(url, cat, 'GET', '/api/console/messages')).body!.messages).toEqual([]);
    } finally {
      await app.close();
      await channel.close();
      await hook.close();
      await smtp.close();
    }
  });
});

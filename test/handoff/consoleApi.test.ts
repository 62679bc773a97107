import type { App } from '../../bot/index';
import { SqlAgentStore } from '../../handoff/agents';
import { SqlEscalationQueue } from '../../handoff/queue';
import { startApp, testConfig, withSql } from '../app';
import { residentMessage } from '../bot/residentClient';
import { call, login } from './consoleClient';
import { startStandInChannel, type StandInChannel } from './standInChannel';

let clock = new Date('2026-11-25T10:00:00Z');

describe('console API over real HTTP', () => {
  let app: App;
  let url: string;
  let ids: { waste: number; housing: number; chat: number };
  let channel: StandInChannel;

  beforeAll(async () => {
    channel = await startStandInChannel();
    const channelUrl = channel.serviceUrl;
    const config = testConfig();
    // Agents and waiting residents, put in the same SQLite file the server then opens.
    await withSql(config, async (sql) => {
      const agents = new SqlAgentStore(sql);
      await agents.add({ name: 'Ann', departments: ['waste'], password: 'ann-password-1' }, clock);
      await agents.add({ name: 'Bob', departments: ['waste'], password: 'bob-password-1' }, clock);
      await agents.add({ name: 'Sue', departments: ['council-tax'], role: 'supervisor', password: 'sue-password-1' }, clock);
    });
    ids = await withSql(config, async (sql) => {
      const queue = new SqlEscalationQueue(sql);
      // Notices to these residents land in the stand-in channel (a closed port would make botbuilder retry for seconds).
      const reference = (id: string) => ({ channelId: 'test', conversation: { id }, serviceUrl: channelUrl, bot: { id: 'parley' }, user: { id: `resident-${id}` } });
      return {
        waste: (await queue.enqueue({ conversationId: 'c-waste', reference: reference('c-waste'), department: 'waste', priority: 'normal', reason: 'asked', summary: 'Missed bin' }, clock)).escalation.id,
        housing: (await queue.enqueue({ conversationId: 'c-housing', reference: reference('c-housing'), department: 'housing', priority: 'high', reason: 'urgent' }, clock)).escalation.id,
        chat: (await queue.enqueue(
          {
            conversationId: 'c-chat',
            reference: { channelId: 'test', conversation: { id: 'c-chat' }, serviceUrl: channelUrl, bot: { id: 'parley' }, user: { id: 'resident' } },
            department: 'waste',
            priority: 'normal',
            reason: 'asked',
          },
          clock,
        )).escalation.id,
      };
    });
    ({ app, url } = await startApp(config, { now: () => clock }));
  });
  afterAll(async () => {
    await app.close();
    await channel.close();
  });

  it('signs in with a session cookie and returns a CSRF token', async () => {
    const res = await call(url, {}, 'POST', '/api/console/login', { name: 'Ann', password: 'ann-password-1' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ agent: { id: 1, name: 'Ann', role: 'agent', departments: ['waste'] }, csrfToken: expect.any(String), expiresAt: '2026-11-25T10:30:00.000Z' });
    expect(res.setCookie).toMatch(/^parley_session=[\w-]{43}; HttpOnly; SameSite=Strict; Path=\/$/);
  });

  it.each([
    [{ name: 'Ann', password: 'wrong-password' }, 401, 'invalid-credentials'],
    [{ name: 'Nobody', password: 'ann-password-1' }, 401, 'invalid-credentials'],
    [{ name: 'Ann' }, 400, 'bad-request'],
    ['{not json', 400, undefined],
  ])('refuses login %p with %i', async (body, status, error) => {
    const res = await call(url, {}, 'POST', '/api/console/login', body);
    expect(res.status).toBe(status);
    if (error) expect(res.body?.error).toBe(error);
  });

  it('refuses a login form post (only JSON signs in) with 415', async () => {
    const res = await call(url, {}, 'POST', '/api/console/login', 'name=Ann&password=ann-password-1', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(res).toMatchObject({ status: 415, body: { error: 'unsupported-media-type' } });
  });

  it('answers a mangled cookie with 401, not a crash', async () => {
    expect((await call(url, { cookie: 'parley_session=%E0%A4%A' }, 'GET', '/api/console/queue')).status).toBe(401);
  });

  it('stops answering a name after five failed sign-ins (429), and a right password then waits too', async () => {
    for (let i = 0; i < 5; i++) expect((await call(url, {}, 'POST', '/api/console/login', { name: 'Bob', password: `guess-${i}-xxxx` })).status).toBe(401);
    expect(await call(url, {}, 'POST', '/api/console/login', { name: 'Bob', password: 'guess-6-xxxx' })).toMatchObject({ status: 429, body: { error: 'too-many-attempts' } });
    expect((await call(url, {}, 'POST', '/api/console/login', { name: 'bob', password: 'bob-password-1' })).status).toBe(429);
    clock = new Date(clock.getTime() + 15 * 60_000);
    expect((await call(url, {}, 'POST', '/api/console/login', { name: 'Bob', password: 'bob-password-1' })).status).toBe(200);
  });

  it('refuses every route without a session', async () => {
    for (const [method, route] of [
      ['GET', '/api/console/queue'],
      ['GET', `/api/console/escalations/${ids.waste}`],
      ['POST', `/api/console/escalations/${ids.waste}/pickup`],
      ['POST', '/api/console/logout'],
    ] as const) {
      expect((await call(url, {}, method, route)).status).toBe(401);
    }
  });

  it('shows an agent the queue of their departments only; a supervisor sees all', async () => {
    const ann = await login(url, 'Ann', 'ann-password-1');
    const queue = await call(url, ann, 'GET', '/api/console/queue');
    expect(queue.body!.waiting.map((e: { id: number }) => e.id)).toEqual([ids.waste, ids.chat]);
    expect(queue.body).toEqual({
      waiting: [
        {
          id: ids.waste,
          department: 'waste',
          priority: 'normal',
          reason: 'asked',
          status: 'waiting',
          entryId: null,
          summary: 'Missed bin',
          queuedAt: '2026-11-25T10:00:00.000Z',
          waitSeconds: (clock.getTime() - Date.parse('2026-11-25T10:00:00Z')) / 1000,
          position: 1,
          agentId: null,
          rating: null,
        },
        expect.objectContaining({ id: ids.chat, position: 2 }),
      ],
      active: [],
      // What the agent has said of themselves: available, for all their departments, until they choose.
      me: { status: 'available', departments: ['waste'], realertMinutes: 3, serves: [{ id: 'waste', name: 'Waste and Recycling' }] },
    });
    const sue = await login(url, 'Sue', 'sue-password-1');
    expect((await call(url, sue, 'GET', '/api/console/queue')).body!.waiting.map((e: { department: string }) => e.department)).toEqual(['housing', 'waste', 'waste']);
    expect((await call(url, ann, 'GET', `/api/console/escalations/${ids.housing}`)).status).toBe(403);
  });

  it('shows an escalation with the conversation before it, personal data redacted', async () => {
    const message = residentMessage('my bin was missed, email me at ann@example.com', { conversation: 'c-waste', serviceUrl: 'http://localhost:9', from: 'resident' });
    expect((await call(url, {}, 'POST', '/api/messages', message)).status).toBe(200);
    const ann = await login(url, 'Ann', 'ann-password-1');
    // The transcript logger writes after the turn: ask until both sides are there.
    let res = await call(url, ann, 'GET', `/api/console/escalations/${ids.waste}`);
    for (let i = 0; i < 50 && res.body!.transcript.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 20));
      res = await call(url, ann, 'GET', `/api/console/escalations/${ids.waste}`);
    }
    expect(res.status).toBe(200);
    expect(res.body!.escalation).toMatchObject({ id: ids.waste, status: 'waiting' });
    const transcript = res.body!.transcript as { text?: string; from: { role?: string } }[];
    expect(transcript[0]).toMatchObject({ text: 'my bin was missed, email me at [email]', from: { role: 'user' } });
    expect(transcript.slice(1).some((a) => a.from.role === 'bot')).toBe(true);
    expect(JSON.stringify(transcript)).not.toContain('ann@example.com');
    expect((await call(url, ann, 'GET', '/api/console/escalations/99999')).status).toBe(404);
    expect((await call(url, ann, 'GET', '/api/console/escalations/abc')).status).toBe(404);
  });

  it('needs the CSRF token for changes', async () => {
    const ann = await login(url, 'Ann', 'ann-password-1');
    const res = await call(url, { cookie: ann.cookie }, 'POST', `/api/console/escalations/${ids.waste}/pickup`);
    expect(res).toMatchObject({ status: 403, body: { error: 'csrf' } });
    expect((await call(url, { cookie: ann.cookie, csrf: 'forged' }, 'POST', `/api/console/escalations/${ids.waste}/pickup`)).status).toBe(403);
  });

  it('gives a pick-up to one agent and answers 409 to the next; transfer and close work', async () => {
    const ann = await login(url, 'Ann', 'ann-password-1');
    const bob = await login(url, 'Bob', 'bob-password-1');
    const picked = await call(url, ann, 'POST', `/api/console/escalations/${ids.waste}/pickup`);
    expect(picked).toMatchObject({ status: 200, body: { escalation: { status: 'active', position: null } } });
    const waited = picked.body!.escalation.waitSeconds;
    clock = new Date(clock.getTime() + 60_000);
    // Once picked up, the wait stops counting.
    expect((await call(url, ann, 'GET', `/api/console/escalations/${ids.waste}`)).body!.escalation.waitSeconds).toBe(waited);
    expect(await call(url, bob, 'POST', `/api/console/escalations/${ids.waste}/pickup`)).toMatchObject({ status: 409, body: { error: 'taken' } });
    // Bob serves waste too, but Ann has this chat: he may neither close nor transfer it.
    expect(await call(url, bob, 'POST', `/api/console/escalations/${ids.waste}/close`)).toMatchObject({ status: 403, body: { error: 'not-yours' } });
    expect(await call(url, bob, 'POST', `/api/console/escalations/${ids.waste}/transfer`, { department: 'housing' })).toMatchObject({ status: 403, body: { error: 'not-yours' } });

    expect((await call(url, ann, 'POST', `/api/console/escalations/${ids.waste}/transfer`, { department: 'nowhere' })).status).toBe(400);
    expect((await call(url, ann, 'POST', `/api/console/escalations/${ids.waste}/transfer`, { dept: 'housing' })).status).toBe(400);
    const moved = await call(url, ann, 'POST', `/api/console/escalations/${ids.waste}/transfer`, { department: 'council-tax' });
    expect(moved).toMatchObject({ status: 200, body: { escalation: { status: 'waiting', department: 'council-tax' } } });
    // Now council-tax's: Ann (waste) may not touch it; Sue (supervisor) closes it.
    expect((await call(url, ann, 'POST', `/api/console/escalations/${ids.waste}/close`)).status).toBe(403);
    const sue = await login(url, 'Sue', 'sue-password-1');
    expect(await call(url, sue, 'POST', `/api/console/escalations/${ids.waste}/close`)).toMatchObject({ status: 200, body: { escalation: { status: 'closed' } } });
    expect(await call(url, sue, 'POST', `/api/console/escalations/${ids.waste}/close`)).toMatchObject({ status: 409, body: { error: 'not-open' } });
  });

  it('sends an agent’s reply to the resident’s channel and keeps it in the chat', async () => {
    const ann = await login(url, 'Ann', 'ann-password-1');
    const bob = await login(url, 'Bob', 'bob-password-1');
    const route = `/api/console/escalations/${ids.chat}/messages`;
    expect(await call(url, ann, 'POST', route, { text: 'Hello' })).toMatchObject({ status: 409, body: { error: 'not-active' } });
    await call(url, ann, 'POST', `/api/console/escalations/${ids.chat}/pickup`);
    expect(await call(url, bob, 'POST', route, { text: 'Hello' })).toMatchObject({ status: 403, body: { error: 'not-yours' } });
    expect((await call(url, ann, 'POST', route, { text: '   ' })).status).toBe(400);

    const sent = await call(url, ann, 'POST', route, { text: 'Hello, I am Ann from Waste and Recycling. How can I help?' });
    expect(sent).toMatchObject({ status: 200, body: { message: { author: 'agent', text: 'Hello, I am Ann from Waste and Recycling. How can I help?', deliveredAt: expect.any(String) } } });
    // Earlier tests moved the queue, so this resident also heard their place, and other residents
    // heard of their pick-ups and transfers: look at the chat itself.
    expect(channel.received.filter((r) => r.path.startsWith('/v3/conversations/c-chat/') && !r.body.text?.startsWith('You’re now number'))).toEqual([
      // The pick-up told the resident who has joined.
      { path: expect.stringMatching(/^\/v3\/conversations\/c-chat\/activities/), body: expect.objectContaining({ text: 'You are now chatting with Ann from Waste and Recycling.' }) },
      // "Send to conversation" or "reply to activity": both are the Bot Connector API.
      { path: expect.stringMatching(/^\/v3\/conversations\/c-chat\/activities(\/[\w-]+)?$/), body: expect.objectContaining({ type: 'message', text: 'Hello, I am Ann from Waste and Recycling. How can I help?' }) },
    ]);

    channel.failing = true;
    const failed = await call(url, ann, 'POST', route, { text: 'Are you still there?' });
    channel.failing = false;
    expect(failed).toMatchObject({ status: 502, body: { error: 'delivery-failed' } });
    const view = await call(url, ann, 'GET', `/api/console/escalations/${ids.chat}`);
    expect(view.body!.messages.map((m: { text: string; deliveredAt?: string }) => [m.text, m.deliveredAt !== undefined])).toEqual([
      ['Hello, I am Ann from Waste and Recycling. How can I help?', true],
      ['Are you still there?', false],
    ]);
  });

  it('finds canned replies in the knowledge base for the agent’s search', async () => {
    const ann = await login(url, 'Ann', 'ann-password-1');
    const res = await call(url, ann, 'GET', `/api/console/answers?q=${encodeURIComponent('can I pay my council tax online?')}`);
    expect(res.status).toBe(200);
    expect(res.body!.answers[0]).toEqual({ id: 'council-tax-pay', title: 'Pay your Council Tax', answer: 'You can pay your Council Tax online, by Direct Debit or by phone.' });
    expect(res.body!.answers.length).toBeLessThanOrEqual(5);
    expect((await call(url, ann, 'GET', '/api/console/answers?q=recycling%20centre%20hours')).body!.answers[0].id).toBe('recycling-centre');
    expect(await call(url, ann, 'GET', '/api/console/answers?q=%20%20')).toMatchObject({ status: 400, body: { error: 'bad-request' } });
    expect((await call(url, ann, 'GET', '/api/console/answers')).status).toBe(400);
    expect((await call(url, {}, 'GET', '/api/console/answers?q=bins')).status).toBe(401);
  });

  it('lists the departments a chat can be transferred to', async () => {
    const ann = await login(url, 'Ann', 'ann-password-1');
    expect((await call(url, ann, 'GET', '/api/console/departments')).body!.departments).toEqual([
      { id: 'customer-services', name: 'Customer Services' },
      { id: 'waste', name: 'Waste and Recycling' },
      { id: 'housing', name: 'Housing Options' },
      { id: 'council-tax', name: 'Council Tax' },
    ]);
  });

  it('signs out, and an idle session expires', async () => {
    const ann = await login(url, 'Ann', 'ann-password-1');
    expect((await call(url, ann, 'POST', '/api/console/logout')).status).toBe(204);
    expect((await call(url, ann, 'GET', '/api/console/queue')).status).toBe(401);

    const bob = await login(url, 'Bob', 'bob-password-1');
    clock = new Date(clock.getTime() + 31 * 60_000);
    expect(await call(url, bob, 'GET', '/api/console/queue')).toMatchObject({ status: 401, body: { error: 'not-signed-in' } });
  });
});

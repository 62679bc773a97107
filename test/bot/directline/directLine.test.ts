import { createHash } from 'node:crypto';
import type { App } from '../../../bot/index';
import WebSocket from 'ws';
import { startApp, testConfig, withSql } from '../../app';
import { connect, post, userIdIn, type AjaxError, type Client, type Received } from './directLineClient';

// Wednesday 25 November 2026, 10:00 in London; moved forward by the expiry and retention tests.
let clock = new Date('2026-11-25T10:00:00Z');

interface Grant {
  conversationId: string;
  token: string;
  expires_in: number;
}

/** The status of a WebSocket handshake: 101 when the socket opened. */
function handshake(streamUrl: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(streamUrl);
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', reject);
  });
}

/** The first activity set a stream sends. */
function firstSet(streamUrl: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(streamUrl);
    ws.on('message', (data) => {
      ws.close();
      resolve(JSON.parse(String(data)));
    });
    ws.on('error', reject);
  });
}

describe('the web channel, driven by the official Direct Line client', () => {
  let app: App;
  let url: string;
  let domain: string;
  let config: ReturnType<typeof testConfig>;
  const clients: Client[] = [];

  beforeAll(async () => {
    config = testConfig({ PARLEY_WEBCHAT_MAX_MESSAGE_BYTES: '4096' });
    ({ app, url } = await startApp(config, { now: () => clock }));
    domain = `${url}/v3/directline`;
  });
  afterAll(async () => {
    clients.forEach((c) => c.end());
    await app.close();
  });

  const open = (options: Parameters<typeof connect>[0]) => {
    const client = connect(options);
    clients.push(client);
    return client;
  };

  async function newToken(): Promise<Grant> {
    const res = await fetch(`${url}/api/directline/token`, { method: 'POST' });
    expect(res.status).toBe(200);
    return (await res.json()) as Grant;
  }

  async function call(method: string, route: string, token?: string, body?: string, headers: Record<string, string> = {}) {
    const res = await fetch(`${url}${route}`, {
      method,
      headers: { ...(token && { authorization: `Bearer ${token}` }), ...(body !== undefined && { 'content-type': 'application/json' }), ...headers },
      body,
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as Record<string, any> | undefined };
  }

  const isBotReplyTo = (id: string) => (a: Received) => a.from.role === 'bot' && a.replyToId === id;

  it('issues a token for a new conversation, like tokens/generate, and stores only its hash', async () => {
    const grant = await newToken();
    expect(grant).toEqual({ conversationId: expect.stringMatching(/^[\w-]{22}$/), token: expect.any(String), expires_in: 1800 });
    expect(userIdIn(grant.token)).toMatch(/^dl_[\w-]{16}$/);
    const rows = await withSql(config, (sql) => sql.all('SELECT token_hash FROM directline_tokens WHERE conversation_id = ?', [grant.conversationId]));
    expect(rows).toEqual([{ token_hash: createHash('sha256').update(grant.token).digest('hex') }]);
  });

  let polled: { grant: Grant; messageId: string };

  it('starts the conversation, posts a message and receives the reply by polling', async () => {
    const grant = await newToken();
    const client = open({ domain, token: grant.token, webSocket: false });
    const welcome = await client.waitFor((a) => a.type === 'message' && a.from.role === 'bot');
    expect(welcome.text).toMatch(/^Hello/);

    const id = await post(client, {
      type: 'message',
      text: 'when is my bin day',
      from: { id: 'someone-else', name: 'Resident' },
      channelData: { clientActivityID: 'client-1' },
    });
    expect(id).toBe(`${grant.conversationId}|${id.split('|')[1]}`);
    const echo = await client.waitFor((a) => a.id === id);
    // Web Chat recognises its own message by clientActivityID; the sender is the token's user.
    expect(echo).toMatchObject({ text: 'when is my bin day', channelData: { clientActivityID: 'client-1' }, from: { id: userIdIn(grant.token), role: 'user' } });
    const reply = await client.waitFor(isBotReplyTo(id));
    expect(reply.text).toMatch(/postcode/i);
    expect(client.requests).toContain(`GET /v3/directline/conversations/${grant.conversationId}/activities`);
    client.end();
    polled = { grant, messageId: id };
  });

  it('receives the reply over the WebSocket stream without polling', async () => {
    const grant = await newToken();
    const client = open({ domain, token: grant.token, webSocket: true });
    await client.waitFor((a) => a.from.role === 'bot');
    const id = await post(client, { type: 'message', text: 'when is my bin day', from: { id: 'me' } });
    const reply = await client.waitFor(isBotReplyTo(id));
    expect(reply.text).toMatch(/postcode/i);
    expect(client.requests.filter((r) => r.startsWith('GET'))).toEqual([]);
    client.end();
  });

  it('resumes after a reload: a new client with the same token gets the whole history', async () => {
    const { grant, messageId } = polled;
    const client = open({ domain, token: grant.token, webSocket: true });
    await client.waitFor(isBotReplyTo(messageId));
    expect(client.received.map((a) => [a.from.role, a.text])).toEqual([
      ['bot', expect.stringMatching(/^Hello/)],
      ['user', 'when is my bin day'],
      ['bot', expect.stringMatching(/postcode/i)],
    ]);
    // The bot remembers where the conversation was: it is still waiting for the postcode.
    const id = await post(client, { type: 'message', text: 'TE1 1AA', from: { id: 'me' } });
    expect((await client.waitFor(isBotReplyTo(id))).text).toMatch(/TE1 1AA/);
    client.end();
  });

  it('gives a new streamUrl that carries on after the watermark (the reconnect operation)', async () => {
    const { grant } = polled;
    const all = await call('GET', `/v3/directline/conversations/${grant.conversationId}/activities`, grant.token);
    const activities = all.body!.activities as Received[];
    const watermark = Number(all.body!.watermark);
    const info = await call('GET', `/v3/directline/conversations/${grant.conversationId}?watermark=${watermark - 1}`, grant.token);
    expect(info.body).toEqual({
      conversationId: grant.conversationId,
      token: grant.token,
      expires_in: expect.any(Number),
      streamUrl: expect.stringMatching(/^ws:\/\/localhost:\d+\/v3\/directline\/conversations\/[\w-]+\/stream\?watermark=\d+&t=[\w-]+$/),
    });
    // The stream starts with what came after the watermark: here, the last activity only.
    expect(await firstSet(info.body!.streamUrl)).toEqual({ activities: [activities.at(-1)], watermark: String(watermark) });

    // The client library takes this path when given the conversation id: it sees everything once.
    const client = open({ domain, token: grant.token, webSocket: true, conversationId: grant.conversationId });
    await client.waitFor((a) => a.id === activities.at(-1)!.id);
    expect(client.requests[0]).toBe(`GET /v3/directline/conversations/${grant.conversationId}`);
    expect(client.received.map((a) => a.id)).toEqual(activities.map((a) => a.id));
    client.end();
  });

  it('refuses a stream ticket used twice or for another conversation', async () => {
    const { grant } = polled;
    const info = await call('GET', `/v3/directline/conversations/${grant.conversationId}`, grant.token);
    const other = await newToken();
    expect(await handshake(info.body!.streamUrl.replace(grant.conversationId, other.conversationId))).toBe(403);
    const fresh = await call('GET', `/v3/directline/conversations/${grant.conversationId}`, grant.token);
    expect(await handshake(fresh.body!.streamUrl)).toBe(101);
    expect(await handshake(fresh.body!.streamUrl)).toBe(403);
  });

  it('delivers what the bot posts to the Connector API (a proactive message) into the stream', async () => {
    const grant = await newToken();
    const client = open({ domain, token: grant.token, webSocket: true });
    await client.waitFor((a) => a.from.role === 'bot');
    const res = await call('POST', `/v3/conversations/${grant.conversationId}/activities`, undefined, JSON.stringify({ type: 'message', text: 'Hello, this is Ann from Customer Services.' }));
    expect(res).toEqual({ status: 200, body: { id: expect.stringMatching(new RegExp(`^${grant.conversationId}\\|\\d{7}$`)) } });
    expect(await client.waitFor((a) => a.id === res.body!.id)).toMatchObject({ text: 'Hello, this is Ann from Customer Services.', from: { id: 'parley', role: 'bot' } });

    // "Reply to activity": a reply keeps a replyToId the client can find; one to an activity the
    // client never saw (botbuilder's made-up continuation event) loses it, or Web Chat would
    // hold the message back for 5 seconds waiting for it.
    const toKnown = await call('POST', `/v3/conversations/${grant.conversationId}/activities/${encodeURIComponent(res.body!.id)}`, undefined, JSON.stringify({ type: 'message', text: 'Are you still there?' }));
    const toUnknown = await call('POST', `/v3/conversations/${grant.conversationId}/activities/3f1c2a9e-made-up`, undefined, JSON.stringify({ type: 'message', text: 'Thanks for waiting.' }));
    expect(await client.waitFor((a) => a.id === toKnown.body!.id)).toMatchObject({ replyToId: res.body!.id });
    expect(await client.waitFor((a) => a.id === toUnknown.body!.id)).not.toHaveProperty('replyToId');
    client.end();
  });

  it('refreshes a token: the new one works, and every token stops at its expiry', async () => {
    const grant = await newToken();
    const refreshed = await call('POST', '/v3/directline/tokens/refresh', grant.token);
    expect(refreshed).toEqual({ status: 200, body: { conversationId: grant.conversationId, token: expect.any(String), expires_in: 1800 } });
    const newer = refreshed.body!.token as string;
    expect(newer).not.toBe(grant.token);
    expect(userIdIn(newer)).toBe(userIdIn(grant.token));
    expect((await call('GET', `/v3/directline/conversations/${grant.conversationId}/activities`, newer)).status).toBe(200);

    clock = new Date(clock.getTime() + 20 * 60_000);
    const later = (await call('POST', '/v3/directline/tokens/refresh', newer)).body!.token as string;
    clock = new Date(clock.getTime() + 15 * 60_000);
    // 35 minutes after the first token, 15 after the last refresh.
    expect(await call('GET', `/v3/directline/conversations/${grant.conversationId}/activities`, grant.token)).toEqual({
      status: 403,
      body: { error: { code: 'TokenExpired', message: expect.any(String) } },
    });
    expect((await call('POST', '/v3/directline/tokens/refresh', grant.token)).status).toBe(403);
    expect((await call('GET', `/v3/directline/conversations/${grant.conversationId}/activities`, later)).status).toBe(200);
  });

  it.each([
    ['no token', 401, 'Unauthorized', undefined],
    ['an unknown token', 403, 'Forbidden', 'made.up.token'],
  ])('refuses %s with %i %s', async (_what, status, code, token) => {
    const { grant } = polled;
    for (const [method, route] of [
      ['GET', `/v3/directline/conversations/${grant.conversationId}/activities`],
      ['POST', '/v3/directline/conversations'],
      ['POST', '/v3/directline/tokens/refresh'],
    ] as const) {
      expect(await call(method, route, token)).toEqual({ status, body: { error: { code, message: expect.any(String) } } });
    }
  });

  it('reads and writes a conversation only with its own token (403), and 404s one that does not exist', async () => {
    const { grant } = polled;
    const other = await newToken();
    const route = `/v3/directline/conversations/${grant.conversationId}/activities`;
    expect(await call('GET', route, other.token)).toMatchObject({ status: 403, body: { error: { code: 'Forbidden' } } });
    expect((await call('POST', route, other.token, JSON.stringify({ type: 'message', text: 'hello' }))).status).toBe(403);
    expect(await call('GET', '/v3/directline/conversations/NoSuchConversation0000/activities', other.token)).toMatchObject({
      status: 404,
      body: { error: { code: 'NotFound' } },
    });
    expect(await call('POST', '/v3/conversations/NoSuchConversation0000/activities', undefined, JSON.stringify({ type: 'message', text: 'hi' }))).toMatchObject({
      status: 404,
      body: { error: { code: 'NotFound' } },
    });
  });

  it('answers an oversized message with 413 MessageSizeTooBig, to the client library too', async () => {
    const grant = await newToken();
    const client = open({ domain, token: grant.token, webSocket: false });
    const refused = await post(client, { type: 'message', text: 'x'.repeat(5000), from: { id: 'me' } }).catch((err: AjaxError) => err);
    expect(refused).toMatchObject({ status: 413, response: { error: { code: 'MessageSizeTooBig' } } });
    // Just under the limit is fine.
    expect(await post(client, { type: 'message', text: 'x'.repeat(3500), from: { id: 'me' } })).toMatch(/\|/);
    client.end();
  });

  it.each([
    ['not JSON', 'BadSyntax', '{"type": "message", '],
    ['a JSON array', 'BadArgument', '[]'],
    ['no type', 'BadArgument', '{"text": "hello"}'],
    ['a type a browser may not send', 'BadArgument', '{"type": "conversationUpdate", "membersAdded": []}'],
    ['text that is not a string', 'BadArgument', '{"type": "message", "text": 42}'],
    ['a message with nothing in it', 'BadArgument', '{"type": "message"}'],
    ['an upload', 'BadArgument', '{"type": "message", "text": "see file", "attachments": [{"contentType": "image/png", "contentUrl": "http://example.com/a.png"}]}'],
    ['an event without a name', 'BadArgument', '{"type": "event"}'],
  ])('answers %s with 400 %s, and keeps working', async (_what, code, body) => {
    const grant = await newToken();
    const route = `/v3/directline/conversations/${grant.conversationId}/activities`;
    expect(await call('POST', route, grant.token, body)).toEqual({ status: 400, body: { error: { code, message: expect.any(String) } } });
    expect((await call('GET', route, grant.token)).status).toBe(200);
  });

  it('refuses a body that is not JSON (a cross-site form) with 415, a bad watermark with 400, an unknown operation with 404', async () => {
    const grant = await newToken();
    const route = `/v3/directline/conversations/${grant.conversationId}/activities`;
    expect((await call('POST', route, grant.token, 'type=message&text=hi', { 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(415);
    expect(await call('GET', `${route}?watermark=abc`, grant.token)).toMatchObject({ status: 400, body: { error: { code: 'BadArgument' } } });
    expect(await call('GET', '/v3/directline/no-such-operation', grant.token)).toMatchObject({ status: 404, body: { error: { code: 'NotFound' } } });
    expect(await call('POST', `/v3/conversations/${grant.conversationId}/activities`, undefined, '{"text": "no type"}')).toMatchObject({
      status: 400,
      body: { error: { code: 'BadArgument' } },
    });
  });

  it('forgets conversations idle for longer than the retention (24 hours), tokens and all', async () => {
    const { grant } = polled;
    clock = new Date(clock.getTime() + 25 * 3_600_000);
    // Each new conversation purges what has passed its retention.
    const fresh = await newToken();
    const counts = await withSql(config, async (sql) => {
      const count = async (table: string) => (await sql.get<{ n: number }>(`SELECT count(*) AS n FROM ${table} WHERE conversation_id = ?`, [grant.conversationId]))!.n;
      return [await count('directline_activities'), await count('directline_tokens')];
    });
    expect(counts).toEqual([0, 0]);
    expect((await call('GET', `/v3/directline/conversations/${grant.conversationId}/activities`, fresh.token)).status).toBe(404);
    expect((await call('GET', `/v3/directline/conversations/${fresh.conversationId}/activities`, fresh.token)).status).toBe(200);
  });
});

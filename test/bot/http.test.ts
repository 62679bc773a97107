import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../bot/config';
import { createApp, type App } from '../../bot/index';
import { FIXTURE_KB, NOW } from './harness';

const silent = { info: () => undefined, error: () => undefined };

function activity(text: string, conversation = 'http-1') {
  return {
    type: 'message',
    id: `${conversation}-${text.length}`,
    text,
    channelId: 'test',
    serviceUrl: 'http://localhost:9/unused',
    from: { id: 'resident', role: 'user' },
    recipient: { id: 'parley', role: 'bot' },
    conversation: { id: conversation },
    deliveryMode: 'expectReplies',
  };
}

async function start(env: Record<string, string> = {}): Promise<{ app: App; url: string }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-http-'));
  const config = loadConfig({ PORT: '0', PARLEY_DATA_DIR: dataDir, PARLEY_KNOWLEDGE_DIR: FIXTURE_KB, ...env });
  const app = createApp(config, { now: () => NOW, log: silent });
  return { app, url: await app.listen() };
}

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${url}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('the bot over real HTTP (restify + CloudAdapter, local mode)', () => {
  let app: App;
  let url: string;
  beforeAll(async () => ({ app, url } = await start()));
  afterAll(() => app.close());

  it('answers a question posted to /api/messages with expectReplies', async () => {
    const res = await post(url, activity('how do I pay my council tax'));
    expect(res.status).toBe(200);
    const { activities } = (await res.json()) as { activities: { text: string; suggestedActions?: { actions: { title: string }[] } }[] };
    expect(activities.map((a) => a.text)).toEqual([
      expect.stringMatching(/^You can pay your Council Tax online[\s\S]*\(https:\/\/www\.testshire\.example\/council-tax\/pay\)$/),
      'Did this answer your question?',
    ]);
    expect(activities[1]!.suggestedActions!.actions.map((a) => a.title)).toEqual(['Yes', 'No']);
  });

  it('carries state between turns: a postcode after the question gets the bin days', async () => {
    await post(url, activity('when is my bin day', 'http-2'));
    const res = await post(url, activity('TE1 1AA', 'http-2'));
    const { activities } = (await res.json()) as { activities: { text: string }[] };
    expect(activities[0]!.text).toContain('**Tuesday 1 December**: recycling (blue bin)');
  });

  it('rejects a body that is not an activity with 400 and a reason', async () => {
    const res = await post(url, { text: 'no type' });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: 'BadRequest',
      message:
        'Expected a Bot Framework activity: type: Invalid input: expected string, received undefined; channelId: Invalid input: expected string, received undefined; serviceUrl: Invalid input: expected string, received undefined; conversation: Invalid input: expected object, received undefined; from: Invalid input: expected object, received undefined',
    });
  });

  it('rejects an activity without a conversation to answer in with 400, not a crash', async () => {
    const { conversation: _dropped, ...rest } = activity('hello');
    const res = await post(url, rest);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(/conversation: Invalid input/);
  });

  it('rejects malformed JSON with 400', async () => {
    const res = await post(url, '{not json');
    expect(res.status).toBe(400);
  });

  it('reports health on /healthz', async () => {
    const res = await fetch(`${url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', entries: 8, postcodes: 2 });
  });
});

describe('authentication', () => {
  it('refuses unauthenticated requests once MicrosoftAppId is set', async () => {
    const { app, url } = await start({ MicrosoftAppId: '00000000-0000-0000-0000-000000000001', MicrosoftAppPassword: 'secret' });
    try {
      const res = await post(url, activity('hello'));
      expect(res.status).toBe(401);
    } finally {
      await app.close();
    }
  });
});

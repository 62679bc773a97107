import type { App } from '../../bot/index';
import { startApp, testConfig } from '../app';
import { NOW } from './harness';
import { postToBot, residentMessage } from './residentClient';

const activity = (text: string, conversation = 'http-1') => residentMessage(text, { conversation, serviceUrl: 'http://localhost:9/unused', from: 'resident' });

const start = (env: Record<string, string> = {}) => startApp(testConfig(env), { now: () => NOW });

describe('the bot over real HTTP (restify + CloudAdapter, local mode)', () => {
  let app: App;
  let url: string;
  beforeAll(async () => ({ app, url } = await start()));
  afterAll(() => app.close());

  it('answers a question posted to /api/messages with expectReplies', async () => {
    const res = await postToBot(url, activity('how do I pay my council tax'));
    expect(res.status).toBe(200);
    const { activities } = (await res.json()) as { activities: { text: string; suggestedActions?: { actions: { title: string }[] } }[] };
    expect(activities.map((a) => a.text)).toEqual([
      expect.stringMatching(/^You can pay your Council Tax online[\s\S]*\(https:\/\/www\.testshire\.example\/council-tax\/pay\)$/),
      'Did this answer your question?',
    ]);
    expect(activities[1]!.suggestedActions!.actions.map((a) => a.title)).toEqual(['Yes', 'No']);
  });

  it('carries state between turns: a postcode after the question gets the bin days', async () => {
    await postToBot(url, activity('when is my bin day', 'http-2'));
    const res = await postToBot(url, activity('TE1 1AA', 'http-2'));
    const { activities } = (await res.json()) as { activities: { text: string }[] };
    expect(activities[0]!.text).toContain('**Tuesday 1 December**: recycling (blue bin)');
  });

  it('rejects a body that is not an activity with 400 and a reason', async () => {
    const res = await postToBot(url, { text: 'no type' });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: 'BadRequest',
      message:
        'Expected a Bot Framework activity: type: Invalid input: expected string, received undefined; channelId: Invalid input: expected string, received undefined; serviceUrl: Invalid input: expected string, received undefined; conversation: Invalid input: expected object, received undefined; from: Invalid input: expected object, received undefined',
    });
  });

  it('rejects an activity without a conversation to answer in with 400, not a crash', async () => {
    const { conversation: _dropped, ...rest } = activity('hello');
    const res = await postToBot(url, rest);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(/conversation: Invalid input/);
  });

  it('rejects malformed JSON with 400', async () => {
    const res = await postToBot(url, '{not json');
    expect(res.status).toBe(400);
  });

  it('reports health on /healthz', async () => {
    const res = await fetch(`${url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: 'ok',
      entries: 8,
      postcodes: 2,
      knowledge: { version: expect.stringMatching(/^[0-9a-f]{64}$/), loadedAt: NOW.toISOString(), liveReload: 'on' },
      turns: { running: 0, waiting: 0, max: 48 },
    });
  });
});

describe('authentication', () => {
  it('refuses unauthenticated requests once MicrosoftAppId is set', async () => {
    const { app, url } = await start({ MicrosoftAppId: '00000000-0000-0000-0000-000000000001', MicrosoftAppPassword: 'secret' });
    try {
      const res = await postToBot(url, activity('hello'));
      expect(res.status).toBe(401);
    } finally {
      await app.close();
    }
  });
});

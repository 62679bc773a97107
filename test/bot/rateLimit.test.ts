import type { App } from '../../bot/index';
import { TokenBuckets } from '../../bot/rateLimit';
import { startApp, testConfig } from '../app';
import { postToBot, residentMessage } from './residentClient';

describe('TokenBuckets', () => {
  let t = 0;
  const clock = () => t;

  it('allows a minute’s worth at once, then refuses with the seconds until the next request is earned', () => {
    t = 0;
    const buckets = new TokenBuckets({ perMinute: 3, clock });
    expect([buckets.take('a'), buckets.take('a'), buckets.take('a')]).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    expect(buckets.take('a')).toEqual({ ok: false, retryAfterSeconds: 20 });
    // Other keys have their own bucket.
    expect(buckets.take('b')).toEqual({ ok: true });
    t = 20_000;
    expect(buckets.take('a')).toEqual({ ok: true });
    expect(buckets.take('a')).toEqual({ ok: false, retryAfterSeconds: 20 });
  });

  it('never holds more than a minute’s worth, however long a key was idle', () => {
    t = 0;
    const buckets = new TokenBuckets({ perMinute: 2, clock });
    buckets.take('a');
    t = 3_600_000;
    expect([buckets.take('a'), buckets.take('a'), buckets.take('a').ok]).toEqual([{ ok: true }, { ok: true }, false]);
  });

  it('keeps at most maxKeys keys, dropping the least recently used', () => {
    t = 0;
    const buckets = new TokenBuckets({ perMinute: 1, maxKeys: 2, clock });
    buckets.take('a');
    buckets.take('b');
    buckets.take('a');
    buckets.take('c');
    expect(buckets.size).toBe(2);
    // "b" was dropped, so it starts full again; "a" is still empty.
    expect(buckets.take('b')).toEqual({ ok: true });
    expect(buckets.take('c').ok).toBe(false);
  });

  it('forgets a key once its bucket has filled up again, so ended conversations leave nothing behind', () => {
    t = 0;
    const buckets = new TokenBuckets({ perMinute: 6, clock });
    // 1,000 conversations of a few turns each, then they end.
    for (let i = 0; i < 1_000; i++) for (let turn = 0; turn < 4; turn++) buckets.take(`conversation-${i}`);
    expect(buckets.size).toBe(1_000);
    // A minute refills any bucket, however empty: from then on each is the same as none.
    t = 60_000;
    expect(buckets.take('a new conversation')).toEqual({ ok: true });
    expect(buckets.size).toBe(1);
  });

  it('keeps a key whose bucket is still filling, with what it has spent', () => {
    t = 0;
    const buckets = new TokenBuckets({ perMinute: 2, clock });
    buckets.take('a');
    buckets.take('a');
    t = 29_999;
    buckets.take('b');
    expect(buckets.size).toBe(2);
    // Not yet the half minute that earns "a" one request back.
    expect(buckets.take('a')).toEqual({ ok: false, retryAfterSeconds: 1 });
  });

  it('refuses a limit that is not above 0', () => {
    expect(() => new TokenBuckets({ perMinute: 0 })).toThrow(RangeError);
  });
});

describe('rate limits over real HTTP', () => {
  let app: App;
  let url: string;

  beforeAll(async () => {
    ({ app, url } = await startApp(testConfig({ PARLEY_RATE_PER_CONVERSATION: '3', PARLEY_RATE_PER_ADDRESS: '2' })));
  });
  afterAll(() => app.close());

  const say = (conversation: string) => postToBot(url, residentMessage('hello', { conversation, serviceUrl: 'http://127.0.0.1:9' }));

  it('answers 429 with Retry-After once a conversation has used its minute, and other conversations go on', async () => {
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await say('busy')).status);
    expect(statuses).toEqual([200, 200, 200]);
    const refused = await say('busy');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await refused.json()).toEqual({ error: 'TooManyRequests', message: expect.stringMatching(/^Too many requests: try again in \d+ seconds\.$/) });
    expect((await say('quiet')).status).toBe(200);
  });

  it('limits the web chat token endpoint per address', async () => {
    const token = () => fetch(`${url}/api/directline/token`, { method: 'POST' });
    const statuses = [(await token()).status, (await token()).status];
    expect(statuses).toEqual([200, 200]);
    const refused = await token();
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('30');
  });

  it('leaves the console and health routes alone', async () => {
    for (let i = 0; i < 5; i++) expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });
});

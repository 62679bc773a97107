import fc from 'fast-check';
import type { App } from '../../bot/index';
import { startApp, testConfig } from '../app';

/**
 * An HTTP fuzz pass over the public routes: malformed JSON, wrong types, missing fields, oversized
 * bodies, unknown ids and wrong tokens. Every answer must be a 4xx (never a 5xx), and the server
 * must still serve afterwards. Rate limits are off so that every request reaches its route.
 */
const ROUTES: [method: 'POST' | 'GET', path: string][] = [
  ['POST', '/api/messages'],
  ['POST', '/api/directline/token'],
  ['POST', '/v3/directline/tokens/refresh'],
  ['POST', '/v3/directline/conversations'],
  ['GET', '/v3/directline/conversations/nope'],
  ['POST', '/v3/directline/conversations/nope/activities'],
  ['GET', '/v3/directline/conversations/nope/activities?watermark=-1'],
  ['POST', '/v3/conversations/nope/activities'],
  ['POST', '/v3/conversations/nope/activities/x'],
  ['POST', '/api/console/login'],
  ['POST', '/api/console/logout'],
  ['GET', '/api/console/queue'],
  ['GET', '/api/console/escalations/999'],
  ['POST', '/api/console/escalations/abc/pickup'],
  ['POST', '/api/console/escalations/999/messages'],
  ['GET', '/api/console/messages'],
  ['POST', '/api/console/messages/999/answer'],
];

// Routes that need nothing from the request (a browser's first call): anything but a 5xx will do.
const NEEDS_NOTHING = new Set(['/api/directline/token', '/api/console/logout']);

const jsonValue = fc.jsonValue({ maxDepth: 3 });
const activityish = fc.record(
  {
    type: fc.oneof(fc.constant('message'), fc.string(), fc.integer()),
    text: fc.oneof(fc.string({ unit: 'grapheme' }), fc.integer(), fc.constant(null)),
    channelId: fc.oneof(fc.constant('test'), fc.string(), fc.boolean()),
    serviceUrl: fc.oneof(fc.constant('http://127.0.0.1:9'), fc.string()),
    conversation: fc.oneof(fc.record({ id: fc.oneof(fc.string(), fc.integer()) }), fc.string()),
    from: fc.oneof(fc.record({ id: fc.string() }), fc.constant(null)),
    name: fc.string(),
    password: fc.string(),
    reply: fc.string(),
  },
  { requiredKeys: [] },
);
const body = fc.oneof(
  jsonValue.map((v) => JSON.stringify(v)),
  activityish.map((v) => JSON.stringify(v)),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constantFrom('{', '{"type":', '[', 'null', '""', '{"conversation":{"id":{}}}'),
);
const headers = fc.record(
  {
    'content-type': fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1'),
    authorization: fc.constantFrom('Bearer nope', 'Bearer ', 'Basic abc', 'Bearer a.b.c'),
    cookie: fc.constantFrom('parley_session=nope', 'parley_session=', '%%%'),
    'x-csrf-token': fc.string({ maxLength: 20 }).map((s) => s.replace(/[^\x21-\x7e]/g, 'x')),
  },
  { requiredKeys: ['content-type'] },
);

describe('HTTP fuzz of the public routes', () => {
  let app: App;
  let url: string;
  let tried = 0;
  const fiveHundreds: string[] = [];

  beforeAll(async () => {
    ({ app, url } = await startApp(testConfig({ PARLEY_RATE_PER_CONVERSATION: '0', PARLEY_RATE_PER_ADDRESS: '0' })));
  });
  afterAll(() => app.close());

  async function send(method: string, path: string, h: Record<string, string>, b?: string): Promise<number> {
    tried++;
    const res = await fetch(`${url}${path}`, { method, headers: h, ...(method === 'POST' && b !== undefined && { body: b }) });
    await res.arrayBuffer();
    if (res.status >= 500) fiveHundreds.push(`${method} ${path} ${JSON.stringify(h)} ${b?.slice(0, 200)} → ${res.status}`);
    return res.status;
  }

  it('answers every malformed request with a 4xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ROUTES), headers, body, async ([method, path], h, b) => {
        const status = await send(method, path, h, b);
        if (!NEEDS_NOTHING.has(path)) expect(status).toBeGreaterThanOrEqual(400);
        expect(status).toBeLessThan(500);
      }),
      { numRuns: 400 },
    );
    expect(fiveHundreds).toEqual([]);
  }, 120_000);

  it('answers oversized bodies with 413 on every POST route', async () => {
    const huge = JSON.stringify({ type: 'message', text: 'x'.repeat(400 * 1024), conversation: { id: 'c' } });
    for (const [method, path] of ROUTES.filter(([m]) => m === 'POST')) {
      expect([path, await send(method, path, { 'content-type': 'application/json' }, huge)]).toEqual([path, 413]);
    }
  });

  it('still serves afterwards, having been tried hundreds of times', async () => {
    expect(await send('GET', '/healthz', {})).toBe(200);
    // The count for docs/reliability.md.
    expect(tried).toBeGreaterThan(400);
  });
});

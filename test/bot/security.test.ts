import type { App } from '../../bot/index';
import { DEFAULT_SECURITY_HEADERS } from '../../bot/server';
import { SqlAgentStore } from '../../handoff/agents';
import { startApp, testConfig, withSql } from '../app';
import { postToBot, residentMessage } from './residentClient';

/** SECURITY.md's claims about the public server, each checked over real HTTP. */

describe('with MicrosoftAppId set, the Bot Framework token is required', () => {
  let app: App;
  let url: string;

  beforeAll(async () => {
    // An app id (and password) but no network: the adapter must refuse before it tries to fetch signing keys.
    ({ app, url } = await startApp(testConfig({ MicrosoftAppId: '00000000-0000-0000-0000-000000000001', MicrosoftAppPassword: 'not-a-real-secret', HOST: 'localhost' })));
  });
  afterAll(() => app.close());

  const activity = residentMessage('hello', { conversation: 'unsigned', serviceUrl: 'https://smba.trafficmanager.net/uk/' });

  it('refuses an unsigned request with 401', async () => {
    const res = await postToBot(url, activity);
    expect(res.status).toBe(401);
  });

  // A malformed token fails before any signing key is needed. Well-formed ones, forged and genuine,
  // and signing keys that cannot be fetched (503): test/bot/jwt.test.ts, against a local key server.
  it('refuses a malformed bearer token with 401', async () => {
    const res = await postToBot(url, activity, { authorization: 'Bearer not-a-jwt' });
    expect(res.status).toBe(401);
  });
});

describe('the console session cookie', () => {
  it('is HttpOnly, SameSite=Strict and, off plain-HTTP localhost (behind TLS), Secure', async () => {
    // 127.0.0.2 is this machine but not "localhost" to Parley, as a server behind a TLS proxy would be.
    const config = testConfig({ MicrosoftAppId: '00000000-0000-0000-0000-000000000001', MicrosoftAppPassword: 'x', HOST: '127.0.0.2' });
    await withSql(config, (sql) => new SqlAgentStore(sql).add({ name: 'Ann', departments: ['waste'], password: 'ann-password-1' }, new Date()));
    const { app, url } = await startApp(config);
    try {
      const res = await fetch(`${url}/api/console/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Ann', password: 'ann-password-1' }) });
      expect(res.status).toBe(200);
      expect(res.headers.get('set-cookie')).toMatch(/^parley_session=[\w-]{43}; HttpOnly; SameSite=Strict; Path=\/; Secure$/);
    } finally {
      await app.close();
    }
  });
});

describe('security headers', () => {
  let app: App;
  let url: string;

  beforeAll(async () => {
    ({ app, url } = await startApp(testConfig()));
  });
  afterAll(() => app.close());

  // Every kind of response: JSON, restify's own errors, the HTML pages (with their own CSP) and static files.
  it.each([
    ['GET', '/healthz', 'json'],
    ['GET', '/api/web/settings', 'json'],
    ['POST', '/api/messages', 'json'],
    ['GET', '/api/console/queue', 'json'],
    ['GET', '/no-such-page', 'json'],
    ['GET', '/', 'html'],
    ['GET', '/privacy', 'html'],
    ['GET', '/console', 'html'],
    ['GET', '/console/dashboard', 'html'],
    ['GET', '/web/widget.js', 'file'],
  ])('%s %s sends nosniff, no framing, a referrer policy and a CSP with no inline script', async (method, path, kind) => {
    const res = await fetch(`${url}${path}`, { method, ...(method === 'POST' && { body: '{', headers: { 'content-type': 'application/json' } }) });
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toMatch(/^(no-referrer|strict-origin-when-cross-origin)$/);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("'unsafe-inline'");
    if (kind === 'json') expect(csp).toBe(DEFAULT_SECURITY_HEADERS['Content-Security-Policy']);
    if (kind === 'html') expect(csp).toMatch(/script-src 'self'/);
  });
});

import type { App } from '../../../bot/index';
import { startApp, testConfig } from '../../app';
import { startHttpServer } from '../../localServer';

/** Azure's Direct Line `tokens/generate`, on localhost: it knows one secret. */
async function startAzureStandIn() {
  const calls: { authorization?: string; body: { user?: { id?: string } } }[] = [];
  const server = await startHttpServer(({ path, headers, body }) => {
    calls.push({ authorization: headers.authorization, body: JSON.parse(body || '{}') });
    const ok = path === '/v3/directline/tokens/generate' && headers.authorization === 'Bearer s3cret';
    return {
      status: ok ? 200 : 403,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ok ? { conversationId: 'azure-conversation', token: 'azure-token', expires_in: 3600, referenceGrammarId: 'x' } : { error: { code: 'BadArgument' } }),
    };
  });
  return { domain: `${server.origin}/v3/directline`, calls, close: server.close };
}

describe('website chat behind Azure Bot Service (MicrosoftAppId set)', () => {
  let azure: Awaited<ReturnType<typeof startAzureStandIn>>;
  const apps: App[] = [];

  async function start(secret?: string): Promise<string> {
    const config = testConfig({
      MicrosoftAppId: '00000000-0000-0000-0000-000000000001',
      MicrosoftAppPassword: 'not-used-offline',
      PARLEY_DIRECTLINE_DOMAIN: azure.domain,
      ...(secret && { PARLEY_DIRECTLINE_SECRET: secret }),
    });
    const { app, url } = await startApp(config);
    apps.push(app);
    return url;
  }

  beforeAll(async () => {
    azure = await startAzureStandIn();
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await azure.close();
  });

  it('trades the Direct Line secret for a token bound to a new user id; the secret never leaves the server', async () => {
    const url = await start('s3cret');
    const res = await fetch(`${url}/api/directline/token`, { method: 'POST' });
    const body = await res.text();
    expect([res.status, JSON.parse(body)]).toEqual([200, { conversationId: 'azure-conversation', token: 'azure-token', expires_in: 3600 }]);
    expect(body).not.toContain('s3cret');
    expect(azure.calls.at(-1)).toEqual({ authorization: 'Bearer s3cret', body: { user: { id: expect.stringMatching(/^dl_/) } } });
  });

  it('does not mount Parley’s own channel, so its Connector routes cannot be used to write into chats', async () => {
    const url = await start('s3cret');
    expect((await fetch(`${url}/v3/directline/conversations`, { method: 'POST' })).status).toBe(404);
    const connector = await fetch(`${url}/v3/conversations/any/activities`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"type":"message","text":"hi"}' });
    expect(connector.status).toBe(404);
  });

  it('points the widget, and the page’s policy, at Azure’s Direct Line', async () => {
    const url = await start('s3cret');
    expect(((await (await fetch(`${url}/api/web/settings`)).json()) as { directLineDomain: string }).directLineDomain).toBe(azure.domain);
    const origin = new URL(azure.domain);
    expect((await fetch(`${url}/`)).headers.get('content-security-policy')).toContain(`connect-src 'self' ${origin.origin} wss://${origin.host};`);
  });

  it('answers 503 without a secret and 502 when Azure refuses', async () => {
    expect(await (await fetch(`${await start()}/api/directline/token`, { method: 'POST' })).json()).toEqual({
      error: { code: 'NotConfigured', message: 'Website chat is not set up: PARLEY_DIRECTLINE_SECRET is empty.' },
    });
    const refused = await fetch(`${await start('wrong-secret')}/api/directline/token`, { method: 'POST' });
    expect(refused.status).toBe(502);
  });
});

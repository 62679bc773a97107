import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../../bot/config';
import { createApp, type App } from '../../../bot/index';
import { FIXTURE_KB } from '../harness';

/** Azure's Direct Line `tokens/generate`, on localhost: it knows one secret. */
async function startAzureStandIn() {
  const calls: { authorization?: string; body: { user?: { id?: string } } }[] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      calls.push({ authorization: req.headers.authorization, body: JSON.parse(raw || '{}') });
      const ok = req.url === '/v3/directline/tokens/generate' && req.headers.authorization === 'Bearer s3cret';
      res.statusCode = ok ? 200 : 403;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(ok ? { conversationId: 'azure-conversation', token: 'azure-token', expires_in: 3600, referenceGrammarId: 'x' } : { error: { code: 'BadArgument' } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    domain: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v3/directline`,
    calls,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('website chat behind Azure Bot Service (MicrosoftAppId set)', () => {
  let azure: Awaited<ReturnType<typeof startAzureStandIn>>;
  const apps: App[] = [];

  async function start(secret?: string): Promise<string> {
    const config = loadConfig({
      PORT: '0',
      PARLEY_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'parley-azure-')),
      PARLEY_KNOWLEDGE_DIR: FIXTURE_KB,
      MicrosoftAppId: '00000000-0000-0000-0000-000000000001',
      MicrosoftAppPassword: 'not-used-offline',
      PARLEY_DIRECTLINE_DOMAIN: azure.domain,
      ...(secret && { PARLEY_DIRECTLINE_SECRET: secret }),
    });
    const app = createApp(config, { log: { info: () => undefined, error: () => undefined } });
    apps.push(app);
    return app.listen();
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

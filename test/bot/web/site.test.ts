import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { App } from '../../../bot/index';
import { EMPTY_STYLE, webChatBundle } from '../../../bot/web/site';
import { startApp, testConfig } from '../../app';

const SHIPPED_RULES = path.resolve(__dirname, '..', '..', '..', 'bot', 'web', 'proactive-rules.yaml');

/** A GET with a Host header of our choosing (fetch will not send a made-up one). */
function getWithHost(url: string, host: string): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { host } }, (res) => {
      res.resume();
      resolve(res);
    });
    req.on('error', reject);
  });
}

describe('the demo council site', () => {
  let app: App;
  let url: string;

  beforeAll(async () => {
    ({ app, url } = await startApp(testConfig({ PARLEY_PROACTIVE_RULES: SHIPPED_RULES, PARLEY_WEBCHAT_RETENTION_HOURS: '6' })));
  });
  afterAll(() => app.close());

  it.each([
    ['/', 'Brackenford Borough Council', undefined],
    ['/bins', 'Bins and recycling - Brackenford Borough Council', '/bins'],
    ['/council-tax', 'Council Tax - Brackenford Borough Council', '/council-tax'],
    ['/privacy', 'Privacy: how we use the online chat - Brackenford Borough Council', '/privacy'],
  ])('serves %s with the widget, its title and a strict Content-Security-Policy', async (route, title, current) => {
    const res = await fetch(`${url}${route}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const port = new URL(url).port;
    expect(res.headers.get('content-security-policy')).toBe(
      `default-src 'self'; script-src 'self'; style-src 'self' '${EMPTY_STYLE}'; connect-src 'self' ws://localhost:${port}; ` +
        "img-src 'self' data: blob:; font-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    );
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await res.text();
    expect(html).toContain(`<title>${title}</title>`);
    expect(html).toContain('<script src="/web/widget.js" defer></script>');
    expect(html).toMatch(/<a href="\/privacy"( aria-current="page")?>Privacy: how we use the chat<\/a>/);
    expect(html).not.toMatch(/\{\{\w+\}\}/);
    if (current) expect(html).toContain(`<a href="${current}" aria-current="page">`);
  });

  it('says in the privacy statement how long the chat is kept and where it runs', async () => {
    const html = await (await fetch(`${url}/privacy`)).text();
    expect(html).toContain('The chat window keeps your messages for 6 hours');
    expect(html).toContain('your messages are not sent to other companies');
  });

  it('serves Web Chat’s browser bundle from the installed package, and the widget’s files', async () => {
    const res = await fetch(`${url}/web/webchat.js`);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(Buffer.from(await res.arrayBuffer()).equals(fs.readFileSync(webChatBundle()))).toBe(true);
    for (const [file, type] of [
      ['widget.js', 'text/javascript; charset=utf-8'],
      ['widget.css', 'text/css; charset=utf-8'],
      ['site.css', 'text/css; charset=utf-8'],
    ]) {
      const asset = await fetch(`${url}/web/${file}`);
      expect([asset.status, asset.headers.get('content-type')]).toEqual([200, type]);
    }
  });

  it('gives the widget its settings: this server as the channel, the retention, the proactive rules', async () => {
    const settings = (await (await fetch(`${url}/api/web/settings`)).json()) as Record<string, unknown>;
    expect(settings).toEqual({
      directLineDomain: null,
      privacyNotice: 'We use what you type to answer you and keep this chat for 6 hours.',
      proactive: [expect.objectContaining({ id: 'council-tax-help' }), expect.objectContaining({ id: 'bin-day-help' })],
    });
  });

  it('never copies a malformed Host header into the policy', async () => {
    const res = await getWithHost(`${url}/`, 'evil.example; script-src *');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-security-policy']).toContain("connect-src 'self'; ");
    expect(res.headers['content-security-policy']).not.toContain('evil');
  });
});

import type { BrowserContext } from 'playwright-core';
import type { App } from '../../bot/index';
import { SqlAgentStore } from '../../handoff/agents';
import { SqlLeftMessageStore } from '../../handoff/leftMessages';
import { SqlEscalationQueue } from '../../handoff/queue';
import { startApp, testConfig, withSql } from '../app';
import { postToBot, residentMessage } from '../bot/residentClient';
import { launchChromium } from '../chromium';
import { call, login } from './consoleClient';
import { startStandInChannel, type StandInChannel } from './standInChannel';

/**
 * Residents' words, names and summaries carrying markup, shown in the console and in the Web Chat
 * widget: each must stay text. Every payload sets window.__pwned if it ever runs.
 */
const PAYLOADS = [
  '<script>window.__pwned = 1</script>',
  '<img src=x onerror="window.__pwned = 2">',
  '<svg onload="window.__pwned = 3"></svg>',
  '"><iframe src="javascript:window.__pwned = 4"></iframe>',
  '<a href="javascript:window.__pwned = 5">click me</a>',
  '[click me](javascript:window.__pwned=6)',
  '<details open ontoggle="window.__pwned = 7">',
];
// Elements, handlers or links none of the payloads may turn into. (Web Chat's markdown keeps a
// bare <img src="x"> with its handler stripped: no script, and the page's CSP img-src keeps images
// to this server, so it cannot be used as a beacon. The console shows it as text.)
const INJECTED = 'script:not([src]), img[onerror], svg[onload], iframe, details[ontoggle], a[href^="javascript:"]';
// A Monday morning: Waste and Customer Services are open in the fixture knowledge base.
const CLOCK = new Date('2026-11-23T10:00:00Z');

describe('resident-supplied text in a real browser', () => {
  let app: App;
  let url: string;
  let browser: BrowserContext;
  let channel: StandInChannel;
  let chatId: number;
  let leftId: number;

  /** A message from a resident whose display name is itself a payload. */
  const fromResident = (text: string, conversation: string) => ({
    ...residentMessage(text, { conversation, serviceUrl: channel.serviceUrl, timestamp: CLOCK }),
    from: { id: `resident-${conversation}`, name: PAYLOADS[1], role: 'user' },
  });

  beforeAll(async () => {
    channel = await startStandInChannel();
    const config = testConfig();
    await withSql(config, (sql) => new SqlAgentStore(sql).add({ name: 'Ann', departments: ['waste', 'customer-services'], password: 'ann-password-1' }, CLOCK));
    await withSql(config, async (sql) => {
      const queue = new SqlEscalationQueue(sql);
      const reference = (id: string) => ({ channelId: 'test', conversation: { id }, serviceUrl: channel.serviceUrl, bot: { id: 'parley' }, user: { id: `resident-${id}`, name: PAYLOADS[1] } });
      chatId = (await queue.enqueue({ conversationId: 'c-xss', reference: reference('c-xss'), department: 'waste', priority: 'normal', reason: 'asked', summary: PAYLOADS.join(' ') }, CLOCK)).escalation.id;
      const left = await queue.leaveMessage({ conversationId: 'c-left-xss', reference: reference('c-left-xss'), department: 'waste', priority: 'normal', reason: 'closed', summary: PAYLOADS[0] }, CLOCK);
      leftId = left.id;
      await new SqlLeftMessageStore(sql).add(
        { escalationId: left.id, question: PAYLOADS.join(' '), contact: { kind: 'email', value: 'x@example.com' }, replyBy: new Date('2026-11-24T10:00:00Z'), deliveries: [] },
        CLOCK,
      );
    });
    ({ app, url } = await startApp(config, { now: () => CLOCK }));
    // The transcript before the handoff: every payload as a resident's message.
    for (const payload of PAYLOADS) expect((await postToBot(url, fromResident(payload, 'c-xss'))).status).toBe(200);
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await channel?.close();
  });

  it('the console shows payloads in the transcript, the live chat and a left message as text, and runs none', async () => {
    const page = await browser.newPage();
    await page.goto(`${url}/console`);
    await page.getByLabel('Name').fill('Ann');
    await page.getByLabel('Password').fill('ann-password-1');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: `Open conversation ${chatId} (waste)` }).click();
    for (const payload of PAYLOADS) await page.locator('#transcript li', { hasText: payload }).first().waitFor();

    await page.getByRole('button', { name: 'Pick up' }).click();
    await page.getByLabel('Your reply').waitFor();
    // While the chat is live, the resident's messages go to the live thread.
    for (const payload of PAYLOADS) expect((await postToBot(url, fromResident(`live ${payload}`, 'c-xss'))).status).toBe(200);
    for (const payload of PAYLOADS) await page.locator('#live li', { hasText: `live ${payload}` }).waitFor();

    const item = page.locator('.left-message', { hasText: `Message ${leftId}` });
    expect(await item.locator('dd').first().textContent()).toBe(PAYLOADS.join(' '));

    expect(await page.locator(`${INJECTED}, img[src="x"]`).count()).toBe(0);
    expect(await page.evaluate('typeof window.__pwned')).toBe('undefined');
    await page.close();
  }, 60_000);

  it('Web Chat renders an officer’s and a resident’s markdown without running or linking script', async () => {
    const ann = await login(url, 'Ann', 'ann-password-1');
    const page = await browser.newPage();
    await page.goto(`${url}/`);
    await page.getByRole('button', { name: 'Ask us' }).click();
    const box = page.locator('[data-id="webchat-sendbox-input"]');
    const say = async (text: string) => {
      await box.fill(text);
      await box.press('Enter');
    };
    await say('I want to speak to a person');
    await page.getByRole('toolbar', { name: 'Suggested actions' }).getByRole('button', { name: 'Yes, connect me' }).click();
    await page.locator('.webchat__bubble', { hasText: /in the queue for Customer Services/ }).waitFor();

    const waiting = (await call(url, ann, 'GET', '/api/console/queue')).body!.waiting as { id: number; department: string }[];
    const mine = waiting.find((w) => w.department === 'customer-services')!;
    expect((await call(url, ann, 'POST', `/api/console/escalations/${mine.id}/pickup`)).status).toBe(200);
    // The bot relays what the officer types to the widget, which renders it as markdown.
    for (const [i, payload] of PAYLOADS.entries()) {
      expect((await call(url, ann, 'POST', `/api/console/escalations/${mine.id}/messages`, { text: `officer ${i} ${payload}` })).status).toBe(200);
      await page.locator('.webchat__bubble', { hasText: `officer ${i}` }).waitFor();
    }
    for (const [i, payload] of PAYLOADS.entries()) {
      await say(`resident ${i} ${payload}`);
      await page.locator('.webchat__bubble--from-user', { hasText: `resident ${i}` }).waitFor();
    }

    const found = await page.locator(`.webchat__bubble ${INJECTED.split(', ').join(', .webchat__bubble ')}`).evaluateAll((els) => els.map((e) => e.outerHTML));
    expect(found).toEqual([]);
    expect(await page.evaluate('typeof window.__pwned')).toBe('undefined');
    await page.close();
  }, 90_000);
});

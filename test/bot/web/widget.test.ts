import fs from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import type { App } from '../../../bot/index';
import { SqlAgentStore } from '../../../handoff/agents';
import { startApp, testConfig, withSql } from '../../app';
import { launchChromium } from '../../chromium';
import { call, login } from '../../handoff/consoleClient';
import { tempDir } from '../../tempDb';

// The shipped knowledge base and bin rounds: what `npm start` serves.
const SHIPPED_KB = path.resolve(__dirname, '..', '..', '..', 'knowledge');
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
// Wednesday 25 November 2026, 10:00 in London: Customer Services is open.
const NOW = new Date('2026-11-25T10:00:00Z');
// A postcode from the shipped bin rounds (knowledge/data/bin-postcodes.csv).
const POSTCODE = 'BK3 4TN';

/** Short rules so the test need not wait 30 seconds: an offer after 1 s, another on scrolling. */
const TEST_RULES = `rules:
  - id: council-tax-help
    page: /council-tax
    afterSeconds: 1
    message: Need help paying your council tax?
    topics: [How do I pay my council tax?]
  - id: bin-day-help
    page: /bins
    scrollDepth: 50
    message: Looking for your bin collection day?
    topics: [When is my bin day?]
`;

// Run inside the page (functions, not strings: the page's CSP forbids eval, and Playwright polls
// a string condition with eval). The project has no DOM types, hence `globalThis as any`.
const messageBoxHasFocus = () => (globalThis as any).document.activeElement?.getAttribute('data-id') === 'webchat-sendbox-input';
const offerIs = (state: string) => (globalThis as any).document.querySelector('.parley')?.getAttribute('data-parley-offer') === state;

describe('the "Ask us" widget in a real browser', () => {
  let app: App;
  let url: string;
  let browser: BrowserContext;
  const external: string[] = [];
  const cspViolations: string[] = [];

  beforeAll(async () => {
    const rules = path.join(tempDir('parley-widget-'), 'rules.yaml');
    fs.writeFileSync(rules, TEST_RULES);
    const config = testConfig({ PARLEY_KNOWLEDGE_DIR: SHIPPED_KB, PARLEY_PROACTIVE_RULES: rules });
    await withSql(config, (sql) => new SqlAgentStore(sql).add({ name: 'Ann Smith', departments: ['customer-services'], password: 'ann-password-1' }, NOW));
    ({ app, url } = await startApp(config, { now: () => NOW }));
    browser = await launchChromium();
    // The page must work with no internet: record anything it asks of another origin.
    const self = new URL(url);
    browser.on('request', (request) => {
      const target = new URL(request.url());
      if (target.protocol !== 'blob:' && target.protocol !== 'data:' && target.host !== self.host) external.push(request.url());
    });
    await browser.addInitScript('document.addEventListener("securitypolicyviolation", (e) => console.error("CSP violation: " + e.violatedDirective + " " + e.blockedURI))');
    browser.on('console', (message) => {
      if (message.text().startsWith('CSP violation')) cspViolations.push(message.text());
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  async function newPage(): Promise<Page> {
    const page = await browser.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error' && message.text().includes('Content Security Policy')) cspViolations.push(message.text());
    });
    return page;
  }

  const messageBox = (page: Page) => page.locator('[data-id="webchat-sendbox-input"]');
  const botSaid = (page: Page, text: string | RegExp) => page.locator('.webchat__bubble:not(.webchat__bubble--from-user)', { hasText: text }).last();
  const focused = (page: Page) => page.evaluate('document.activeElement && (document.activeElement.getAttribute("data-id") || document.activeElement.className || document.activeElement.tagName)');

  async function say(page: Page, text: string) {
    await messageBox(page).fill(text);
    await messageBox(page).press('Enter');
  }

  async function axeViolations(page: Page): Promise<{ id: string; nodes: string[] }[]> {
    await page.evaluate(AXE);
    return page.evaluate(
      `axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } })
         .then((r) => r.violations.map((v) => ({ id: v.id, nodes: v.nodes.map((n) => n.target.join(' ')) })))`,
    );
  }

  let chat: Page;

  it('answers "when is my bin day" with the collections for a postcode', async () => {
    chat = await newPage();
    await chat.goto(`${url}/`);
    await chat.getByRole('button', { name: 'Ask us' }).click();
    await botSaid(chat, /^Hello, and welcome to Brackenford Borough Council/).waitFor();
    // The privacy notice and its link are in the open widget.
    await chat.getByRole('dialog', { name: 'Ask Brackenford Borough Council' }).getByRole('link', { name: 'How we use your information' }).waitFor();

    await say(chat, 'when is my bin day');
    await botSaid(chat, 'What is your postcode?').waitFor();
    await say(chat, POSTCODE);
    const answer = await botSaid(chat, `Your next bin collections for ${POSTCODE}`).textContent();
    expect(answer).toMatch(/(Monday|Tuesday|Wednesday|Thursday|Friday) \d{1,2} (November|December)/);
  }, 60_000);

  it('puts the resident through to a person, and the agent’s reply from the console appears in the widget', async () => {
    const ann = await login(url, 'Ann Smith', 'ann-password-1');

    await say(chat, 'I want to speak to a person');
    await chat.getByRole('toolbar', { name: 'Suggested actions' }).getByRole('button', { name: 'Yes, connect me' }).click();
    await botSaid(chat, /^You’re number 1 in the queue for Customer Services/).waitFor();

    const waiting = (await call(url, ann, 'GET', '/api/console/queue')).body!.waiting as { id: number; department: string }[];
    expect(waiting.map((w) => w.department)).toEqual(['customer-services']);
    expect((await call(url, ann, 'POST', `/api/console/escalations/${waiting[0]!.id}/pickup`)).status).toBe(200);
    await botSaid(chat, 'You are now chatting with Ann from Customer Services.').waitFor();
    expect((await call(url, ann, 'POST', `/api/console/escalations/${waiting[0]!.id}/messages`, { text: 'Hello, I’m Ann. I can see your bin day question. How can I help?' })).status).toBe(200);
    await botSaid(chat, 'Hello, I’m Ann. I can see your bin day question. How can I help?').waitFor();

    // For the README: PARLEY_SCREENSHOT=docs/images/webchat.png npx jest test/bot/web/widget.test.ts
    if (process.env.PARLEY_SCREENSHOT) await chat.screenshot({ path: process.env.PARLEY_SCREENSHOT });
  }, 60_000);

  it('resumes the same conversation after a reload, history included', async () => {
    await chat.reload();
    await botSaid(chat, 'Hello, I’m Ann. I can see your bin day question. How can I help?').waitFor();
    expect(await chat.locator('.webchat__bubble--from-user', { hasText: POSTCODE }).count()).toBe(1);
    // Reopened as it was, without taking the focus from the page.
    expect(await focused(chat)).toBe('BODY');
  }, 60_000);

  it('passes axe-core’s WCAG 2.2 AA checks, on the page and with the widget open', async () => {
    expect(await axeViolations(chat)).toEqual([]);
    const page = await newPage();
    await page.goto(`${url}/council-tax`);
    expect(await axeViolations(page)).toEqual([]);
    await page.close();
  }, 60_000);

  it('works with the keyboard alone: Tab to the launcher, Enter opens, focus in the message box, Escape closes', async () => {
    const page = await newPage();
    await page.goto(`${url}/`);
    const launcher = page.getByRole('button', { name: 'Ask us' });
    await launcher.waitFor();
    const hasFocus = () => launcher.evaluate((el: any) => el === el.ownerDocument.activeElement);
    for (let presses = 0; presses < 30 && !(await hasFocus()); presses++) await page.keyboard.press('Tab');
    expect(await hasFocus()).toBe(true);

    await page.keyboard.press('Enter');
    await page.waitForFunction(messageBoxHasFocus);
    expect(await launcher.getAttribute('aria-expanded')).toBe('true');
    await page.keyboard.type('how do I pay my council tax');
    await page.keyboard.press('Enter');
    await botSaid(page, /Council Tax/).waitFor();

    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'hidden' });
    expect(await hasFocus()).toBe(true);
    expect(await launcher.getAttribute('aria-expanded')).toBe('false');
    await page.close();
  }, 60_000);

  it('offers help after the rule’s time on the page, politely, without taking the focus; a dismissal sticks for the visit', async () => {
    const page = await newPage();
    await page.clock.install();
    await page.goto(`${url}/council-tax`);
    const widget = page.locator('.parley');
    await page.waitForFunction(offerIs, 'armed');
    await page.getByRole('link', { name: 'Set up a Direct Debit' }).focus();

    await page.clock.runFor(1_000);
    const status = page.getByRole('status');
    await status.filter({ hasText: 'Need help paying your council tax?' }).waitFor();
    expect(await status.getAttribute('aria-live')).toBe('polite');
    expect(await page.evaluate('document.activeElement.textContent')).toBe('Set up a Direct Debit');
    expect(await widget.getAttribute('data-parley-offer')).toBe('shown');

    await page.getByRole('button', { name: 'No thanks' }).click();
    expect(await status.textContent()).toBe('');
    // The same visit: the next page view does not arm the offer again, however long it stays.
    await page.goto(`${url}/council-tax`);
    await page.waitForFunction(offerIs, 'done');
    await page.clock.runFor(60_000);
    expect(await page.getByRole('status').textContent()).toBe('');
    expect(await page.getByRole('button', { name: 'No thanks' }).count()).toBe(0);
    await page.close();
  }, 60_000);

  it('offers help when the resident scrolls far enough, and a topic opens the chat and asks it', async () => {
    const page = await newPage();
    await page.goto(`${url}/bins`);
    await page.waitForFunction(offerIs, 'armed');
    expect(await page.getByRole('status').textContent()).toBe('');
    await page.evaluate('window.scrollTo(0, document.documentElement.scrollHeight)');
    await page.getByRole('button', { name: 'When is my bin day?' }).click();
    await page.waitForFunction(messageBoxHasFocus);
    await page.locator('.webchat__bubble--from-user', { hasText: 'When is my bin day?' }).waitFor();
    await botSaid(page, 'What is your postcode?').waitFor();
    await page.close();
  }, 60_000);

  it('made no request to any other site and broke no rule of the Content-Security-Policy', () => {
    expect(external).toEqual([]);
    expect(cspViolations).toEqual([]);
  });
});

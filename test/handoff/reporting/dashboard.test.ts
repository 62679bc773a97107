import fs from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import type { App } from '../../../bot/index';
import type { Figures } from '../../../handoff/reporting/figures';
import { startApp, testConfig } from '../../app';
import { launchChromium } from '../../chromium';
import { call, login } from '../consoleClient';
import { startStandInChannel, type StandInChannel } from '../standInChannel';
import { addAgents, ANN, playMoreDays, playScenario, SAM, SCENARIO_ENV } from './scenario';

/** Friday 4 December 2026, 5pm: after ten working days of conversations. */
const END = new Date('2026-12-04T17:00:00Z');
const TEN_DAYS = 'from=2026-11-23&to=2026-12-04';

describe('the supervisors’ dashboard in a real browser', () => {
  let app: App;
  let url: string;
  let channel: StandInChannel;
  let browser: BrowserContext;
  let page: Page;
  let clock = new Date('2026-11-22T12:00:00Z');
  const external: string[] = [];
  const problems: string[] = [];

  async function signIn(tab: Page, who: { name: string; password: string }) {
    await tab.goto(`${url}/console`);
    await tab.getByLabel('Name').fill(who.name);
    await tab.getByLabel('Password').fill(who.password);
    await tab.getByRole('button', { name: 'Sign in' }).click();
    await tab.getByRole('heading', { name: /^Waiting/ }).waitFor();
  }

  beforeAll(async () => {
    channel = await startStandInChannel();
    const config = testConfig(SCENARIO_ENV);
    await addAgents(config);
    ({ app, url } = await startApp(config, { now: () => clock }));
    const deps = { url, serviceUrl: channel.serviceUrl, setClock: (at: Date) => (clock = at) };
    await playScenario(deps);
    await playMoreDays(deps);
    clock = END;

    browser = await launchChromium();
    const self = new URL(url);
    browser.on('request', (request) => {
      const target = new URL(request.url());
      if (target.protocol !== 'data:' && target.host !== self.host) external.push(request.url());
    });
    await browser.addInitScript('document.addEventListener("securitypolicyviolation", (e) => console.error("CSP violation: " + e.violatedDirective + " " + e.blockedURI))');
    page = await browser.newPage();
    page.on('console', (m) => {
      // The browser asks for /favicon.ico by itself; Parley has none.
      if (m.type() === 'error' && !m.location().url.endsWith('/favicon.ico')) problems.push(`${m.text()} ${m.location().url}`);
    });
    page.on('pageerror', (e) => problems.push(e.message));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await channel?.close();
  });

  it('takes a supervisor from the console to the dashboard, with the last 30 days', async () => {
    await signIn(page, SAM);
    await page.getByRole('link', { name: 'dashboard' }).click();
    await page.getByRole('heading', { level: 1, name: 'Parley dashboard' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/console/dashboard');
    expect(await page.getByRole('heading', { level: 2 }).first().textContent()).toBe('All departments, Thursday 5 November 2026 to Friday 4 December 2026');
    expect(await page.getByLabel('From', { exact: true }).inputValue()).toBe('2026-11-05');
    expect(await page.getByLabel('To', { exact: true }).inputValue()).toBe('2026-12-04');
  }, 30_000);

  it('draws the charts as images with titles, each beside a table of its numbers, and the figures the API gives', async () => {
    const response = await page.goto(`${url}/console/dashboard?${TEN_DAYS}`);
    expect(response!.status()).toBe(200);
    const sam = await login(url, SAM.name, SAM.password);
    const f = (await call(url, sam, 'GET', `/api/console/report?${TEN_DAYS}`)).body as Figures;

    const charts = page.locator('svg[role="img"]');
    expect(await charts.count()).toBe(4);
    expect(await page.locator('svg[role="img"] > title').allTextContents()).toEqual([
      'Conversations and contained conversations per day',
      'Handoffs to a person by reason',
      'Conversations started by weekday and hour',
      'Requests for a person by weekday and hour',
    ]);
    // Each chart is named by its title and described by its description.
    expect(await page.getByRole('img', { name: 'Handoffs to a person by reason' }).count()).toBe(1);

    // The line chart: two lines (conversations, contained) with a point for each of the 12 days.
    const daily = page.locator('#chart-daily');
    expect(await daily.locator('polyline.series').count()).toBe(2);
    expect(await daily.locator('circle').count()).toBe(2 * 12);
    expect((await daily.locator('polyline.series').first().getAttribute('points'))!.split(' ')).toHaveLength(12);
    // A bar per reason, as wide as its count allows: the longest is the most common.
    const bars = page.locator('#chart-reasons rect.bar');
    expect(await bars.count()).toBe(9);
    const widths = await bars.evaluateAll((els) => els.map((e) => Number(e.getAttribute('width'))));
    expect(widths[0]).toBe(Math.max(...widths));
    expect(widths[0]).toBeGreaterThan(0);
    // Heat maps: 7 weekdays × 24 hours, Saturday and Sunday empty, Monday 9am darker than empty cells.
    const cells = page.locator('#chart-hours rect.cell');
    expect(await cells.count()).toBe(168);
    const fills = await cells.evaluateAll((els) => els.map((e) => e.getAttribute('fill')));
    expect(new Set(fills.slice(5 * 24))).toEqual(new Set(['#f3f2f1']));
    expect(fills[9]).not.toBe('#f3f2f1');

    // Tables beside the charts hold the same numbers.
    const dailyRows = page.locator('table:has(caption:text("Conversations per day")) tbody tr');
    expect(await dailyRows.count()).toBe(12);
    expect(await dailyRows.first().locator('td').allTextContents()).toEqual([String(f.daily[0]!.conversations), String(f.daily[0]!.contained), expect.stringMatching(/%$/)]);
    const reasonRow = page.locator('table:has(caption:text("Offers of a person by reason")) tbody tr').first();
    expect(await reasonRow.locator('th, td').allTextContents()).toEqual(['Asked for a person', ...[f.handoffs.byReason[0]!.offered, f.handoffs.byReason[0]!.accepted, f.handoffs.byReason[0]!.declined].map(String), expect.stringMatching(/%$/)]);

    const stat = (label: string) => page.locator('.stat', { has: page.locator(`dt:text-is("${label}")`) }).first().locator('.value').textContent();
    expect(await stat('Conversations')).toBe(String(f.conversations.started));
    expect(await stat('Chats handled')).toBe(String(f.handling.chats));
    expect(f.conversations.started).toBeGreaterThan(40);
    expect(await page.locator('table:has(caption:text("Chats by officer")) tbody th').allTextContents()).toEqual(['Ann Smith']);
    expect(await page.getByText('Assumptions: every conversation the bot contained').count()).toBe(1);

    // For the README: PARLEY_SCREENSHOT=docs/images/dashboard.png npx jest test/handoff/reporting/dashboard.test.ts
    if (process.env.PARLEY_SCREENSHOT) await page.screenshot({ path: process.env.PARLEY_SCREENSHOT, fullPage: true });
  }, 30_000);

  it('narrows to a department chosen in the form', async () => {
    await page.getByLabel('Department', { exact: true }).selectOption({ label: 'Waste and Recycling' });
    await page.getByRole('button', { name: 'Show figures' }).click();
    await page.waitForURL(/department=waste/);
    expect(await page.getByRole('heading', { level: 2 }).first().textContent()).toBe('Waste and Recycling, Monday 23 November 2026 to Friday 4 December 2026');
    expect(await page.getByLabel('Department', { exact: true }).inputValue()).toBe('waste');
  }, 30_000);

  it('passes axe-core’s WCAG 2 A and AA checks, and loads nothing from elsewhere', async () => {
    await page.goto(`${url}/console/dashboard?${TEN_DAYS}`);
    // Every chart's table open too, so they are checked as well.
    await page.locator('details.chart-data > summary').evaluateAll((els) => els.forEach((e) => e.parentElement!.setAttribute('open', '')));
    await page.evaluate(fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));
    const result = (await page.evaluate("axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] })")) as {
      violations: { id: string; nodes: { target: string[] }[] }[];
    };
    expect(result.violations.map((v) => ({ id: v.id, nodes: v.nodes.map((n) => n.target.join(' ')) }))).toEqual([]);
    expect(external).toEqual([]);
    expect(problems).toEqual([]);
  }, 30_000);

  it('refuses an officer who is not a supervisor (403), and anyone not signed in (401)', async () => {
    await browser.clearCookies();
    const signedOut = await page.goto(`${url}/console/dashboard`);
    expect(signedOut!.status()).toBe(401);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Sign in first');

    await signIn(page, ANN);
    // Ann's console does not show the supervisors' section with the link.
    expect(await page.getByRole('link', { name: 'dashboard' }).isVisible()).toBe(false);
    const refused = await page.goto(`${url}/console/dashboard?${TEN_DAYS}`);
    expect(refused!.status()).toBe(403);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Only supervisors can see the dashboard');
    expect(await page.locator('svg').count()).toBe(0);
  }, 30_000);
});

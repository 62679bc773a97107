import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { loadConfig } from '../../bot/config';
import { openDatabase } from '../../bot/db';
import { createApp, type App } from '../../bot/index';
import { SqliteAgentStore } from '../../handoff/agents';
import { SqliteEscalationQueue } from '../../handoff/queue';
import { FIXTURE_KB } from '../bot/harness';
import { startStandInChannel, type StandInChannel } from './standInChannel';

// The real Chromium from Debian (.ci/run installs it), driven by playwright-core: no browser download.
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SCRIPT = '<script>window.__pwned = true</script>';

describe('the console page in a real browser', () => {
  let app: App;
  let url: string;
  let browser: BrowserContext;
  let page: Page;
  let channel: StandInChannel;

  beforeAll(async () => {
    channel = await startStandInChannel();
    const serviceUrl = channel.serviceUrl;
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-page-'));
    const config = loadConfig({ PORT: '0', PARLEY_DATA_DIR: dataDir, PARLEY_KNOWLEDGE_DIR: FIXTURE_KB });
    const db = openDatabase(config.databaseFile);
    new SqliteAgentStore(db).add({ name: 'Ann', departments: ['waste'], password: 'ann-password-1' }, new Date());
    new SqliteEscalationQueue(db).enqueue(
      {
        conversationId: 'c-web',
        reference: { channelId: 'test', conversation: { id: 'c-web' }, serviceUrl, bot: { id: 'parley' }, user: { id: 'resident' } },
        department: 'waste',
        priority: 'normal',
        reason: 'asked',
        summary: 'Missed bin',
      },
      new Date(),
    );
    db.close();
    app = createApp(config, { log: { info: () => undefined, error: () => undefined } });
    url = await app.listen();
    // The resident's conversation before the handoff, with a script in it.
    await fetch(`${url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'message',
        id: 'r1',
        text: `my bin was missed ${SCRIPT}`,
        channelId: 'test',
        serviceUrl,
        from: { id: 'resident', role: 'user' },
        recipient: { id: 'parley', role: 'bot' },
        conversation: { id: 'c-web' },
        deliveryMode: 'expectReplies',
      }),
    });
    browser = await chromium.launchPersistentContext(fs.mkdtempSync(path.join(os.tmpdir(), 'parley-chromium-')), {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1100, height: 900 },
    });
    page = await browser.newPage();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await channel?.close();
  });

  it('lets an agent sign in, open a waiting chat, read the transcript, pick it up and reply', async () => {
    await page.goto(`${url}/console`);
    await page.getByLabel('Name').fill('Ann');
    await page.getByLabel('Password').fill('ann-password-1');
    await page.getByRole('button', { name: 'Sign in' }).click();

    await page.getByRole('heading', { name: 'Waiting (1)' }).waitFor();
    expect(await page.title()).toBe('(1) Parley console');
    await page.getByRole('button', { name: /Open conversation \d+ \(waste\)/ }).click();

    const transcript = page.locator('#transcript li');
    await transcript.first().waitFor();
    expect(await transcript.first().textContent()).toBe(`Resident:my bin was missed ${SCRIPT}`);

    await page.getByRole('button', { name: 'Pick up' }).click();
    await page.getByLabel('Your reply').fill('Hello, this is Ann from Waste. I will book a return visit.');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.locator('#live li', { hasText: 'I will book a return visit' }).waitFor();
    expect(channel.texts()).toContain('Hello, this is Ann from Waste. I will book a return visit.');
    // Picked up: it has left the waiting list, and the reply shows as live chat, not as transcript.
    await page.getByRole('heading', { name: 'Waiting (0)' }).waitFor();
    expect(await page.locator('#transcript li', { hasText: 'I will book a return visit' }).count()).toBe(0);
    // For the README: PARLEY_SCREENSHOT=docs/images/console.png npx jest test/handoff/consolePage.test.ts
    if (process.env.PARLEY_SCREENSHOT) await page.screenshot({ path: process.env.PARLEY_SCREENSHOT, fullPage: true });
  }, 60_000);

  it('shows a resident’s <script> as text and never runs it', async () => {
    // The page's own global object; a string keeps the DOM types out of this Node project.
    expect(await page.evaluate('typeof window.__pwned')).toBe('undefined');
    expect(await page.locator('#transcript script').count()).toBe(0);
  });
});

import { chromium, type BrowserContext } from 'playwright-core';
import { tempDir } from './tempDb';

// Debian's Chromium (.ci/run installs it), driven by playwright-core: no browser download. Without
// the background-networking flags it floods the closed network with refused connections.
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** A headless Chromium with a fresh profile and a desktop-sized window. */
export function launchChromium(): Promise<BrowserContext> {
  return chromium.launchPersistentContext(tempDir('parley-chromium-'), {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1100, height: 900 },
  });
}

// Runs the battery (dist/check/battery.js) in a headless browser already on this machine, loading
// the library from dist/ over a 127.0.0.1 static server exactly as a page would. Chromium is
// driven by playwright-core with the system's executable, Firefox and WebKitGTK through WebDriver
// (webdriver.mjs); nothing is ever downloaded.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM_ARGS, findChromium } from '../../harness/local-browsers.mjs';
import { startStaticServer } from '../../harness/static-server.mjs';
import { SetupError } from './errors.mjs';
import { runInWebDriver } from './webdriver.mjs';

const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const DIST = path.join(PACKAGE_ROOT, 'dist');

export { SetupError };

/**
 * Runs the battery in `browser` against `options.url`; resolves with `{ rows, version, ms,
 * browser }`. `onRow` is called in Node as the page decides each row.
 */
export async function runInBrowser(browser, options, { onRow = () => {}, timeoutMs = 120000, signal = null } = {}) {
  if (!fs.existsSync(path.join(DIST, 'check', 'battery.js')) || !fs.existsSync(path.join(DIST, 'scratch-mqtt.js'))) {
    throw new SetupError(`the library is not built (${path.relative(process.cwd(), DIST) || 'dist'}/check/battery.js is missing): run npm run build`);
  }
  const site = await startStaticServer({ mounts: { '/': DIST } });
  const pageUrl = `${site.url}check/page.html`;
  try {
    if (browser === 'chromium') return await runInChromium(pageUrl, options, onRow, signal);
    return await runInWebDriver(browser, pageUrl, options, timeoutMs, signal);
  } finally {
    await site.close();
  }
}

async function runInChromium(pageUrl, options, onRow, signal) {
  const executablePath = findChromium();
  if (!executablePath || !fs.existsSync(executablePath)) {
    throw new SetupError('no Chromium found on this machine: install it (Debian: apt-get install chromium) or set CHROMIUM_BIN');
  }
  const { chromium } = await import('playwright-core');
  let browser;
  // Closing the browser makes whatever waits on the page reject at once.
  const stop = () => browser?.close().catch(() => {});
  signal?.addEventListener('abort', stop);
  try {
    browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
    if (signal?.aborted) throw new Error('stopped');
    const page = await browser.newPage();
    await page.exposeFunction('scratchMqttCheckRow', (row) => onRow(row));
    await page.goto(pageUrl);
    await page.waitForFunction(() => document.body?.dataset.ready === 'true', null, { timeout: 10000 });
    const result = await page.evaluate(
      (opts) => window.scratchMqttCheck.runBattery({ ...opts, onRow: (row) => window.scratchMqttCheckRow(row) }),
      options,
    );
    return { ...result, browser: `Chromium ${browser.version()}` };
  } finally {
    signal?.removeEventListener('abort', stop);
    await browser?.close().catch(() => {});
  }
}

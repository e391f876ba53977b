// Playwright harness for the browser tests: Debian's Chromium driven by playwright-core (no
// browser download, ever), a static server for www/ and dist/ on 127.0.0.1, and screenshots
// under test-results/ (git-ignored).
//
//   const site = await startSite();                 // http://127.0.0.1:<port>/ → www/, /dist/ → dist/
//   const browser = await launchBrowser();
//   const page = await browser.newPage();           // page.dialogs, page.errors collect as it runs
//   await page.goto(site.url);
//   await page.screenshot({ path: screenshotPath('demo-en') });
//   await browser.close(); await site.close();

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, findChromium } from './local-browsers.mjs';
import { startStaticServer } from './static-server.mjs';
import { onCleanup } from './cleanup.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CHROMIUM = findChromium() ?? '/usr/bin/chromium';
export const LIBRARY = path.join(ROOT, 'dist', 'scratch-mqtt.js');
export const RESULTS = path.join(ROOT, 'test-results');

/** True once the wasm shell has been built into dist/. */
export function libraryBuilt() {
  return fs.existsSync(LIBRARY);
}

/**
 * Chromium with a fresh profile folder, removed on close. Returns the context, whose `newPage()`
 * adds `page.errors` (uncaught exceptions), `page.consoleErrors` and `page.dialogs` (alert,
 * confirm… — each dismissed and recorded).
 */
export async function launchBrowser({ viewport = { width: 1280, height: 860 }, locale = 'en-US', ...options } = {}) {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_BIN)`);
  }
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'smq-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport,
      locale,
      ...options,
    });
  } catch (err) {
    fs.rmSync(profile, { recursive: true, force: true });
    throw err;
  }
  const close = context.close.bind(context);
  const unregister = onCleanup(() => close().catch(() => {}));
  context.close = async () => {
    unregister();
    await close().catch(() => {});
    fs.rmSync(profile, { recursive: true, force: true });
  };
  const newPage = context.newPage.bind(context);
  context.newPage = async () => watch(await newPage());
  // A persistent context opens with one blank page; reuse it as the first page.
  const [first] = context.pages();
  if (first) {
    watch(first);
    let handedOut = false;
    context.newPage = async () => {
      if (!handedOut) {
        handedOut = true;
        return first;
      }
      return watch(await newPage());
    };
  }
  return context;
}

function watch(page) {
  page.errors = [];
  page.consoleErrors = [];
  page.dialogs = [];
  page.on('pageerror', (err) => page.errors.push(err));
  page.on('console', (msg) => {
    if (msg.type() === 'error') page.consoleErrors.push(msg.text());
  });
  page.on('dialog', (dialog) => {
    page.dialogs.push({ type: dialog.type(), message: dialog.message() });
    dialog.dismiss().catch(() => {});
  });
  return page;
}

/**
 * The site as `npm start` serves it: www/ at /, dist/ and js/ beside it. `extraMounts` adds test
 * fixtures; `localBroker` answers /local-broker.json like serve.mjs does; `tls` serves https.
 */
export async function startSite({ extraMounts = {}, localBroker = null, tls = null } = {}) {
  const site = await startStaticServer({
    tls,
    mounts: {
      '/': path.join(ROOT, 'www'),
      '/dist/': path.join(ROOT, 'dist'),
      '/js/': path.join(ROOT, 'js'),
      // The host pages' shared browser-side scripts (scratch-loader.js).
      '/harness/page/': path.join(ROOT, 'harness', 'page'),
      ...extraMounts,
    },
    json: localBroker ? { '/local-broker.json': () => localBroker } : {},
  });
  const unregister = onCleanup(site.close);
  const close = site.close;
  site.close = async () => {
    unregister();
    await close();
  };
  return site;
}

/** test-results/screenshots/<name>.png (the folder is created; git ignores test-results/). */
export function screenshotPath(name) {
  const dir = path.join(RESULTS, 'screenshots');
  fs.mkdirSync(dir, { recursive: true });
  return path.join(dir, `${name.replace(/[^\w.-]+/g, '-')}.png`);
}

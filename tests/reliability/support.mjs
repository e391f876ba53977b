// Shared pieces of the reliability tests (RELIABILITY.md): the fast or the soak size of each
// run, a page that has loaded the library and nothing else, broker restarts on a schedule, and
// the figures each test records for the summary table.
//
//   SMQ_SOAK=1 node --test tests/reliability/     (npm run soak) runs the long variants.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, after } from 'node:test';
import { ROOT, RESULTS, LIBRARY, launchBrowser, libraryBuilt, startSite } from '../../harness/browser.mjs';

export const SOAK = process.env.SMQ_SOAK === '1';

/** The fast size in `npm test`, the long one under `npm run soak`. */
export const size = (fast, soak) => (SOAK ? soak : fast);

export function requireLibrary() {
  if (!libraryBuilt()) throw new Error(`${path.relative(ROOT, LIBRARY)} is missing: run \`npm run build\` first`);
}

/** The site with an empty page at /blank/, so everything a page does comes from the test. */
export async function startBlankSite({ tls = null } = {}) {
  const blank = fs.mkdtempSync(path.join(os.tmpdir(), 'smq-blank-'));
  fs.writeFileSync(path.join(blank, 'index.html'), '<!doctype html><meta charset="utf-8"><title>reliability</title>');
  const site = await startSite({ extraMounts: { '/blank/': blank }, tls });
  const close = site.close;
  site.close = async () => {
    await close();
    fs.rmSync(blank, { recursive: true, force: true });
  };
  return site;
}

/**
 * For a `describe` block: Chromium and the blank site, started before its tests and closed after
 * them; read `fixture.browser` and `fixture.site` inside the tests.
 */
export function browserAndSite() {
  const fixture = { browser: null, site: null };
  before(async () => {
    requireLibrary();
    fixture.site = await startBlankSite();
    fixture.browser = await launchBrowser();
  });
  after(async () => {
    await fixture.browser?.close();
    await fixture.site?.close();
  });
  return fixture;
}

/** A page with the single-file library loaded (its wasm too) as `window.lib`. */
export async function openLibraryPage(browser, site) {
  const page = await browser.newPage();
  await page.goto(`${site.url}blank/`);
  await page.evaluate(async () => {
    window.lib = await import('/dist/scratch-mqtt.bundle.js');
    await lib.load();
  });
  return page;
}

/** Restarts `broker` `times` times, every `everyMs`, each down for `downMs`; resolves when done. */
export async function restartsDuring(broker, { times, everyMs, downMs }) {
  const log = [];
  for (let i = 0; i < times; i++) {
    await sleep(everyMs);
    const at = Date.now();
    await broker.restart({ downMs });
    log.push({ restart: i + 1, downMs: Date.now() - at });
  }
  return log;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` (async, truthy when done) every 100 ms for up to `timeoutMs`. */
export async function until(check, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await check();
    if (last) return last;
    await sleep(100);
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`);
}

/**
 * Records the figures of one run in test-results/reliability-<fast|soak>.json (merged by name),
 * for the summary `npm run soak` prints and RELIABILITY.md quotes.
 */
export function record(name, figures) {
  fs.mkdirSync(RESULTS, { recursive: true });
  const file = path.join(RESULTS, `reliability-${SOAK ? 'soak' : 'fast'}.json`);
  let all = {};
  try {
    all = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    // first record of this run
  }
  all[name] = { ...figures, at: new Date().toISOString() };
  fs.writeFileSync(file, `${JSON.stringify(all, null, 2)}\n`);
  console.log(`  ${name}: ${JSON.stringify(figures)}`);
}

/**
 * Defines `window.track(id, client)` in `page`: every event of the client goes to
 * `window.tracks[id]` as { name, at (ms, page clock), code, attempt, delay }.
 */
export async function installTracker(page) {
  await page.evaluate(() => {
    window.tracks = {};
    window.track = (id, client) => {
      const events = (window.tracks[id] = []);
      for (const name of ['connect', 'reconnect', 'close', 'offline', 'error', 'end']) {
        client.on(name, (detail) =>
          events.push({ name, at: performance.now(), code: detail?.code, attempt: detail?.attempt, delay: detail?.delay }),
        );
      }
      return client;
    };
  });
}

/** Waits until client `id` in `page` emitted its `count`-th `name` event after `since`; returns that event. */
export function waitForEvent(page, id, name, { since = 0, count = 1, timeoutMs = 15000 } = {}) {
  return until(
    () =>
      page.evaluate(
        ({ id, name, since, count }) => (window.tracks[id] ?? []).filter((e) => e.name === name && e.at >= since)[count - 1] ?? null,
        { id, name, since, count },
      ),
    timeoutMs,
    `${id}: ${count} × ${name}`,
  );
}

export const pageNow = (page) => page.evaluate(() => performance.now());

/**
 * The page's memory after a garbage collection: JS heap, ArrayBuffer backing stores and the
 * wasm memory (`load()` resolves with the module's exports).
 */
export async function pageMemory(page) {
  const cdp = await page.context().newCDPSession(page);
  try {
    await cdp.send('HeapProfiler.collectGarbage');
    const usage = await cdp.send('Runtime.getHeapUsage');
    const wasm = await page.evaluate(async () => (await lib.load()).memory.buffer.byteLength);
    return { jsHeap: usage.usedSize, backingStores: usage.backingStorageSize ?? 0, wasm };
  } finally {
    await cdp.detach();
  }
}

export const totalBytes = (memory) => memory.jsHeap + memory.backingStores + memory.wasm;

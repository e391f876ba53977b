// One headless Chromium per measurement, launched directly (no Playwright): a fresh profile, the
// page given on the command line, and no DevTools endpoint unless the caller asks for one.
//
//   const browser = await launchPage(url);                        // measured: nothing attached
//   const browser = await launchPage(url, { devtools: true });    // browser.cdp: a CDP session on the page
//   await browser.close();                                         // kills it, removes the profile
//
// `devtools: true` is for the separate, labelled runs that need CDP (heap, main-thread time,
// profiles): the session enables no domain by itself (see bench/cdp.mjs).

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { CHROMIUM } from '../harness/browser.mjs';
import { CHROMIUM_ARGS } from '../harness/local-browsers.mjs';
import { killOnExit, onCleanup, removeOnExit, forgetFolder } from '../harness/cleanup.mjs';
import { connectToPage } from './cdp.mjs';

// Headless has no window to occlude or hide, but these keep Chromium from treating the page as a
// background one in any case (Playwright passes the same three, so the CDP runs match).
const UNTHROTTLED = ['--disable-background-timer-throttling', '--disable-renderer-backgrounding', '--disable-backgrounding-occluded-windows'];

export const MEASURED_ARGS = ['--headless', ...CHROMIUM_ARGS, ...UNTHROTTLED];

export async function launchPage(url, { devtools = false, extraArgs = [] } = {}) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'smq-bench-chromium-'));
  removeOnExit(profile);
  const args = [...MEASURED_ARGS, ...extraArgs, `--user-data-dir=${profile}`];
  if (devtools) args.push('--remote-debugging-port=0');
  // Its own process group, so close() ends the renderers and helpers too.
  const child = killOnExit(spawn(CHROMIUM, [...args, url], { stdio: ['ignore', 'ignore', 'pipe'], detached: true }));
  let stderr = '';
  child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  const exited = once(child, 'exit');

  let closed = false;
  async function close() {
    if (closed) return;
    closed = true;
    unregister();
    await browser.cdp?.close();
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
      await exited;
    }
    fs.rmSync(profile, { recursive: true, force: true });
    forgetFolder(profile);
  }
  const unregister = onCleanup(close);
  const browser = { pid: child.pid, cdp: null, close, stderr: () => stderr };
  try {
    if (devtools) browser.cdp = await connectToPage(profile, url, exited);
  } catch (error) {
    await close();
    throw error;
  }
  return browser;
}

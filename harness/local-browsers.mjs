// The browsers already on this machine and how to start them headless: Chromium's flags and
// where it is, and Firefox ESR and WebKitGTK behind their WebDriver servers (WebKitGTK has no
// headless mode: it draws on an Xvfb display). Nothing here downloads anything. Shipped with the
// package for `scratch-mqtt check`; the test harness (browser.mjs, engines.mjs) builds on it.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

// Headless, as root too (no sandbox), and quiet: no GPU, no background fetches to the internet,
// no QUIC probing, so the only traffic is to the servers the caller started.
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
];

/** Where Chromium usually is; CHROMIUM_BIN overrides. */
const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];

/** Where Debian puts WebKitGTK's MiniBrowser (webkit2gtk-driver); WEBKIT_MINIBROWSER overrides. */
const MINIBROWSER_CANDIDATES = [
  '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser',
  '/usr/lib/aarch64-linux-gnu/webkit2gtk-4.1/MiniBrowser',
  '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.0/MiniBrowser',
];

/** The Chromium executable, or null when none is installed. */
export function findChromium() {
  if (process.env.CHROMIUM_BIN) return process.env.CHROMIUM_BIN;
  return CHROMIUM_CANDIDATES.find((file) => fs.existsSync(file)) ?? null;
}

/** WebKitGTK's MiniBrowser, or null when it is not installed. */
export function findMiniBrowser() {
  if (process.env.WEBKIT_MINIBROWSER) return process.env.WEBKIT_MINIBROWSER;
  return MINIBROWSER_CANDIDATES.find((file) => fs.existsSync(file)) ?? null;
}

/** The full path of `tool` on the PATH, or null. */
export function which(tool) {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const file = path.join(dir, tool);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {
      // not in this folder
    }
  }
  return null;
}

/**
 * Starts Xvfb on the first free display in `[from, to)`; `{ display: ':93', child }`. The caller
 * stops `child`. Throws when Xvfb is missing or no display could be had.
 */
export async function startXvfb({ from = 90, to = 140 } = {}) {
  if (!which('Xvfb')) throw new Error('Xvfb is not on the PATH (WebKitGTK has no headless mode): apt-get install xvfb');
  for (let n = from; n < to; n++) {
    if (fs.existsSync(`/tmp/.X11-unix/X${n}`) || fs.existsSync(`/tmp/.X${n}-lock`)) continue;
    const child = spawn('Xvfb', [`:${n}`, '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], { stdio: 'ignore' });
    for (let i = 0; i < 100 && child.exitCode === null; i++) {
      if (fs.existsSync(`/tmp/.X11-unix/X${n}`)) return { display: `:${n}`, child };
      await sleep(50);
    }
    child.kill();
  }
  throw new Error(`could not start Xvfb on any display from :${from} to :${to - 1}`);
}

/** name → its WebDriver server, how it is started, and the capabilities of a headless session. */
export const WEBDRIVER_ENGINES = {
  firefox: {
    name: 'Firefox',
    driver: 'geckodriver',
    install: 'install firefox-esr, and geckodriver (cargo install geckodriver)',
    args: (port) => ['--host', '127.0.0.1', '--port', String(port)],
    needsDisplay: false,
    capabilities: () => ({ browserName: 'firefox', 'moz:firefoxOptions': { args: ['-headless'] } }),
  },
  webkit: {
    name: 'WebKitGTK',
    driver: 'WebKitWebDriver',
    install: 'apt-get install webkit2gtk-driver xvfb',
    args: (port) => ['--host=127.0.0.1', `--port=${port}`],
    needsDisplay: true,
    /** `binary`: the MiniBrowser to drive. */
    capabilities: (binary) => ({ browserName: 'MiniBrowser', 'webkitgtk:browserOptions': { binary, args: ['--automation'] } }),
  },
};

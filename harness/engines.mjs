// The browser engines besides Chromium, driven through their WebDriver servers: Firefox ESR
// (geckodriver) and WebKitGTK (WebKitWebDriver with Debian's MiniBrowser, on an Xvfb display:
// WebKitGTK has no headless mode). Used by the wasm-bindgen suite (tests/browser/wasm-tests.mjs)
// and by the page-API tests in each engine (tests/browser/engines.e2e.test.mjs).

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { killOnExit, onCleanup } from './cleanup.mjs';
import { WEBDRIVER_ENGINES, startXvfb, which as lookUp } from './local-browsers.mjs';
import { freePorts, waitForPort } from './net.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The full path of `tool` on the PATH; a clear error when it is not there. */
export function which(tool) {
  const found = lookUp(tool);
  if (!found) throw new Error(`${tool} is not on the PATH (npm test installs it: scripts/lib.sh)`);
  return found;
}

/** Debian's MiniBrowser, the WebKitGTK browser that WebKitWebDriver drives (named in webdriver.json). */
export function miniBrowser() {
  const { binary } = JSON.parse(fs.readFileSync(path.join(ROOT, 'webdriver.json'), 'utf8'))['webkitgtk:browserOptions'];
  if (!fs.existsSync(binary)) throw new Error(`${binary} (webdriver.json) is missing: apt-get install webkit2gtk-driver`);
  return binary;
}

let display = null;

/** An Xvfb display for this process (started once, stopped on exit), e.g. ':93'. */
export async function xvfbDisplay() {
  display ??= startXvfb().then(({ display: name, child }) => {
    killOnExit(child);
    onCleanup(() => child.kill());
    return name;
  });
  return display;
}

/** name → its WebDriver server and session capabilities, with this repository's MiniBrowser. */
export const ENGINES = {
  firefox: { ...WEBDRIVER_ENGINES.firefox, env: async () => ({}) },
  webkit: {
    ...WEBDRIVER_ENGINES.webkit,
    env: async () => ({ DISPLAY: await xvfbDisplay() }),
    capabilities: () => WEBDRIVER_ENGINES.webkit.capabilities(miniBrowser()),
  },
};

/** Starts engine `name`'s WebDriver server; `{ url, capabilities, stop }`. */
export async function startWebDriver(name) {
  const engine = ENGINES[name];
  const [port] = await freePorts(1);
  const child = killOnExit(
    spawn(which(engine.driver), engine.args(port), { env: { ...process.env, ...(await engine.env()) }, stdio: 'ignore' }),
  );
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill();
      await new Promise((resolve) => child.once('exit', resolve));
    }
  };
  const unregister = onCleanup(stop);
  await waitForPort(port, { gaveUp: () => child.exitCode !== null });
  return {
    url: `http://127.0.0.1:${port}`,
    capabilities: engine.capabilities(),
    stop: async () => {
      unregister();
      await stop();
    },
  };
}

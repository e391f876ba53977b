// The browser engines besides Chromium, driven through their WebDriver servers: Firefox ESR
// (geckodriver) and WebKitGTK (WebKitWebDriver with Debian's MiniBrowser, on an Xvfb display:
// WebKitGTK has no headless mode). Used by the wasm-bindgen suite (tests/browser/wasm-tests.mjs)
// and by the page-API tests in each engine (tests/browser/engines.e2e.test.mjs).

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { killOnExit, onCleanup } from './cleanup.mjs';
import { freePorts, waitForPort } from './net.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The full path of `tool` on the PATH; a clear error when it is not there. */
export function which(tool) {
  const found = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
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
  display ??= startXvfb();
  return display;
}

async function startXvfb() {
  which('Xvfb');
  for (let n = 90; n < 140; n++) {
    if (fs.existsSync(`/tmp/.X11-unix/X${n}`) || fs.existsSync(`/tmp/.X${n}-lock`)) continue;
    const xvfb = killOnExit(spawn('Xvfb', [`:${n}`, '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], { stdio: 'ignore' }));
    onCleanup(() => xvfb.kill());
    for (let i = 0; i < 100 && xvfb.exitCode === null; i++) {
      if (fs.existsSync(`/tmp/.X11-unix/X${n}`)) return `:${n}`;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error('could not start Xvfb on any display from :90 to :139');
}

/** name → its WebDriver server, how that is started, and the capabilities of a session. */
export const ENGINES = {
  firefox: {
    driver: 'geckodriver',
    args: (port) => ['--host', '127.0.0.1', '--port', String(port)],
    env: async () => ({}),
    capabilities: () => ({ browserName: 'firefox', 'moz:firefoxOptions': { args: ['-headless'] } }),
  },
  webkit: {
    driver: 'WebKitWebDriver',
    args: (port) => ['--host=127.0.0.1', `--port=${port}`],
    env: async () => ({ DISPLAY: await xvfbDisplay() }),
    capabilities: () => ({ browserName: 'MiniBrowser', 'webkitgtk:browserOptions': { binary: miniBrowser(), args: ['--automation'] } }),
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

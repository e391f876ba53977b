// Firefox and WebKitGTK for `scratch-mqtt check --browser firefox|webkit`, through their WebDriver
// servers (geckodriver, WebKitWebDriver) and selenium-webdriver, with the browsers already on this
// machine. WebKitGTK has no headless mode, so its MiniBrowser gets an Xvfb display of its own.
// (tests/support/engines.mjs starts the same servers for the test suite.)

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SetupError } from './errors.mjs';

const START_TIMEOUT_MS = 15000;
/** Where Debian puts WebKitGTK's MiniBrowser (webkit2gtk-driver); WEBKIT_MINIBROWSER overrides. */
const MINIBROWSERS = [
  '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser',
  '/usr/lib/aarch64-linux-gnu/webkit2gtk-4.1/MiniBrowser',
  '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.0/MiniBrowser',
];

const ENGINES = {
  firefox: {
    name: 'Firefox',
    driver: 'geckodriver',
    install: 'install firefox-esr, and geckodriver (cargo install geckodriver)',
    args: (port) => ['--host', '127.0.0.1', '--port', String(port)],
    capabilities: () => ({ browserName: 'firefox', 'moz:firefoxOptions': { args: ['-headless'] } }),
  },
  webkit: {
    name: 'WebKitGTK',
    driver: 'WebKitWebDriver',
    install: 'apt-get install webkit2gtk-driver xvfb',
    args: (port) => ['--host=127.0.0.1', `--port=${port}`],
    needsDisplay: true,
    capabilities: () => {
      const binary = process.env.WEBKIT_MINIBROWSER || MINIBROWSERS.find((file) => fs.existsSync(file));
      if (!binary) throw new SetupError('WebKitGTK\'s MiniBrowser is not on this machine: apt-get install webkit2gtk-driver');
      return { browserName: 'MiniBrowser', 'webkitgtk:browserOptions': { binary, args: ['--automation'] } };
    },
  },
};

/**
 * Loads `pageUrl` in `engine` and runs the battery there with `options`; resolves with the
 * battery's result and the browser's name and version. Everything it started is stopped.
 */
export async function runInWebDriver(engine, pageUrl, options, timeoutMs, signal = null) {
  const spec = ENGINES[engine];
  const driverPath = which(spec.driver);
  if (!driverPath) throw new SetupError(`${spec.driver} is not on the PATH: ${spec.install}`);
  const children = [];
  const stopAll = () => {
    for (const child of children.reverse()) if (child.exitCode === null) child.kill();
  };
  process.once('exit', stopAll);
  let session;
  // Ending the session closes the browser (killing the driver alone would leave it running), and
  // stopping the driver then makes the waiting WebDriver call fail at once.
  const abort = async () => {
    await Promise.race([session?.quit().catch(() => {}), sleep(3000)]);
    stopAll();
  };
  signal?.addEventListener('abort', abort);
  try {
    const env = { ...process.env };
    if (spec.needsDisplay) {
      const xvfb = await startXvfb();
      children.push(xvfb.child);
      env.DISPLAY = xvfb.display;
    }
    const port = await freePort();
    children.push(spawn(driverPath, spec.args(port), { env, stdio: 'ignore' }));
    await waitForPort(port, children.at(-1));
    const { Builder } = await import('selenium-webdriver');
    session = await new Builder().usingServer(`http://127.0.0.1:${port}`).withCapabilities(spec.capabilities()).build();
    await session.manage().setTimeouts({ script: timeoutMs, pageLoad: START_TIMEOUT_MS });
    await session.get(pageUrl);
    await session.wait(() => session.executeScript("return document.body && document.body.dataset.ready === 'true'"), START_TIMEOUT_MS);
    const result = await session.executeAsyncScript(
      `const done = arguments[arguments.length - 1];
       window.scratchMqttCheck.runBattery(arguments[0]).then(done, (error) => done({ error: String(error) }));`,
      options,
    );
    if (result?.error) throw new Error(result.error);
    const capabilities = await session.getCapabilities();
    return { ...result, browser: `${spec.name} ${capabilities.get('browserVersion') ?? ''}`.trim() };
  } finally {
    // After an abort the driver is gone already: asking it to quit would only wait.
    if (!signal?.aborted) await session?.quit().catch(() => {});
    stopAll();
    process.off('exit', stopAll);
    signal?.removeEventListener('abort', abort);
  }
}

/** The full path of `tool` on the PATH, or null. */
function which(tool) {
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

async function startXvfb() {
  if (!which('Xvfb')) throw new SetupError('Xvfb is not on the PATH (WebKitGTK has no headless mode): apt-get install xvfb');
  for (let n = 140; n < 200; n++) {
    if (fs.existsSync(`/tmp/.X11-unix/X${n}`) || fs.existsSync(`/tmp/.X${n}-lock`)) continue;
    const child = spawn('Xvfb', [`:${n}`, '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], { stdio: 'ignore' });
    for (let i = 0; i < 100 && child.exitCode === null; i++) {
      if (fs.existsSync(`/tmp/.X11-unix/X${n}`)) return { child, display: `:${n}` };
      await sleep(50);
    }
    child.kill();
  }
  throw new SetupError('could not start Xvfb on any display from :140 to :199');
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port, child) {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new SetupError(`the WebDriver server exited (status ${child.exitCode})`);
    const open = await new Promise((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await sleep(50);
  }
  throw new SetupError(`the WebDriver server did not listen within ${START_TIMEOUT_MS / 1000} s`);
}

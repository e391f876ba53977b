// Firefox and WebKitGTK for `scratch-mqtt check --browser firefox|webkit`, through their WebDriver
// servers (geckodriver, WebKitWebDriver) and selenium-webdriver, with the browsers already on this
// machine. WebKitGTK has no headless mode, so its MiniBrowser gets an Xvfb display of its own.
// (harness/local-browsers.mjs knows where they are; the test suite starts them the same way.)

import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { WEBDRIVER_ENGINES as ENGINES, findMiniBrowser, startXvfb, which } from '../../harness/local-browsers.mjs';
import { freePorts, waitForPort } from '../../harness/net.mjs';
import { SetupError } from './errors.mjs';

const START_TIMEOUT_MS = 15000;

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
    let capabilities = spec.capabilities();
    if (spec.needsDisplay) {
      const binary = findMiniBrowser();
      if (!binary) throw new SetupError("WebKitGTK's MiniBrowser is not on this machine: apt-get install webkit2gtk-driver");
      capabilities = spec.capabilities(binary);
      const xvfb = await startXvfb({ from: 140, to: 200 }).catch((error) => {
        throw new SetupError(error.message);
      });
      children.push(xvfb.child);
      env.DISPLAY = xvfb.display;
    }
    const [port] = await freePorts(1);
    const driver = spawn(driverPath, spec.args(port), { env, stdio: 'ignore' });
    children.push(driver);
    await waitForPort(port, {
      timeoutMs: START_TIMEOUT_MS,
      gaveUp: () => driver.exitCode !== null && `the WebDriver server exited (status ${driver.exitCode})`,
    }).catch((error) => {
      throw new SetupError(error.message);
    });
    const { Builder } = await import('selenium-webdriver');
    session = await new Builder().usingServer(`http://127.0.0.1:${port}`).withCapabilities(capabilities).build();
    await session.manage().setTimeouts({ script: timeoutMs, pageLoad: START_TIMEOUT_MS });
    await session.get(pageUrl);
    await session.wait(() => session.executeScript("return document.body && document.body.dataset.ready === 'true'"), START_TIMEOUT_MS);
    const result = await session.executeAsyncScript(
      `const done = arguments[arguments.length - 1];
       window.scratchMqttCheck.runBattery(arguments[0]).then(done, (error) => done({ error: String(error) }));`,
      options,
    );
    if (result?.error) throw new Error(result.error);
    const version = (await session.getCapabilities()).get('browserVersion') ?? '';
    return { ...result, browser: `${spec.name} ${version}`.trim() };
  } finally {
    // After an abort the driver is gone already: asking it to quit would only wait.
    if (!signal?.aborted) await session?.quit().catch(() => {});
    stopAll();
    process.off('exit', stopAll);
    signal?.removeEventListener('abort', abort);
  }
}

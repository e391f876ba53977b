// `scratch-mqtt check --browser firefox|webkit`: the same battery in Firefox ESR (geckodriver) and
// WebKitGTK (WebKitWebDriver, MiniBrowser on Xvfb), against aedes with its default settings.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startAedes } from '../../harness/brokers.mjs';
import { libraryBuilt } from '../../harness/browser.mjs';
import { allPassBut, runCheck, statuses } from './support.mjs';

const skip = libraryBuilt() ? false : 'the library is not built (npm run build)';

describe('scratch-mqtt check in Firefox ESR and WebKitGTK', { skip }, () => {
  let broker;
  before(async () => {
    broker = await startAedes();
  });
  after(() => broker?.stop());

  for (const [engine, name] of [
    ['firefox', 'Firefox'],
    ['webkit', 'WebKitGTK'],
  ]) {
    test(`--browser ${engine}: every row asked for ✔, exit 0, the browser named`, async () => {
      const run = await runCheck([broker.wsUrl, '--browser', engine, '--skip', 'mqtt5']);
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.deepEqual(statuses(run.rows), allPassBut({ tls: 'skip', mqtt5: 'skip', properties5: 'skip' }));
      assert.match(run.json.browser, new RegExp(`^${name} \\d+`));
      assert.match(run.stdout, new RegExp(`^Checking ws://127\\.0\\.0\\.1:\\d+/ from ${name} [\\d.]+ · no user name$`, 'm'));
    });
  }
});

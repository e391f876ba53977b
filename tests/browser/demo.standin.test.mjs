// The demo page's end-to-end scenarios against a TEST DOUBLE of the library (MQTT.js behind the
// scratch-mqtt API, tests/browser/fixtures/standin/). It proves the page, the brokers, the peers
// and the scenarios themselves work today; demo.e2e.test.mjs runs the same against the real build.

import path from 'node:path';
import { ROOT } from './harness.mjs';
import { demoScenarios } from './demo-scenarios.mjs';

demoScenarios({
  label: 'standin',
  extraMounts: {
    '/dist/': path.join(ROOT, 'tests/browser/fixtures/standin'),
    '/node_modules/mqtt/': path.join(ROOT, 'node_modules/mqtt'),
  },
});

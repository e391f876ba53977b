// The demo page end to end against the real library (dist/scratch-mqtt.js, built from the wasm
// shell by `npm run build`), through real mosquitto and aedes brokers and real peers.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import path from 'node:path';
import { LIBRARY, ROOT, libraryBuilt } from '../../harness/browser.mjs';
import { demoScenarios } from './demo-scenarios.mjs';

test('the library is built', () => {
  assert.ok(libraryBuilt(), `${path.relative(ROOT, LIBRARY)} is missing: run \`npm run build\` first`);
});

if (libraryBuilt()) demoScenarios({ label: 'real' });

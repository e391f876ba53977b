// Runs the wasm-bindgen-test suites: the shell's unit tests (`--lib`, in Node) and tests/browser.rs
// in each browser engine — Chromium (chromedriver), Firefox ESR (geckodriver) and WebKitGTK
// (WebKitWebDriver with MiniBrowser, on an Xvfb display this script starts) — against real
// mosquitto brokers on 127.0.0.1 that this script starts and always stops. It also serves a
// control endpoint (restart the broker) and a fake broker for the one thing no real broker does
// on demand: a packet split across WebSocket frames.
//
//   node tests/browser/wasm-tests.mjs [chromium|firefox|webkit …]     (npm run test:wasm)

import { spawn } from 'node:child_process';
import http from 'node:http';
import { WebSocketServer } from 'ws';

import { startMosquitto, TEST_USERS } from '../../harness/brokers.mjs';
import { onCleanup, runCleanups } from '../../harness/cleanup.mjs';
import { miniBrowser, which, xvfbDisplay } from '../../harness/engines.mjs';
import { startFaultProxy } from '../../harness/fault-proxy.mjs';

const open = await startMosquitto();
const auth = await startMosquitto({ users: TEST_USERS });
const proxy = await startFaultProxy(open.wsPort);
const control = await listen(
  http.createServer(async (request, response) => {
    // The test page is served from another port: allow it to call us.
    response.setHeader('Access-Control-Allow-Origin', '*');
    if (request.method === 'POST' && request.url === '/restart') {
      await open.restart({ downMs: 300 });
      response.end('restarted');
    } else if (request.method === 'POST' && request.url === '/cut') {
      proxy.cut();
      response.end('cut');
    } else {
      response.statusCode = request.method === 'OPTIONS' ? 204 : 404;
      response.end();
    }
  }),
);
const split = await splitFrameBroker();

const env = {
  ...process.env,
  SCRATCH_MQTT_TEST_WS: open.wsUrl,
  SCRATCH_MQTT_TEST_AUTH_WS: auth.wsUrl,
  SCRATCH_MQTT_TEST_CONTROL: `http://127.0.0.1:${control.address().port}`,
  SCRATCH_MQTT_TEST_PROXY_WS: proxy.wsUrl,
  SCRATCH_MQTT_TEST_SPLIT_WS: `ws://127.0.0.1:${split.address().port}/`,
  WASM_BINDGEN_TEST_TIMEOUT: process.env.WASM_BINDGEN_TEST_TIMEOUT ?? '120',
};
/**
 * Each engine: how wasm-bindgen-test-runner is pointed at its WebDriver server (it would otherwise
 * take the first driver it finds on the PATH). WebKitGTK has no headless mode: it gets a display.
 */
const ENGINES = {
  chromium: { driver: 'chromedriver', env: () => ({ CHROMEDRIVER: which('chromedriver') }) },
  firefox: { driver: 'geckodriver', env: () => ({ GECKODRIVER: which('geckodriver') }) },
  webkit: {
    driver: 'WebKitWebDriver',
    env: async () => {
      miniBrowser(); // a clear error when webdriver.json's MiniBrowser is not installed
      return { SAFARIDRIVER: which('WebKitWebDriver'), DISPLAY: await xvfbDisplay() };
    },
  },
};
const engines = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(ENGINES);
const failed = [];
try {
  if ((await run('cargo', ['test', '-p', 'scratch-mqtt', '--target', 'wasm32-unknown-unknown', '--lib'], env)) !== 0) failed.push('unit tests (--lib)');
  for (const name of engines) {
    const engine = ENGINES[name];
    if (!engine) throw new Error(`unknown engine "${name}"; engines: ${Object.keys(ENGINES).join(', ')}`);
    console.log(`\n--- tests/browser.rs in ${name} (${engine.driver}) ---`);
    const code = await run('cargo', ['test', '-p', 'scratch-mqtt', '--target', 'wasm32-unknown-unknown', '--test', 'browser'], { ...env, ...(await engine.env()) });
    if (code !== 0) failed.push(`tests/browser.rs in ${name}`);
  }
} finally {
  await runCleanups();
}
if (failed.length) console.error(`\nfailed: ${failed.join('; ')}`);
process.exit(failed.length ? 1 : 0);

function listen(server) {
  onCleanup(() => new Promise((resolve) => server.close(() => resolve())));
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function run(command, args, childEnv) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env: childEnv, stdio: 'inherit' });
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

/** QoS 0 PUBLISH bytes for `topic` with a text payload. */
function publish(topic, payload) {
  const t = Buffer.from(topic);
  const p = Buffer.from(payload);
  const length = 2 + t.length + p.length;
  return Buffer.concat([Buffer.from([0x30, length, t.length >> 8, t.length & 0xff]), t, p]);
}

/**
 * Answers CONNECT with CONNACK, then sends three PUBLISH cut across frames at odd places. (A text
 * frame ends the connection: tests/reliability/hostile.test.mjs.)
 */
async function splitFrameBroker() {
  const server = http.createServer();
  const wss = new WebSocketServer({ server, handleProtocols: (protocols) => [...protocols][0] });
  wss.on('connection', (socket) => {
    socket.once('message', () => {
      const stream = Buffer.concat([
        Buffer.from([0x20, 0x02, 0x00, 0x00]), // CONNACK, accepted
        publish('split/one', 'first'),
        publish('split/two', 'second'),
        publish('split/three', 'third'),
      ]);
      // Frame 1: CONNACK and half a PUBLISH; frame 2: one byte; frame 3: the rest (1½ packets).
      const cuts = [4 + 6, 4 + 7];
      socket.send(stream.subarray(0, cuts[0]));
      socket.send(stream.subarray(cuts[0], cuts[1]));
      socket.send(stream.subarray(cuts[1]));
    });
  });
  onCleanup(() => new Promise((resolve) => wss.close(() => resolve())));
  return listen(server);
}

#!/usr/bin/env node
// `npm start` (after the build): the embedded MQTT broker and the web server for the demo page,
// the library and the Scratch extension, all on 127.0.0.1. Ctrl-C stops everything.
//
// Environment:
//   PORT           HTTP port for the pages and the library        (default 8000)
//   MQTT_WS_PORT   the broker's MQTT-over-WebSocket port          (default 8083, for browsers)
//   MQTT_TCP_PORT  the broker's MQTT-over-TCP port                (default 1883, for other tools)

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startAedes } from '../harness/aedes-broker.mjs';
import { startStaticServer } from '../harness/static-server.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const HOST = '127.0.0.1';
/** Where the Scratch extension will be served from (the Scratch shim's build output). */
const EXTENSION_PATH = 'dist/scratch-mqtt-extension.js';
/** The library the demo page imports. */
const LIBRARY_PATH = 'dist/scratch-mqtt.js';
/** The embedded broker accepts any login; these are printed as an example (the CodeLab pair). */
const EXAMPLE_LOGIN = { username: 'guest', password: 'test' };

const ports = {
  http: portFromEnv('PORT', 8000),
  ws: portFromEnv('MQTT_WS_PORT', 8083),
  tcp: portFromEnv('MQTT_TCP_PORT', 1883),
};

let broker = null;
let web = null;
let stopping = false;

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => shutdown(0));

try {
  broker = await startAedes({ host: HOST, tcpPort: ports.tcp, wsPort: ports.ws, log: (line) => console.log(`  [broker] ${line}`) });
  const wsUrl = `ws://localhost:${broker.wsPort}/`;
  web = await startStaticServer({
    host: HOST,
    port: ports.http,
    mounts: { '/': path.join(ROOT, 'www'), '/dist/': path.join(ROOT, 'dist'), '/js/': path.join(ROOT, 'js') },
    // The demo page reads this to fill in the local broker, whatever ports were chosen.
    json: { '/local-broker.json': () => ({ url: wsUrl, ...EXAMPLE_LOGIN }) },
  });
  printBanner(wsUrl);
} catch (err) {
  if (err.code === 'EADDRINUSE') {
    const variable = err.port === ports.http ? 'PORT' : err.port === ports.ws ? 'MQTT_WS_PORT' : 'MQTT_TCP_PORT';
    const who = variable === 'PORT' ? 'another `npm start` or web server' : 'another `npm start` or an MQTT broker such as mosquitto';
    console.error(
      `\nCannot start: ${err.message}.\n` +
        `Another program (perhaps ${who}) is using it.\n` +
        `Stop that program, or choose another port, e.g.  ${variable}=${err.port + 1} npm start\n`,
    );
  } else {
    console.error(`\nCannot start: ${err.stack ?? err}\n`);
  }
  await shutdown(1);
}

function printBanner(wsUrl) {
  const http = `http://localhost:${web.port}/`;
  const missing = (p) => (fs.existsSync(path.join(ROOT, p)) ? '' : '   (not built yet)');
  const { username, password } = EXAMPLE_LOGIN;
  console.log(`
Scratch MQTT is running on this computer. Press Ctrl-C to stop.

  Demo console           ${http}
  Scratch extension      ${http}${EXTENSION_PATH}${missing(EXTENSION_PATH)}
  JavaScript library     ${http}${LIBRARY_PATH}${missing(LIBRARY_PATH)}
  Example projects       ${http}examples/  (chat.sb3, dashboard.sb3, microblocks.sb3: File > Load)

  Local MQTT broker (aedes, MQTT 3.1 / 3.1.1):
    for browsers         ${wsUrl}
    for other programs   mqtt://localhost:${broker.tcpPort}
    login                any username and password are accepted, e.g. ${username} / ${password}

  Try it from a terminal:
    mosquitto_sub -h localhost -p ${broker.tcpPort} -t 'scratch/#' -v
    mosquitto_pub -h localhost -p ${broker.tcpPort} -t scratch/hello -m 'hi from the terminal'
`);
  if (missing(LIBRARY_PATH)) {
    console.log(`  Note: ${LIBRARY_PATH} is missing, so the demo page cannot connect yet (npm run build).\n`);
  }
}

async function shutdown(code) {
  if (stopping) {
    // A second Ctrl-C while closing: stop waiting.
    process.exit(code || 130);
  }
  stopping = true;
  if (code === 0) console.log('\nStopping the web server and the broker...');
  await Promise.allSettled([web?.close(), broker?.stop()]);
  process.exit(code);
}

function portFromEnv(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    console.error(`${name}=${raw} is not a port number (1-65535)`);
    process.exit(1);
  }
  return n;
}

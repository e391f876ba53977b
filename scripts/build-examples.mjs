#!/usr/bin/env node
// Writes the example projects to www/examples/*.sb3 (served by `npm start` at /examples/):
//   chat.sb3          chat between two browser tabs (or two computers) through a broker
//   dashboard.sb3     a sensor dashboard: JSON payloads read with the "of JSON" block
//   microblocks.sb3   the partner of CodeLab's MicroBlocks demo: subscribes `scratch`,
//                     publishes `Hello!` to `microblocks` (CodeLab's broker mqtt.longan.link)
// Run: node scripts/build-examples.mjs   (the .sb3 files are committed; rerun after changing this)
// They carry npm start's extension address, so TurboWarp (and Eureka) load the extension with them.
// `npm run build:site` writes them again for a hosted site (writeExamples): with CodeLab's broker
// and the hosted extension's URL, so TurboWarp opens them with the extension loaded.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ProjectBuilder, b } from '../harness/scratch-project.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'www', 'examples');
/** npm start's embedded broker (any user and password). */
const LOCAL = 'ws://localhost:8083/';
const CODELAB = 'wss://mqtt.longan.link:8084/mqtt';

const badge = (color, label) =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="120" height="120" viewBox="0 0 120 120">` +
  `<circle cx="60" cy="60" r="56" fill="${color}" stroke="#fff" stroke-width="4"/>` +
  `<path d="M38 44a30 30 0 0 0 0 32M82 44a30 30 0 0 1 0 32M28 34a44 44 0 0 0 0 52M92 34a44 44 0 0 1 0 52" stroke="#fff" stroke-width="6" fill="none" stroke-linecap="round"/>` +
  `<circle cx="60" cy="60" r="10" fill="#fff"/>` +
  `<text x="60" y="108" font-family="sans-serif" font-size="14" font-weight="bold" fill="#fff" text-anchor="middle">${label}</text></svg>`;

function chat({ broker, extensionURLs }) {
  const p = new ProjectBuilder({ extensionURLs });
  const s = p.sprite('Chat', { svg: badge('#5C6BC0', 'chat') });
  p.monitor('chat', { list: true, x: 5, y: 5, width: 470, height: 260 });
  p.monitor('status', { x: 5, y: 300 });
  p.script(
    [
      b.greenFlag(),
      b.connect(broker, 'guest', 'test'),
      b.subscribe('scratch-mqtt/chat', '1'),
      b.setVar('status', b.status()),
      b.ask('Your name? 你的名字？'),
      b.setVar('name', b.answer()),
      b.forever([
        b.ask('Message? 说点什么？'),
        b.publishWith(b.join({ variable: 'name' }, b.join(': ', b.answer())), 'scratch-mqtt/chat', '1', 'false'),
      ]),
    ],
    s,
  );
  p.script([b.whenMessage('scratch-mqtt/chat'), b.addToList('chat', b.message()), b.sayFor(b.message(), 2)], s);
  return p;
}

function dashboard({ broker, extensionURLs }) {
  const p = new ProjectBuilder({ extensionURLs });
  const s = p.sprite('Sensor', { svg: badge('#0FBD8C', 'sensors') });
  p.monitor('temperature', { x: 5, y: 5 });
  p.monitor('humidity', { x: 5, y: 35 });
  p.monitor('room', { x: 5, y: 65 });
  p.monitor('status', { x: 5, y: 95 });
  p.script(
    [
      b.greenFlag(),
      b.connect(broker, 'guest', 'test'),
      b.subscribe('scratch-mqtt/sensors/+', '1'),
      b.setVar('status', b.status()),
      // a first reading, kept by the broker (retain) for whoever opens the dashboard next
      b.publishWith('{"temperature": 21.5, "humidity": 40}', 'scratch-mqtt/sensors/demo', '1', 'true'),
    ],
    s,
  );
  p.script(
    [
      b.whenMessage('scratch-mqtt/sensors/+'),
      b.setVar('room', b.messageTopic()),
      b.setVar('temperature', b.jsonGet('temperature', b.message())),
      b.setVar('humidity', b.jsonGet('humidity', b.message())),
      b.say(b.join(b.jsonGet('temperature', b.message()), ' ℃')),
    ],
    s,
  );
  return p;
}

function microblocks({ broker, extensionURLs }) {
  const p = new ProjectBuilder({ extensionURLs });
  const s = p.sprite('MicroBlocks', { svg: badge('#EF6C00', 'click me') });
  p.monitor('status', { x: 5, y: 5 });
  p.script(
    [
      b.greenFlag(),
      b.connect(CODELAB, 'guest', 'test'),
      b.subscribe('scratch', '0'),
      b.setVar('status', b.status()),
      b.say('Click me to send Hello! 点我发送 Hello!'),
    ],
    s,
  );
  p.script([b.whenMessage('scratch'), b.sayFor(b.join('MicroBlocks: ', b.message()), 2)], s);
  p.script([b.whenClicked(), b.publish('Hello!', 'microblocks')], s);
  return p;
}

export const EXAMPLES = { chat, dashboard, microblocks };

/**
 * Writes every example to `outDir`. `broker`: the URL the chat and dashboard connect to (the
 * MicroBlocks partner always uses CodeLab's); `extensionURL`: where the extension is hosted, put
 * in each project (TurboWarp's `extensionURLs`) so it opens with the extension loaded.
 */
export async function writeExamples(outDir, { broker = LOCAL, extensionURL = null } = {}) {
  fs.mkdirSync(outDir, { recursive: true });
  const extensionURLs = extensionURL ? { mqtt: extensionURL } : null;
  const written = [];
  for (const [name, make] of Object.entries(EXAMPLES)) {
    const file = path.join(outDir, `${name}.sb3`);
    fs.writeFileSync(file, await make({ broker, extensionURLs }).toSb3());
    written.push(file);
  }
  return written;
}

export { CODELAB };

/** Where `npm start` serves the extension (its default port). */
const LOCAL_EXTENSION = 'http://localhost:8000/dist/scratch-mqtt-extension.js';

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const file of await writeExamples(OUT, { extensionURL: LOCAL_EXTENSION })) console.log(`  ${path.relative(ROOT, file)}`);
}

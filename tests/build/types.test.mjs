// The page API's types, as a TypeScript user meets them (`tsc --strict`): the README's complete
// page against the single file, the package's entry points (`scratch-mqtt`, `scratch-mqtt/bundle`),
// the classic script's global, MQTT.js-style calls — and misuse that must not type-check.
// Run: npm run build && node --test tests/build/types.test.mjs

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { ROOT } from '../../harness/browser.mjs';

const DIST = path.join(ROOT, 'dist');
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
let dir;

before(() => {
  for (const f of ['scratch-mqtt.d.ts', 'scratch-mqtt.bundle.d.ts', 'scratch-mqtt.global.d.ts']) {
    assert.ok(fs.existsSync(path.join(DIST, f)), `dist/${f} is missing: run npm run build`);
  }
  // A project beside a copy of the single file and its types, with this package installed.
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smq-types-'));
  for (const f of ['scratch-mqtt.bundle.js', 'scratch-mqtt.bundle.d.ts', 'scratch-mqtt.global.d.ts', 'scratch-mqtt.d.ts']) {
    fs.copyFileSync(path.join(DIST, f), path.join(dir, f));
  }
  fs.mkdirSync(path.join(dir, 'node_modules'));
  fs.symlinkSync(ROOT, path.join(dir, 'node_modules', 'scratch-mqtt'), 'dir');
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
});

after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

/** `tsc --strict --noEmit` over `files` (name → source); returns its output lines. */
function typecheck(files, { moduleResolution = 'bundler' } = {}) {
  for (const [name, source] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), source);
  const module = moduleResolution === 'nodenext' ? 'nodenext' : 'esnext';
  const run = spawnSync(
    process.execPath,
    [TSC, '--strict', '--noEmit', '--target', 'es2022', '--lib', 'es2022,dom', '--module', module, '--moduleResolution', moduleResolution, '--skipLibCheck', 'false', ...Object.keys(files)],
    { cwd: dir, encoding: 'utf8' },
  );
  for (const name of Object.keys(files)) fs.rmSync(path.join(dir, name));
  return { status: run.status, output: `${run.stdout}${run.stderr}`.trim() };
}

/** The README's "complete page" script, as it stands. */
function readmePage() {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const page = readme.match(/<script type="module">\n([\s\S]*?)<\/script>/);
  assert.ok(page, 'the README has a complete page');
  return page[1];
}

test("the README's complete page type-checks under --strict against the single file", () => {
  // As TypeScript, the page's own DOM lines need the annotations any strict TS page has; every
  // line that uses the library is kept as it is.
  const source = readmePage()
    .replace('const log = (line) => (document.getElementById(\'log\').textContent', 'const log = (line: string) => (document.getElementById(\'log\')!.textContent')
    .replace(/catch \(error\) \{/, 'catch (caught) {\n    const error = caught as import("./scratch-mqtt.bundle.js").MqttError;');
  assert.ok(source.includes('(line: string)'), 'the README page changed: update this test');
  const result = typecheck({ 'readme.ts': `${source}\nexport {};\n` });
  assert.equal(result.output, '');
  assert.equal(result.status, 0);
});

const MQTTJS_STYLE = `
import { connect, type MqttClient, type Granted } from 'scratch-mqtt/bundle';
import * as esm from 'scratch-mqtt';

const client: MqttClient = connect({ protocol: 'wss', host: 'mqtt.longan.link', port: 8084, path: '/mqtt', username: 'guest', password: 'test' });
client.on('connect', (connack) => console.log(connack.returnCode));
client.on('message', (topic, payload, packet) => console.log(topic, payload.toString('hex'), payload.text(), packet.qos, packet.retain));
client.on('disconnect', () => {});
client.publish('a/b', 'x', { qos: 1 }, (error) => console.log(error?.code));
client.subscribe({ 'a/b': { qos: 1 }, 'c/#': { qos: 0 } }, (error, granted?: Granted[]) => console.log(granted?.[0].qos));
client.unsubscribe('a/b', (error) => console.log(error));
const done: Promise<void> = client.publishAsync('a/b', new Uint8Array([1]), { retain: true });
const granted: Promise<Granted[]> = client.subscribeAsync(['x', 'y']);
client.removeAllListeners('message').end(true, () => {});
const other: Promise<esm.MqttClient> = esm.connectAsync('ws://127.0.0.1:8083/');
export { done, granted, other };
`;

test('MQTT.js-style code type-checks through the package entry points (bundler and nodenext resolution)', () => {
  for (const moduleResolution of ['bundler', 'nodenext']) {
    const result = typecheck({ 'mqttjs-style.ts': MQTTJS_STYLE }, { moduleResolution });
    assert.equal(result.output, '', moduleResolution);
    assert.equal(result.status, 0, moduleResolution);
  }
});

// Every export and every member of the page API, used once with the types a user would write.
const WHOLE_API = `
import {
  load, connect, connectAsync, version, topicMatches, filterProblem, topicProblem, MqttClient,
  type ConnectOptions, type Packet, type Payload, type MessagePacket, type ConnectDetails, type MqttError,
  type EffectiveOptions, type Granted, type QoS,
} from 'scratch-mqtt';

await load();
await load(new URL('./scratch-mqtt_bg.wasm', import.meta.url));
const v: string = version();
const m: boolean = topicMatches('a/+', 'a/b');
const fp: string | undefined = filterProblem('a/#/b');
const tp: string | undefined = topicProblem('a/+');
const options: ConnectOptions = {
  clientId: 'c', username: 'u', password: new Uint8Array([1]), keepalive: 30, clean: false, protocolVersion: 5,
  reconnect: { initialDelay: 500, maxDelay: 5000, stableAfter: 10000 }, connectTimeout: 5000, pingTimeout: 2000,
  maxInflight: 10, offlineQueueSize: 100,
  will: { topic: 'w', payload: 'bye', qos: 1, retain: false, properties: { willDelayInterval: 5 } },
  properties: { sessionExpiryInterval: 300 },
};
const client = new MqttClient('wss://mqtt.longan.link:8084/mqtt', options).start();
const other: MqttClient = connect({ protocol: 'wss', hostname: 'mqtt.longan.link', port: 8084, path: '/mqtt' });
const ready: MqttClient = await connectAsync('ws://127.0.0.1:8083/', { reconnect: false });
const state: [boolean, boolean, boolean, string] = [client.connected, client.reconnecting, client.disconnecting, client.clientId];
const effective: EffectiveOptions = client.options;
const qos: QoS | undefined = (effective.maxInflight ?? 0) > 0 ? 1 : undefined;
const onMessage = (topic: string, payload: Payload, packet: MessagePacket) => [topic, payload.text(), payload.toString('base64'), packet.qos, packet.retain, packet.properties?.userProperties];
client
  .on('connect', (details: ConnectDetails) => details.sessionPresent)
  .on('reconnect', ({ attempt, delay }) => attempt + delay)
  .on('close', () => {})
  .on('offline', () => {})
  .on('disconnect', (packet) => packet.reasonCode)
  .on('error', (error: MqttError) => error.code)
  .on('end', () => {})
  .on('packetsend', (packet: Packet) => packet.cmd)
  .on('packetreceive', (packet: Packet) => packet.messageId)
  .once('message', onMessage)
  .addListener('message', onMessage)
  .removeListener('message', onMessage)
  .off('message', onMessage)
  .removeAllListeners('packetsend')
  .removeAllListeners();
const listening: number = client.listenerCount('message');
const granted: Granted[] = await client.subscribe(['a', 'b'], { qos: 2, nl: true, rap: true, rh: 1 });
await client.subscribeAsync({ c: { qos: 0 } });
client.subscribe('d', (error, list) => list?.length).subscribe('e', { qos: 1 }, () => {});
await client.unsubscribe('a');
client.unsubscribe(['b'], () => {}).unsubscribe('c', {}, () => {});
await client.unsubscribeAsync('d');
await client.publish('t', 'text', { qos: 1, retain: true, properties: { contentType: 'text/plain', responseTopic: 'r', correlationData: 'x', userProperties: { k: ['1', '2'] }, messageExpiryInterval: 60 } });
client.publish('t', new Uint8Array([1]), () => {}).publish('t', new ArrayBuffer(1), { qos: 0 }, () => {});
await client.publishAsync('t', new DataView(new ArrayBuffer(2)));
await client.end();
client.end(() => {}).end(true, () => {}).end(true, {}, () => {});
await other.endAsync();
await ready.end(true);
export { v, m, fp, tp, state, qos, listening, granted };
`;

test('the whole page API, every export and member, type-checks under --strict', () => {
  const result = typecheck({ 'whole-api.ts': WHOLE_API }, { moduleResolution: 'bundler' });
  assert.equal(result.output, '');
  assert.equal(result.status, 0);
});

test("the error codes in the types are the Rust shell's ErrorCode, once each (plus the JS side's ERR_NOT_LOADED)", () => {
  const rust = fs.readFileSync(path.join(ROOT, 'src', 'errors.rs'), 'utf8');
  const asStr = rust.slice(rust.indexOf('pub(crate) fn as_str(self)'), rust.indexOf('/// A failure\'s code'));
  const ours = [...asStr.matchAll(/Self::\w+ => "(ERR_[A-Z_]+)"/g)].map((m) => m[1]);
  const dts = fs.readFileSync(path.join(ROOT, 'js', 'mqtt.d.ts'), 'utf8');
  const union = dts.slice(dts.indexOf('export type OwnErrorCode'), dts.indexOf(';', dts.indexOf('export type OwnErrorCode')));
  const typed = [...union.matchAll(/'(ERR_[A-Z_]+)'/g)].map((m) => m[1]);
  assert.ok(ours.length >= 20, `read ${ours.length} codes from errors.rs`);
  assert.deepEqual(typed, [...ours, 'ERR_NOT_LOADED']);
  // and no literal code is left outside errors.rs in the shell
  for (const file of fs.readdirSync(path.join(ROOT, 'src'))) {
    if (file === 'errors.rs') continue;
    const text = fs.readFileSync(path.join(ROOT, 'src', file), 'utf8').split('#[cfg(test)]')[0];
    assert.doesNotMatch(text, /js_error\(\s*"ERR_/, `src/${file} names a code as a string`);
  }
});

test('the classic script declares its global ScratchMQTT', () => {
  const source = `/// <reference path="./scratch-mqtt.global.d.ts" />\nconst client = ScratchMQTT.connect('wss://mqtt.longan.link:8084/mqtt');\nclient.on('offline', () => {});\nexport {};\n`;
  const result = typecheck({ 'global.ts': source });
  assert.equal(result.output, '');
});

test('misuse does not type-check (each line must be an error)', () => {
  const misuse = `
import { connect } from 'scratch-mqtt/bundle';
const client = connect('ws://127.0.0.1:8083/');
// @ts-expect-error a topic is a string
client.publish(42, 'x');
// @ts-expect-error QoS is 0, 1 or 2
client.publish('a', 'x', { qos: 3 });
// @ts-expect-error no such event
client.on('mesage', () => {});
// @ts-expect-error a message listener gets a topic string first
client.on('message', (topic: number) => topic);
// @ts-expect-error the payload's encodings are utf8, hex and base64
client.on('message', (t, payload) => payload.toString('latin1'));
// @ts-expect-error connect takes a URL or an address object
connect(8083);
export {};
`;
  const result = typecheck({ 'misuse.ts': misuse });
  assert.equal(result.output, '', 'an unused @ts-expect-error means the types accept a misuse');
  assert.equal(result.status, 0);
});

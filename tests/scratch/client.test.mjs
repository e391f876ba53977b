// The blocks with the real wasm client (dist/) in Node, against real brokers: aedes (anonymous)
// and mosquitto (with a password file, for refused logins). Peers: mosquitto_pub/sub.
// Run: npm run build && node --test tests/scratch/

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { MqttBlocks, IotBlocks } from '../../js/extension/blocks.js';
import { MAX_PAYLOAD_BYTES } from '../../js/extension/engine.js';
import { startAedes, startMosquitto, TEST_USERS } from '../../harness/brokers.mjs';
import { mosquittoPub, mosquittoSub } from '../../harness/peers.mjs';
import { runCleanups } from '../../harness/cleanup.mjs';
import { StubRuntime } from './stub-runtime.mjs';
import { nodeClient } from '../../harness/node-client.mjs';

let client;
let aedes;
let mosquitto;

before(async () => {
  client = await nodeClient();
  aedes = await startAedes();
  mosquitto = await startMosquitto({ users: TEST_USERS });
});

after(async () => {
  await aedes?.stop();
  await mosquitto?.stop();
  await runCleanups();
});

function setup(locale = 'en') {
  const runtime = new StubRuntime();
  const options = { client, getLocale: () => locale };
  const mqtt = new MqttBlocks(runtime, options);
  const iot = new IotBlocks(runtime, options);
  runtime.setPredicate('mqtt_whenMessage', (args, util) => mqtt.whenMessage(args, util));
  runtime.setPredicate('iot_whenMessage', (args, util) => iot.whenMessage(args, util));
  const seen = [];
  runtime.onRun = (thread) => {
    seen.push({ topic: mqtt.messageTopic({}, { thread }), payload: mqtt.message({}, { thread }) });
    // each run ends a moment later, like a script with a short wait
    setTimeout(() => runtime.finish(thread), 1);
  };
  return { runtime, mqtt, iot, seen };
}

async function until(check, ms = 5000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${check}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const local = (broker) => `ws://127.0.0.1:${broker.wsPort}/`;

test('connect, subscribe twice (no duplicates), publish QoS 0/1/2 and retain, hats get each message once, disconnect', async () => {
  const { runtime, mqtt, seen } = setup();
  const sprite = runtime.addTarget('Sprite1');
  runtime.addHatScript(sprite, 'mqtt_whenMessage', 'TOPIC', 'room/+');
  await mqtt.connect({ URL: local(aedes), USER: 'guest', PASS: 'test' });
  assert.equal(mqtt.isConnected(), true);
  assert.equal(mqtt.status(), 'connected');
  await mqtt.subscribe({ TOPIC: 'room/+', QOS: '1' });
  await mqtt.subscribe({ TOPIC: 'room/+', QOS: '1' });
  assert.equal(mqtt.status(), 'connected');
  await mqtt.publish({ PAYLOAD: 'q0', TOPIC: 'room/a' });
  await mqtt.publishWith({ PAYLOAD: 'q1', TOPIC: 'room/b', QOS: '1', RETAIN: 'false' });
  await mqtt.publishWith({ PAYLOAD: '你好', TOPIC: 'room/c', QOS: 2, RETAIN: 'true' });
  await mqtt.publishWith({ PAYLOAD: 42, TOPIC: 'room/d', QOS: '0', RETAIN: false });
  await until(() => seen.length >= 4);
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(seen, [
    { topic: 'room/a', payload: 'q0' },
    { topic: 'room/b', payload: 'q1' },
    { topic: 'room/c', payload: '你好' },
    { topic: 'room/d', payload: '42' },
  ]);
  await mqtt.unsubscribe({ TOPIC: 'room/+' });
  await mqtt.publish({ PAYLOAD: 'after', TOPIC: 'room/a' });
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(seen.length, 4, 'nothing after unsubscribe');
  // retained: a second client sees it
  const other = setup();
  other.runtime.addHatScript(other.runtime.addTarget('S'), 'mqtt_whenMessage', 'TOPIC', 'room/c');
  await other.mqtt.connect({ URL: local(aedes), USER: '', PASS: '' });
  await other.mqtt.subscribe({ TOPIC: 'room/c', QOS: '0' });
  await until(() => other.seen.length === 1);
  assert.deepEqual(other.seen, [{ topic: 'room/c', payload: '你好' }]);
  await other.mqtt.disconnect();
  await mqtt.disconnect();
  assert.equal(mqtt.isConnected(), false);
  assert.equal(mqtt.status(), 'disconnected');
  await mqtt.publish({ PAYLOAD: 'x', TOPIC: 'room/a' });
  assert.match(mqtt.status(), /not connected: use the connect block first/);
});

test('messages from mosquitto_pub (Chinese, binary) reach the hat; a peer receives what the blocks publish', async () => {
  const { runtime, mqtt, seen } = setup();
  runtime.addHatScript(runtime.addTarget('S'), 'mqtt_whenMessage', 'TOPIC', 'peer/#');
  const [user, pass] = Object.entries(TEST_USERS)[0];
  await mqtt.connect({ URL: local(mosquitto), USER: user, PASS: pass });
  assert.equal(mqtt.status(), 'connected');
  await mqtt.subscribe({ TOPIC: 'peer/#', QOS: '2' });
  await mosquittoPub(mosquitto, { topic: 'peer/zh', payload: '温度 21.5 ℃ 🐱', qos: 1 });
  await mosquittoPub(mosquitto, { topic: 'peer/bin', payload: Buffer.from([0xff, 0x00, 0x80]) });
  await until(() => seen.length === 2);
  assert.deepEqual(seen[0], { topic: 'peer/zh', payload: '温度 21.5 ℃ 🐱' });
  assert.equal(seen[1].payload, '\ufffd\u0000\ufffd');
  const sub = mosquittoSub(mosquitto, { topics: ['from/scratch'], count: 1, ...{ username: user, password: pass } });
  await sub.ready;
  await mqtt.publishWith({ PAYLOAD: '来自 Scratch', TOPIC: 'from/scratch', QOS: '1', RETAIN: 'false' });
  const [m] = await sub.messages;
  assert.equal(m.payload.toString('utf8'), '来自 Scratch');
  await mqtt.disconnect();
});

test('connect replaces an earlier connection (the first one ends)', async () => {
  const { mqtt } = setup();
  await mqtt.connect({ URL: local(aedes), USER: 'a', PASS: 'b' });
  const first = mqtt.engine.client;
  await mqtt.connect({ URL: local(aedes), USER: 'a', PASS: 'b' });
  assert.notEqual(mqtt.engine.client, first);
  assert.equal(first.connected, false);
  assert.equal(mqtt.isConnected(), true);
  await mqtt.disconnect();
});

test('connection failures in words (en, zh-cn): not authorized, unreachable, invalid URL, ws:// on https', async () => {
  const { mqtt } = setup();
  await mqtt.connect({ URL: local(mosquitto), USER: 'guest', PASS: 'wrong' });
  assert.equal(mqtt.isConnected(), false);
  assert.match(mqtt.status(), /^failed: (not authorized|wrong user name or password)/);
  await mqtt.connect({ URL: 'ws://127.0.0.1:1/', USER: '', PASS: '' });
  assert.match(mqtt.status(), /^failed: cannot reach the broker/);
  for (const url of ['', 'not a url', 'mqtt://broker:1883', 42, undefined]) {
    await mqtt.connect({ URL: url, USER: '', PASS: '' });
    assert.match(mqtt.status(), /^failed: /, String(url));
  }
  assert.match(mqtt.status(), /invalid URL/);
  globalThis.location = { protocol: 'https:' };
  try {
    await mqtt.connect({ URL: 'ws://broker.example:8083/mqtt', USER: '', PASS: '' });
    assert.equal(mqtt.status(), 'failed: ws:// is blocked on an https page: use wss://');
  } finally {
    delete globalThis.location;
  }
  const zh = setup('zh-cn');
  await zh.mqtt.connect({ URL: 'ws://127.0.0.1:1/', USER: '', PASS: '' });
  assert.match(zh.mqtt.status(), /^连接失败：无法连接到服务器/);
  await zh.mqtt.connect({ URL: local(mosquitto), USER: 'guest', PASS: 'wrong' });
  assert.match(zh.mqtt.status(), /^连接失败：(没有权限|用户名或密码错误)/);
});

test('bad input while connected: clear status, nothing thrown, the connection stays', async () => {
  const { mqtt } = setup();
  await mqtt.connect({ URL: local(aedes), USER: '', PASS: '' });
  const cases = [
    [() => mqtt.publish({ PAYLOAD: 'x', TOPIC: '' }), /invalid topic ""/],
    [() => mqtt.publish({ PAYLOAD: 'x', TOPIC: 'a/+' }), /invalid topic "a\/\+"/],
    [() => mqtt.publish({ PAYLOAD: 'x', TOPIC: '#' }), /invalid topic "#"/],
    [() => mqtt.subscribe({ TOPIC: 'a/#/b', QOS: '0' }), /invalid topic filter "a\/#\/b"/],
    [() => mqtt.subscribe({ TOPIC: '', QOS: '0' }), /invalid topic filter ""/],
    [() => mqtt.unsubscribe({ TOPIC: 'a#' }), /invalid topic filter "a#"/],
    [() => mqtt.subscribe({ TOPIC: 'a', QOS: '3' }), /QoS must be 0, 1 or 2/],
    [() => mqtt.publishWith({ PAYLOAD: 'x', TOPIC: 'a', QOS: '-1', RETAIN: 'false' }), /QoS must be 0, 1 or 2/],
    [() => mqtt.publishWith({ PAYLOAD: 'x', TOPIC: 'a', QOS: 'abc', RETAIN: 'false' }), /QoS must be 0, 1 or 2/],
    [() => mqtt.publish({ PAYLOAD: 'x'.repeat(MAX_PAYLOAD_BYTES + 1), TOPIC: 'a' }), /message too large/],
  ];
  for (const [run, expected] of cases) {
    await run();
    assert.match(mqtt.status(), expected);
    assert.equal(mqtt.isConnected(), true);
  }
  // a good operation clears the problem
  await mqtt.publish({ PAYLOAD: true, TOPIC: 123 });
  assert.equal(mqtt.status(), 'connected');
  await mqtt.disconnect();
});

test('CodeLab IoT blocks: credentials in the URL, subTopic, pubMessage, whenMessage, getComingMessage', async () => {
  const { runtime, iot, seen } = setup();
  runtime.addHatScript(runtime.addTarget('S'), 'iot_whenMessage', 'topic', '/scratch3_sub');
  const [user, pass] = Object.entries(TEST_USERS)[1];
  const uri = `ws://${encodeURIComponent(user)}:${encodeURIComponent(pass)}@127.0.0.1:${mosquitto.wsPort}/`;
  await iot.connect_to_mqtt({ mqtt_uri: uri });
  assert.equal(iot.mqtt_is_connected(), true);
  await iot.subTopic({ topic: '/scratch3_sub' });
  for (let i = 0; i < 20; i++) await iot.pubMessage({ topic: '/scratch3_sub', message: `n${i}` });
  await until(() => seen.length === 20);
  assert.deepEqual(seen.map((m) => m.payload), Array.from({ length: 20 }, (_, i) => `n${i}`));
  assert.equal(iot.getComingMessage(), 'n19');
  await iot.engine.disconnect();
  assert.equal(iot.mqtt_is_connected(), false);
});

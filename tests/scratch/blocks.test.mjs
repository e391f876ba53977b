// Unit tests of the blocks classes (js/extension/) against a stub runtime: every block, every bad
// input, and the delivery rules (one run per message, in order, per script, nothing lost silently).
// Run: node --test tests/scratch/

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { MqttBlocks, IotBlocks } from '../../js/extension/blocks.js';
import { CONNECT_WAIT_MS, QUEUE_LIMIT } from '../../js/extension/engine.js';
import { jsonGet, toBool, toQos, toText } from '../../js/extension/casts.js';
import { MESSAGES, pickLocale } from '../../js/extension/i18n.js';
import { StubRuntime } from './stub-runtime.mjs';
import { nodeClient, ROOT } from '../../harness/node-client.mjs';

// The blocks use the client's topic rules (wasm, from dist/).
const { topicMatches, filterMatcher, filterProblem, topicProblem } = await nodeClient();
const validFilter = (filter) => filterProblem(filter) === undefined;
const validTopic = (name) => topicProblem(name) === undefined;

/** A client that never connects, with the real topic rules: for tests of delivery, which feed messages directly. */
const noClient = { MqttClient: class {}, filterMatcher, filterProblem, topicProblem };

function setup({ locale = 'en', client = noClient } = {}) {
  const runtime = new StubRuntime();
  const options = { client, getLocale: () => locale };
  const mqtt = new MqttBlocks(runtime, options);
  const iot = new IotBlocks(runtime, options);
  runtime.setPredicate('mqtt_whenMessage', (args, util) => mqtt.whenMessage(args, util));
  runtime.setPredicate('iot_whenMessage', (args, util) => iot.whenMessage(args, util));
  return { runtime, mqtt, iot, engine: mqtt.engine };
}

const placeholders = (text) => [...text.matchAll(/\[(\w+)\]/g)].map((m) => m[1]).sort();

test('getInfo: id, opcodes, block types and argument ids are exactly the manifest\'s (frozen)', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'extension-manifest.json'), 'utf8'));
  const info = setup().mqtt.getInfo();
  assert.equal(info.id, manifest.id);
  const blocks = info.blocks.filter((b) => typeof b === 'object');
  assert.deepEqual(
    blocks.map((b) => ({ opcode: b.opcode, blockType: b.blockType, arguments: Object.keys(b.arguments ?? {}) })),
    manifest.blocks.map((b) => ({ opcode: b.opcode, blockType: b.blockType, arguments: b.arguments })),
  );
  for (const b of blocks) assert.deepEqual(placeholders(b.text), Object.keys(b.arguments ?? {}).sort(), b.opcode);
  const hat = blocks.find((b) => b.opcode === 'whenMessage');
  assert.equal(hat.isEdgeActivated, false);
  assert.deepEqual(info.menus.qos.items.map((i) => i.value), ['0', '1', '2']);
});

test('getInfo: every text and menu in English and zh-cn, with the same placeholders; other locales fall back to English', () => {
  for (const Blocks of [MqttBlocks, IotBlocks]) {
    const en = new Blocks(new StubRuntime(), { client: noClient, getLocale: () => 'en' }).getInfo();
    const zh = new Blocks(new StubRuntime(), { client: noClient, getLocale: () => 'zh-cn' }).getInfo();
    const fr = new Blocks(new StubRuntime(), { client: noClient, getLocale: () => 'fr' }).getInfo();
    assert.deepEqual(fr, en);
    const enBlocks = en.blocks.filter((b) => typeof b === 'object');
    const zhBlocks = zh.blocks.filter((b) => typeof b === 'object');
    for (let i = 0; i < enBlocks.length; i++) {
      assert.notEqual(zhBlocks[i].text, enBlocks[i].text, enBlocks[i].opcode);
      assert.match(zhBlocks[i].text, /[\u4e00-\u9fff]/, enBlocks[i].opcode);
      assert.deepEqual(placeholders(zhBlocks[i].text), placeholders(enBlocks[i].text));
    }
    for (const [name, menu] of Object.entries(en.menus ?? {})) {
      menu.items.forEach((item, i) => {
        assert.equal(zh.menus[name].items[i].value, item.value);
        if (!/^\d$/.test(item.text)) assert.notEqual(zh.menus[name].items[i].text, item.text);
      });
    }
  }
  assert.deepEqual(Object.keys(MESSAGES['zh-cn']).sort(), Object.keys(MESSAGES.en).sort());
  assert.equal(pickLocale('zh-CN'), 'zh-cn');
  assert.equal(pickLocale('zh_Hans'), 'zh-cn');
  assert.equal(pickLocale('ja'), 'en');
});

test('CodeLab IoT blocks: id iot, the old opcodes and argument ids', () => {
  const info = setup().iot.getInfo();
  assert.equal(info.id, 'iot');
  assert.deepEqual(
    info.blocks.map((b) => [b.opcode, b.blockType, Object.keys(b.arguments ?? {})]),
    [
      ['connect_to_mqtt', 'command', ['mqtt_uri']],
      ['mqtt_is_connected', 'Boolean', []],
      ['subTopic', 'command', ['topic']],
      ['whenMessage', 'hat', ['topic']],
      ['getComingMessage', 'reporter', []],
      ['pubMessage', 'command', ['topic', 'message']],
    ],
  );
});

test('casts: numbers, booleans, undefined become text; QoS 0/1/2 only; retain menu', () => {
  assert.equal(toText(undefined), '');
  assert.equal(toText(null), '');
  assert.equal(toText(12.5), '12.5');
  assert.equal(toText(true), 'true');
  assert.equal(toText('猫'), '猫');
  assert.equal(toText({ toString: () => { throw new Error('x'); } }), '');
  assert.deepEqual(['0', '1', '2', 1, ' 2 ', '1.0'].map(toQos), [0, 1, 2, 1, 2, 1]);
  assert.deepEqual(['3', '-1', '', 'a', undefined, 1.5, '0x1', NaN].map(toQos), Array(8).fill(null));
  assert.deepEqual(['true', true, 'yes', '1', 1, '是'].map(toBool), Array(6).fill(true));
  assert.deepEqual(['false', false, '', 'no', 0, undefined].map(toBool), Array(6).fill(false));
});

test('jsonGet: dot paths into objects and arrays; empty when absent or not JSON', () => {
  const json = '{"a":{"b":[10,{"c":"猫"}]},"t":21.5,"ok":true,"n":null}';
  const cases = [
    ['a.b.0', '10'],
    ['a.b.1.c', '猫'],
    ['t', '21.5'],
    ['ok', 'true'],
    ['n', 'null'],
    ['a.b', '[10,{"c":"猫"}]'],
    ['', JSON.parse(JSON.stringify(json))],
    ['a.x', ''],
    ['a.b.5', ''],
    ['t.x', ''],
    ['constructor', ''],
    ['__proto__', ''],
  ];
  for (const [p, expected] of cases) {
    if (p === '') assert.equal(jsonGet(p, json), JSON.stringify(JSON.parse(json)));
    else assert.equal(jsonGet(p, json), expected, p);
  }
  assert.equal(jsonGet('a', 'not json'), '');
  assert.equal(jsonGet('a', undefined), '');
  assert.equal(jsonGet(0, '[5]'), '5');
  assert.equal(jsonGet('x', 42), '');
  const { mqtt } = setup();
  assert.equal(mqtt.jsonGet({ PATH: 'a.b.0', JSON: json }), '10');
  assert.equal(mqtt.jsonGet({}), '');
  assert.equal(mqtt.jsonGet(undefined), '');
});

test('topic rules the blocks use (the client\'s, from wasm): wildcards, $-topics, invalid filters', () => {
  const yes = [['#', 'a'], ['#', 'a/b'], ['a/#', 'a'], ['a/#', 'a/b/c'], ['a/+', 'a/b'], ['+/+', 'a/b'], ['sensors/+/temp', 'sensors/1/temp'], ['+', ''], ['a//b', 'a//b'], ['/+', '/x'], ['$SYS/#', '$SYS/x']];
  const no = [['a/+', 'a'], ['a/+', 'a/b/c'], ['a', 'a/b'], ['a/b', 'a'], ['#', '$SYS/x'], ['+/x', '$SYS/x'], ['a/#/b', 'a/x/b'], ['a+', 'a+'], ['', 'a']];
  // The wasm's rule and the compiled matcher the blocks use, held to the same table.
  for (const matches of [topicMatches, (f, t) => filterMatcher(f)(t)]) {
    for (const [f, t] of yes) if (t !== '') assert.ok(matches(f, t), `${f} ~ ${t}`);
    for (const [f, t] of no) assert.ok(!matches(f, t), `${f} !~ ${t}`);
    assert.ok(matches('$share/g/a/+', 'a/b') && !matches('$share/g/a/+', 'x/b'));
  }
  const table = ['#', '+', 'a/#', 'a/+', '+/b', 'a/b', 'a/+/c', '+/+/#', '$SYS/#', '+/#', '$share/g/a/#', 'a//b', '/+', 'a/#/b', 'a+', ''];
  // Valid topics only: a received topic always is (the wasm's topicMatches also refuses bad ones).
  const topics = ['a', 'a/b', 'a/b/c', 'a//b', '/x', '/', '$SYS/x', '$x', 'b', 'a/c', 'a/b/c/d', 'ab', '温度/客厅'];
  for (const f of table) for (const t of topics) assert.equal(filterMatcher(f)(t), topicMatches(f, t), `${f} vs ${t}`);
  assert.ok(validFilter('a/+/#') && !validFilter('a/#/b') && !validFilter('') && !validFilter('a#'));
  assert.ok(validTopic('a/b') && !validTopic('a/+') && !validTopic('#') && !validTopic(''));
  // shared subscriptions match like the filter inside (as src/topic.rs)
  assert.ok(topicMatches('$share/g/a/+', 'a/b') && !topicMatches('$share/g/a/+', 'x/b'));
  assert.ok(!validFilter('$share/g') && !validFilter('$share//a') && !validFilter('$share/g+/a'));
  assert.ok(!validFilter('a'.repeat(65536)) && validFilter('猫'.repeat(21845)) && !validFilter('猫'.repeat(21846)));
  assert.ok(!validTopic('a\u0000b'));
});

test('a burst to a busy script runs it once per message, in order, one run at a time', () => {
  const { runtime, mqtt, engine } = setup();
  const sprite = runtime.addTarget('Sprite1');
  runtime.addHatScript(sprite, 'mqtt_whenMessage', 'TOPIC', 'burst');
  const seen = [];
  runtime.onRun = (thread) => seen.push(mqtt.message({}, { thread }));
  for (let i = 0; i < 200; i++) engine.receive('burst', new TextEncoder().encode(`m${i}`));
  assert.equal(seen.length, 1, 'the script is still running: one run only');
  while (runtime.threads.length) {
    assert.equal(runtime.threads.filter((t) => t.status !== 'done').length, 1);
    runtime.finishAll();
    engine.delivery.drain();
  }
  assert.deepEqual(seen, Array.from({ length: 200 }, (_, i) => `m${i}`));
  assert.equal(engine.delivery.dropped, 0);
  clearTimeout(engine.delivery.drainTimer);
});

test('a message is matched once per hat script, when it is queued, without crossing into wasm: each filter is checked once', () => {
  let crossings = 0;
  const counting = {
    ...noClient,
    // Making a matcher checks its filter in wasm: one crossing.
    filterMatcher: (filter) => (crossings++, filterMatcher(filter)),
    filterProblem: (filter) => (crossings++, filterProblem(filter)),
    topicMatches: (filter, name) => (crossings++, topicMatches(filter, name)),
  };
  const { runtime, mqtt, engine } = setup({ client: counting });
  const sprite = runtime.addTarget('Sprite1');
  runtime.addHatScript(sprite, 'mqtt_whenMessage', 'TOPIC', 'burst/#');
  runtime.addHatScript(sprite, 'mqtt_whenMessage', 'TOPIC', 'other');
  const seen = [];
  runtime.onRun = (thread) => seen.push(mqtt.message({}, { thread }));
  for (let i = 0; i < 50; i++) engine.receive('burst/x', `m${i}`);
  while (runtime.threads.length) {
    runtime.finishAll();
    engine.delivery.drain();
  }
  assert.deepEqual(seen, Array.from({ length: 50 }, (_, i) => `m${i}`));
  // Each filter is checked once, when first met; messages are matched in JS, the predicate
  // does not match again.
  assert.equal(crossings, 2, 'one filter check per hat filter, no crossing per message');
  clearTimeout(engine.delivery.drainTimer);
});

test("a frame's messages from the client are queued as they come and drained once, after the frame", async () => {
  const { runtime, mqtt, engine } = setup();
  const sprite = runtime.addTarget('Sprite1');
  runtime.addHatScript(sprite, 'mqtt_whenMessage', 'TOPIC', 'frame');
  let startHats = 0;
  const start = runtime.startHats.bind(runtime);
  runtime.startHats = (...args) => (startHats++, start(...args));
  const seen = [];
  runtime.onRun = (thread) => seen.push(mqtt.message({}, { thread }));
  // what the client's listener gets for one WebSocket frame: 64 calls in one synchronous run
  for (let i = 0; i < 64; i++) engine.delivery.receiveFromClient('frame', `m${i}`);
  assert.equal(startHats, 0, 'nothing drained in the middle of the frame');
  await Promise.resolve();
  assert.equal(startHats, 1, 'one drain for the frame');
  assert.deepEqual(seen, ['m0']);
  while (runtime.threads.length) {
    runtime.finishAll();
    engine.delivery.drain();
  }
  assert.deepEqual(seen, Array.from({ length: 64 }, (_, i) => `m${i}`));
  clearTimeout(engine.delivery.drainTimer);
});

test('two hats with different filters each get their own; a message matching both runs both', () => {
  const { runtime, mqtt, engine } = setup();
  const sprite = runtime.addTarget('Sprite1');
  const stage = runtime.addTarget('Stage');
  const temp = runtime.addHatScript(sprite, 'mqtt_whenMessage', 'TOPIC', 'sensors/+/temp');
  const all = runtime.addHatScript(stage, 'mqtt_whenMessage', 'TOPIC', 'sensors/#');
  const other = runtime.addHatScript(sprite, 'mqtt_whenMessage', 'TOPIC', 'chat');
  const runs = new Map([[temp, []], [all, []], [other, []]]);
  runtime.onRun = (thread, script) => runs.get(script).push(`${mqtt.messageTopic({}, { thread })}=${mqtt.message({}, { thread })}`);
  engine.receive('sensors/1/temp', '20');
  engine.receive('sensors/1/hum', '50');
  engine.receive('chat', 'hi');
  for (let i = 0; i < 5; i++) {
    runtime.finishAll();
    engine.delivery.drain();
  }
  assert.deepEqual(runs.get(temp), ['sensors/1/temp=20']);
  assert.deepEqual(runs.get(all), ['sensors/1/temp=20', 'sensors/1/hum=50']);
  assert.deepEqual(runs.get(other), ['chat=hi']);
  clearTimeout(engine.delivery.drainTimer);
});

test('message/messageTopic: each running script sees its own; elsewhere the latest', () => {
  const { runtime, mqtt, engine } = setup();
  const a = runtime.addTarget('A');
  const b = runtime.addTarget('B');
  runtime.addHatScript(a, 'mqtt_whenMessage', 'TOPIC', 'x/#');
  runtime.addHatScript(b, 'mqtt_whenMessage', 'TOPIC', 'x/#');
  engine.receive('x/1', 'one');
  const [t1, t2] = runtime.threads;
  engine.receive('x/2', 'two'); // both busy: queued
  assert.equal(mqtt.message({}, { thread: t1 }), 'one');
  runtime.finish(t1);
  engine.delivery.drain();
  const t3 = runtime.threads.find((t) => t !== t2);
  assert.equal(mqtt.message({}, { thread: t3 }), 'two');
  assert.equal(mqtt.messageTopic({}, { thread: t3 }), 'x/2');
  assert.equal(mqtt.message({}, { thread: t2 }), 'one', 'the older run still sees its own message');
  assert.equal(mqtt.message({}, { thread: {} }), 'two', 'outside a hat run: the latest');
  assert.equal(mqtt.message({}, undefined), 'two');
  assert.equal(mqtt.messageTopic(), 'x/2');
  clearTimeout(engine.delivery.drainTimer);
});

test('a reporter in the hat\'s topic input is evaluated per run', () => {
  const { runtime, mqtt, engine } = setup();
  const sprite = runtime.addTarget('Sprite1');
  let filter = 'a/+';
  runtime.addHatScript(sprite, 'mqtt_whenMessage', 'TOPIC', { reporter: () => filter });
  const seen = [];
  runtime.onRun = (thread) => seen.push(mqtt.message({}, { thread }));
  engine.receive('a/1', '1');
  runtime.finishAll();
  engine.receive('b/1', '2');
  runtime.finishAll();
  filter = 'b/#';
  engine.receive('b/1', '3');
  runtime.finishAll();
  assert.deepEqual(seen, ['1', '3']);
});

test('overflow: beyond the queue limit messages are counted and shown in status, never silently lost', () => {
  const { runtime, mqtt, engine } = setup();
  const sprite = runtime.addTarget('Sprite1');
  runtime.addHatScript(sprite, 'mqtt_whenMessage', 'TOPIC', '#');
  for (let i = 0; i < QUEUE_LIMIT + 6; i++) engine.receive('t', String(i));
  // one is running, QUEUE_LIMIT wait (the running one was taken off the queue)
  assert.equal(engine.delivery.dropped, 5);
  assert.match(mqtt.status(), /5 messages dropped \(queue full\)/);
  const zh = setup({ locale: 'zh-cn' });
  zh.engine.delivery.dropped = 3;
  assert.match(zh.mqtt.status(), /丢弃了 3 条消息/);
  clearTimeout(engine.delivery.drainTimer);
});

test('stop (PROJECT_STOP_ALL) clears the runs waiting to start, keeps the connection state', () => {
  const { runtime, engine } = setup();
  const sprite = runtime.addTarget('Sprite1');
  runtime.addHatScript(sprite, 'mqtt_whenMessage', 'TOPIC', '#');
  for (let i = 0; i < 10; i++) engine.receive('t', String(i));
  assert.equal(runtime.runs.length, 1);
  runtime.emit('PROJECT_STOP_ALL');
  runtime.finishAll();
  engine.delivery.drain();
  assert.equal(runtime.runs.length, 1);
  assert.equal(engine.delivery.queues.size, 0);
});

test('CodeLab IoT hat and getComingMessage use the same engine and filters', () => {
  const { runtime, iot, engine } = setup();
  const sprite = runtime.addTarget('Sprite1');
  runtime.addHatScript(sprite, 'iot_whenMessage', 'topic', '/scratch3_sub');
  const seen = [];
  runtime.onRun = (thread) => seen.push(iot.getComingMessage({}, { thread }));
  engine.receive('/scratch3_sub', 'a');
  engine.receive('/scratch3_sub', 'b');
  engine.receive('/other', 'c');
  runtime.finishAll();
  engine.delivery.drain();
  assert.deepEqual(seen, ['a', 'b']);
  assert.equal(iot.getComingMessage(), 'c');
  runtime.finishAll();
});

test('binary and invalid UTF-8 payloads never throw; Chinese text is intact', () => {
  const { runtime, mqtt, engine } = setup();
  engine.receive('t', new Uint8Array([0xff, 0x00, 0xfe]));
  assert.equal(mqtt.message(), '\ufffd\u0000\ufffd');
  engine.receive('t', new TextEncoder().encode('你好，世界 🐱'));
  assert.equal(mqtt.message(), '你好，世界 🐱');
  assert.equal(runtime.runs.length, 0);
});

test('hat predicate with odd arguments and no thread never throws', () => {
  const { mqtt, iot } = setup();
  assert.equal(mqtt.whenMessage({}, undefined), false);
  assert.equal(mqtt.whenMessage(undefined, {}), false);
  assert.equal(mqtt.whenMessage({ TOPIC: 5 }, { thread: {} }), false);
  assert.equal(iot.whenMessage(null, null), false);
});

test('blocks before connecting: clear status, no throw', async () => {
  const { mqtt, iot } = setup();
  assert.equal(mqtt.status(), 'not connected');
  assert.equal(mqtt.isConnected(), false);
  assert.equal(iot.mqtt_is_connected(), false);
  await mqtt.publish({ PAYLOAD: 'x', TOPIC: 'a' });
  assert.equal(mqtt.status(), 'not connected · not connected: use the connect block first');
  await mqtt.subscribe({ TOPIC: 'a', QOS: '0' });
  await mqtt.unsubscribe({ TOPIC: 'a' });
  await mqtt.disconnect();
  await iot.pubMessage({ topic: 'a', message: 'b' });
  await iot.subTopic({ topic: 'a' });
  for (const args of [undefined, {}, { TOPIC: 3, QOS: true, PAYLOAD: false, RETAIN: null }]) {
    for (const op of ['subscribe', 'unsubscribe', 'publish', 'publishWith']) await mqtt[op](args);
  }
  const zh = setup({ locale: 'zh-cn' });
  await zh.mqtt.publish({ PAYLOAD: 'x', TOPIC: 'a' });
  assert.equal(zh.mqtt.status(), '未连接 · 未连接：请先使用“连接到”积木');
  // Topic rules need the wasm, not a connection: a bad filter says so before connecting.
  await mqtt.subscribe({ TOPIC: 'a/#/b', QOS: '0' });
  assert.equal(mqtt.status(), 'not connected · invalid topic filter "a/#/b"');
});

test('when the engine cannot load, a topic block says so instead of throwing', async () => {
  const broken = { ...noClient, load: () => Promise.reject(new Error('CompileError')) };
  const { mqtt } = setup({ client: broken });
  await mqtt.publish({ PAYLOAD: 'x', TOPIC: 'a' });
  assert.match(mqtt.status(), /the MQTT engine \(WebAssembly\) could not load/);
  await mqtt.subscribe({ TOPIC: 'a', QOS: '1' });
  assert.match(mqtt.status(), /could not load/);
});

test('sandboxed worker mode (no runtime): the hat is edge-activated and polled, one message per true→false cycle, in order', () => {
  const options = { client: noClient, getLocale: () => 'en', polled: true };
  const mqtt = new MqttBlocks(null, options);
  const hat = mqtt.getInfo().blocks.find((x) => x.opcode === 'whenMessage');
  assert.equal(hat.isEdgeActivated, true);
  const engine = mqtt.engine;
  // the VM polls the hat every frame; a filter starts collecting once polled
  assert.equal(mqtt.whenMessage({ TOPIC: 'w/+' }, {}), false);
  engine.receive('w/a', '1');
  engine.receive('x', 'other');
  engine.receive('w/b', '2');
  const polls = Array.from({ length: 6 }, () => [mqtt.whenMessage({ TOPIC: 'w/+' }, {}), mqtt.message({}, {})]);
  assert.deepEqual(polls.map(([fired]) => fired), [true, false, true, false, false, false]);
  assert.deepEqual(polls.filter(([fired]) => fired).map(([, m]) => m), ['1', '2']);
  engine.delivery.clearQueues();
  engine.delivery.polled.clear();
});

// Every code the page API can report, and the one sentence `connection status` gives it.
const ERROR_CODES = [
  'ERR_NOT_AUTHORIZED', 'ERR_BAD_USER_NAME_OR_PASSWORD', 'ERR_UNREACHABLE', 'ERR_MIXED_CONTENT',
  'ERR_BAD_URL', 'ERR_TIMEOUT', 'ERR_CONNECTION_CLOSED', 'ERR_SERVER_UNAVAILABLE', 'ERR_QUEUE_FULL',
  'ERR_TOPIC_INVALID', 'ERR_PACKET_TOO_LARGE', 'ERR_CLOSED', 'ERR_LOAD', 'ERR_NO_WEBSOCKET',
  'ERR_NOT_ALLOWED', 'ERR_NOT_LOADED', 'ERR_UNSUPPORTED_PROTOCOL_VERSION', 'ERR_PROTOCOL',
  'ERR_BAD_OPTIONS', 'ERR_CLIENT_IDENTIFIER_NOT_VALID', 'ERR_BANNED', 'ERR_SESSION_TAKEN_OVER',
  'ERR_SERVER_BUSY', 'ERR_SERVER_SHUTTING_DOWN', 'ERR_QUOTA_EXCEEDED', 'ERR_QOS_NOT_SUPPORTED',
  'ERR_RETAIN_NOT_SUPPORTED',
];

test('every error code has its own sentence in connection status, in English and Chinese, never the raw code', () => {
  for (const locale of ['en', 'zh-cn']) {
    const { engine } = setup({ locale });
    for (const code of ERROR_CODES) {
      engine.fail(code);
      const status = engine.statusText();
      assert.ok(!status.includes(code), `${locale} ${code}: ${status}`);
      if (locale === 'zh-cn') assert.match(status, /[\u4e00-\u9fff].*[\u4e00-\u9fff]/, `${code}: ${status}`);
    }
  }
});

test('a URL the editor does not allow says so in words (ERR_NOT_ALLOWED)', async () => {
  for (const [locale, words] of [['en', /failed: the editor did not allow connecting to this URL$/], ['zh-cn', /编辑器不允许连接到这个地址$/]]) {
    const runtime = new StubRuntime();
    const mqtt = new MqttBlocks(runtime, { client: noClient, getLocale: () => locale, canConnect: async () => false });
    await mqtt.connect({ URL: 'wss://elsewhere.example/mqtt', USER: '', PASS: '' });
    assert.match(mqtt.status(), words);
  }
});

test('connect keeps an MQTT 5 session of its own, and falls back to a clean 3.1.1 one where the broker has no MQTT 5', async () => {
  const made = [];
  class FakeClient {
    constructor(url, options) {
      this.options = options;
      this.handlers = {};
      made.push(this);
    }
    on(name, f) {
      (this.handlers[name] ??= []).push(f);
      return this;
    }
    emit(name, arg) {
      for (const f of this.handlers[name] ?? []) f(arg);
    }
    start() {
      // A broker that speaks only 3.1.1 refuses MQTT 5 by name (a refusal that ends the
      // client, as the real one does: error, close, end); it accepts 3.1.1.
      setTimeout(() => {
        if (this.options.protocolVersion === 5) {
          this.emit('error', { code: 'ERR_UNSUPPORTED_PROTOCOL_VERSION' });
          this.emit('close');
          this.emit('end');
        } else this.emit('connect');
      }, 1);
    }
    end() {}
    get connected() {
      return true;
    }
  }
  const { mqtt } = setup({ client: { ...noClient, MqttClient: FakeClient } });
  await mqtt.connect({ URL: 'ws://127.0.0.1:1/', USER: 'guest', PASS: 'test' });
  assert.equal(made.length, 2);
  const [first, second] = made.map((c) => c.options);
  assert.equal(first.protocolVersion, 5);
  assert.equal(first.clean, false);
  assert.match(first.clientId, /^scratch-[0-9a-f]{8}$/);
  assert.ok(first.properties.sessionExpiryInterval > 0 && first.properties.sessionExpiryInterval <= 3600);
  assert.deepEqual([second.protocolVersion, second.clean, second.clientId], [4, true, undefined]);
  assert.deepEqual([first.username, second.username, second.password], ['guest', 'guest', 'test']);
  assert.equal(mqtt.status(), 'connected');
  // Each connect block gets a session of its own.
  await mqtt.connect({ URL: 'ws://127.0.0.1:1/', USER: '', PASS: '' });
  assert.notEqual(made[2].options.clientId, first.clientId);
});

test('a first attempt that fails after connect stopped waiting still ends in failed, with its reason', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  let client = null;
  class SlowClient {
    constructor(url, options) {
      this.options = options;
      this.handlers = {};
      client = this;
    }
    on(name, f) {
      (this.handlers[name] ??= []).push(f);
      return this;
    }
    emit(name, arg) {
      for (const f of this.handlers[name] ?? []) f(arg);
    }
    start() {}
    end() {}
    get reconnecting() {
      return false;
    }
  }
  const { mqtt } = setup({ client: { ...noClient, MqttClient: SlowClient } });
  const connecting = mqtt.connect({ URL: 'ws://127.0.0.1:1/', USER: '', PASS: '' });
  await new Promise((resolve) => setImmediate(resolve));
  t.mock.timers.tick(CONNECT_WAIT_MS);
  await connecting;
  assert.equal(client.options.retryFirstAttempt, false, 'the session gives up by itself');
  assert.match(mqtt.status(), /connecting/);
  // The broker's answer comes late: the client gives up, as the session does after one attempt.
  client.emit('error', { code: 'ERR_TIMEOUT' });
  client.emit('close');
  client.emit('end');
  assert.match(mqtt.status(), /^failed/);
});

test('menu labels share no first or last word, which the editor would trim off and show around the arrow', () => {
  for (const locale of ['en', 'zh-cn']) {
    const info = setup({ locale }).mqtt.getInfo();
    for (const [name, menu] of Object.entries(info.menus ?? {})) {
      const labels = (menu.items ?? []).map((item) => (typeof item === 'string' ? item : item.text));
      if (labels.length < 2) continue;
      const words = labels.map((label) => label.split(' '));
      assert.ok(new Set(words.map((w) => w[0])).size > 1 || words.every((w) => w.length === 1), `${locale} ${name}: ${labels}`);
      assert.ok(new Set(words.map((w) => w.at(-1))).size > 1 || words.every((w) => w.length === 1), `${locale} ${name}: ${labels}`);
    }
  }
});

test('the category bubble shows its icon on the category colour, not white on white', () => {
  const { mqtt, iot } = setup();
  for (const info of [mqtt.getInfo(), iot.getInfo()]) {
    const svg = Buffer.from(info.menuIconURI.split(',')[1], 'base64').toString('utf8');
    assert.ok(svg.includes(`fill="${info.color1}"`), `${info.id}: ${svg.slice(0, 200)}`);
    assert.notEqual(info.menuIconURI, info.blockIconURI);
  }
});

/** Runs the URL file the way a loader that hides its context does: its code in a function of Scratch. */
function runUrlFile(Scratch) {
  const code = fs.readFileSync(path.join(ROOT, 'dist', 'scratch-mqtt-extension.js'), 'utf8');
  new Function('Scratch', code)(Scratch); // eslint-disable-line no-new-func
}

test('the URL file registers both extensions with a Scratch passed in scope only, never global (no VM: a sandbox)', () => {
  const registered = [];
  const Scratch = { extensions: { unsandboxed: true, register: (ext) => registered.push(ext.getInfo().id) } };
  assert.equal(globalThis.Scratch, undefined);
  runUrlFile(Scratch);
  assert.deepEqual(registered, ['mqtt', 'iot']);
  assert.equal(globalThis.Scratch, undefined);
});

test('with the VM in sight, IoT is registered only when the VM looks for it (a project needs it), once', () => {
  const loaded = new Set();
  const registered = [];
  const extensionManager = { isExtensionLoaded: (id) => loaded.has(id) };
  const register = (ext) => {
    registered.push(ext.getInfo().id);
    loaded.add(ext.getInfo().id);
  };
  runUrlFile({ vm: { runtime: new StubRuntime(), extensionManager }, extensions: { unsandboxed: true, register } });
  assert.deepEqual(registered, ['mqtt']);
  assert.equal(extensionManager.isExtensionLoaded('pen'), false);
  assert.equal(extensionManager.isExtensionLoaded('mqtt'), true);
  assert.deepEqual(registered, ['mqtt']);
  // what loading a project with IoT blocks (or pasting them) asks first
  assert.equal(extensionManager.isExtensionLoaded('iot'), true);
  assert.equal(extensionManager.isExtensionLoaded('iot'), true);
  assert.deepEqual(registered, ['mqtt', 'iot']);
});

test('a loader whose register throws later does not break the VM looking for IoT', () => {
  const extensionManager = { isExtensionLoaded: () => false };
  let calls = 0;
  const register = () => {
    if (++calls > 1) throw new Error('Too late to register new extensions.');
  };
  const logged = [];
  const error = console.error;
  console.error = (...args) => logged.push(args.join(' '));
  try {
    runUrlFile({ vm: { runtime: new StubRuntime(), extensionManager }, extensions: { unsandboxed: true, register } });
    assert.equal(extensionManager.isExtensionLoaded('iot'), false);
  } finally {
    console.error = error;
  }
  assert.match(logged.join('\n'), /could not add the iot blocks/);
});

test('in TurboWarp, IoT becomes a builtin extension its project loader makes when a project names it', () => {
  const builtins = {};
  const registered = [];
  const runtime = new StubRuntime();
  const extensionManager = { addBuiltinExtension: (id, Extension) => (builtins[id] = Extension), isExtensionLoaded: () => false };
  runUrlFile({ vm: { runtime, extensionManager }, extensions: { unsandboxed: true, register: (ext) => registered.push(ext.getInfo().id) } });
  assert.deepEqual(registered, ['mqtt']);
  assert.deepEqual(Object.keys(builtins), ['iot']);
  const iot = new builtins.iot(runtime); // what TurboWarp's loadExtensionIdSync does
  assert.equal(iot.getInfo().id, 'iot');
  assert.equal(typeof iot.pubMessage, 'function');
});

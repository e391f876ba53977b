// The extension in real Scratch VMs in headless Chromium: scratch-vm 5.0.300 (npm), the current
// official @scratch/scratch-vm 15 and TurboWarp's VM (harness/editors.mjs), each from its web
// build. Loaded each way: (a) unsandboxed URL file (all three; TurboWarp through its own loader),
// (b) builtin drop-in and (c) vanilla sandboxed worker (scratch-vm 5). Projects are built here
// (harness/scratch-project.mjs); peers mosquitto_pub and Python paho-mqtt talk to the project
// through mosquitto.
// Run: npm run build && node --test tests/scratch/vm.e2e.test.mjs

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { launchBrowser, startSite, ROOT } from '../../harness/browser.mjs';
import { startMosquitto, TEST_USERS } from '../../harness/brokers.mjs';
import { mosquittoPub, mosquittoSub, pahoPub } from '../../harness/peers.mjs';
import { killOnExit, runCleanups } from '../../harness/cleanup.mjs';
import { ProjectBuilder, b } from '../../harness/scratch-project.mjs';
import { VANILLA, VMS, VM_HOST_MOUNTS, openVm as openVmPage } from './vm-host.mjs';

const BURST = 500;
const [USER, PASS] = ['guest', TEST_USERS.guest];

let broker;
let site;
let browser;

before(async () => {
  broker = await startMosquitto({ users: TEST_USERS });
  site = await startSite({ extraMounts: VM_HOST_MOUNTS });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await site?.close();
  await broker?.stop();
  await runCleanups();
});

const wsUrl = () => `ws://127.0.0.1:${broker.wsPort}/`;

const openVm = (mode, project, vm = VANILLA) => openVmPage(browser, site, { mode, project, vm });

async function waitFor(page, fn, arg, timeout = 20000) {
  await page.waitForFunction(fn, arg, { timeout, polling: 50 });
}

const categories = (page) => page.evaluate(() => window.vm.runtime._blockInfo.map((c) => c.id));
const list = (page, name) => page.evaluate((id) => window.stageValue(id), `list-${name}`);
const variable = (page, name) => page.evaluate((id) => window.stageValue(id), `var-${name}`);

/** mosquitto_pub -l: one message per stdin line, all in one connection, as fast as it can. */
async function burst(topic, lines, qos = 1) {
  const child = killOnExit(
    spawn('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(broker.tcpPort), '-u', USER, '-P', PASS, '-t', topic, '-q', String(qos), '-l'], {
      stdio: ['pipe', 'ignore', 'pipe'],
    }),
  );
  // If mosquitto_pub dies early the exit code below says so; a broken pipe would only hide it.
  child.stdin.on('error', () => {});
  child.stdin.end(lines.join('\n') + '\n');
  const code = await new Promise((resolve) => child.on('exit', resolve));
  assert.equal(code, 0, 'mosquitto_pub -l');
}

function mainProject() {
  const p = new ProjectBuilder({ extensions: ['mqtt'] });
  p.script([
    b.greenFlag(),
    b.connect(wsUrl(), USER, PASS),
    b.subscribe('burst', '1'),
    b.subscribe('burst', '1'), // twice: no duplicate deliveries
    b.subscribe('sensors/#', '0'),
    b.subscribe('chat/#', '0'),
    b.subscribe('conc/#', '0'),
    b.subscribe('zh', '2'),
    b.subscribe('json', '0'),
    b.setVar('ready', b.status()),
  ]);
  // the burst: a wait that spans frames, then the run's own message
  p.script([b.whenMessage('burst'), b.wait(0.02), b.addToList('burst', b.message())]);
  // two hats with different filters
  p.script([b.whenMessage('sensors/+/temp'), b.addToList('temps', b.join(b.messageTopic(), b.message()))]);
  p.script([b.whenMessage('chat/#'), b.addToList('chats', b.join(b.messageTopic(), b.message()))]);
  // concurrent runs: each reports its own message after the other one arrived
  const sprite = p.sprite('Sprite1');
  p.script([b.whenMessage('conc/a'), b.wait(0.5), b.addToList('conc', b.join('a:', b.message()))], sprite);
  p.script([b.whenMessage('conc/b'), b.wait(0.1), b.addToList('conc', b.join('b:', b.message()))], sprite);
  // Chinese round trip
  p.script([b.whenMessage('zh'), b.addToList('zh', b.message()), b.publishWith(b.message(), 'zh/echo', '1', 'false')]);
  p.script([b.whenMessage('json'), b.addToList('json', b.jsonGet('a.b.1', b.message()))]);
  return p;
}

const RUNS = [...VMS.map((vm) => [vm, 'unsandboxed']), [VANILLA, 'builtin']];
for (const [vm, mode] of RUNS) {
  describe(`${vm.name}, extension loaded ${mode === 'unsandboxed' ? '(a) unsandboxed from its URL' : '(b) as a builtin'}`, () => {
    let page;
    before(async () => {
      page = await openVm(mode, mainProject(), vm);
      await waitFor(page, () => window.stageValue('var-ready') === 'connected');
    });
    after(async () => page?.close());

    if (mode === 'unsandboxed') {
      test('a project without IoT blocks gets only the MQTT category', async () => {
        assert.deepEqual(await categories(page), ['mqtt']);
      });
    }

    test(`a burst of ${BURST} messages runs the hat script (with a wait) ${BURST} times, in order`, async () => {
      const lines = Array.from({ length: BURST }, (_, i) => `m${i}`);
      await burst('burst', lines);
      await waitFor(page, (n) => (window.stageValue('list-burst') ?? []).length >= n, BURST, 90000);
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(await list(page, 'burst'), lines);
    });

    test('two hats with different filters each get their own messages', async () => {
      await mosquittoPub(broker, { topic: 'sensors/1/temp', payload: '20' });
      await mosquittoPub(broker, { topic: 'chat/room', payload: 'hi' });
      await mosquittoPub(broker, { topic: 'sensors/1/hum', payload: '50' });
      await mosquittoPub(broker, { topic: 'sensors/2/temp', payload: '21' });
      await waitFor(page, () => (window.stageValue('list-temps') ?? []).length >= 2 && (window.stageValue('list-chats') ?? []).length >= 1);
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(await list(page, 'temps'), ['sensors/1/temp20', 'sensors/2/temp21']);
      assert.deepEqual(await list(page, 'chats'), ['chat/roomhi']);
    });

    test('message in concurrently running scripts reports each script\'s own', async () => {
      await mosquittoPub(broker, { topic: 'conc/a', payload: 'A' });
      await mosquittoPub(broker, { topic: 'conc/b', payload: 'B' });
      await waitFor(page, () => (window.stageValue('list-conc') ?? []).length >= 2);
      assert.deepEqual(await list(page, 'conc'), ['b:B', 'a:A']);
    });

    test('Chinese payloads round-trip (Python paho-mqtt → Scratch → mosquitto_sub)', async () => {
      const text = '你好，Scratch！温度 21.5 ℃ 🐱';
      const sub = mosquittoSub(broker, { topics: ['zh/echo'], count: 1 });
      await sub.ready;
      await pahoPub(broker, { topic: 'zh', payload: text, qos: 1 });
      const [echo] = await sub.messages;
      assert.equal(echo.payload.toString('utf8'), text);
      assert.deepEqual(await list(page, 'zh'), [text]);
    });

    test('jsonGet reads a JSON payload', async () => {
      await mosquittoPub(broker, { topic: 'json', payload: '{"a":{"b":[1,"二"]}}' });
      await waitFor(page, () => (window.stageValue('list-json') ?? []).length >= 1);
      assert.deepEqual(await list(page, 'json'), ['二']);
      assert.deepEqual(page.errors, []);
    });
  });
}

for (const vm of VMS) {
  describe(`CodeLab IoT compatibility, ${vm.name}`, () => {
    test('an IoT project (id iot, old opcodes, credentials in the URL) runs unchanged and loses nothing', async () => {
      const p = new ProjectBuilder({ extensions: ['iot'] });
      const uri = `ws://${USER}:${PASS}@127.0.0.1:${broker.wsPort}/`;
      p.script([
        b.greenFlag(),
        { opcode: 'iot_connect_to_mqtt', inputs: { mqtt_uri: uri } },
        { opcode: 'iot_subTopic', inputs: { topic: '/scratch3_sub' } },
        b.setVar('ready', { block: { opcode: 'iot_mqtt_is_connected' } }),
      ]);
      p.script([
        { opcode: 'iot_whenMessage', inputs: { topic: '/scratch3_sub' } },
        b.addToList('iot', { block: { opcode: 'iot_getComingMessage' } }),
        { opcode: 'iot_pubMessage', inputs: { topic: '/scratch3_pub', message: { block: { opcode: 'iot_getComingMessage' } } } },
      ]);
      const page = await openVm('unsandboxed', p, vm);
      try {
        await waitFor(page, () => window.stageValue('var-ready') === true || window.stageValue('var-ready') === 'true');
        const sub = mosquittoSub(broker, { topics: ['/scratch3_pub'], count: 50 });
        await sub.ready;
        const lines = Array.from({ length: 50 }, (_, i) => `消息${i}`);
        await burst('/scratch3_sub', lines, 0);
        const echoed = await sub.messages;
        assert.deepEqual(echoed.map((m) => m.payload.toString('utf8')), lines);
        assert.deepEqual(await list(page, 'iot'), lines);
        assert.deepEqual(await categories(page), ['mqtt', 'iot'], 'the project asked for iot, so its category is there');
      } finally {
        await page.close();
      }
    });
  });
}

describe('scratch-vm, extension loaded (c) in vanilla\'s sandboxed worker (loadExtensionURL)', () => {
  // Measured: scratch-vm 5.0.300 posts each block call's `util` (BlockUtility) to the worker, and
  // Chromium refuses to clone it (DataCloneError), so no block of any worker extension runs in
  // vanilla scratch-vm. What can be shown is that the file loads in the worker and registers both
  // extensions, with the polled (edge-activated) hat that the sandbox needs; see README (c).
  test('the file loads in the worker and registers mqtt and iot (polled hats); the project loads', async () => {
    const p = new ProjectBuilder({ extensions: ['mqtt'] });
    p.script([b.greenFlag(), b.connect(wsUrl(), USER, PASS), b.setVar('ready', b.status())]);
    p.script([b.whenMessage('w/in'), b.addToList('w', b.message())]);
    const page = await openVm('worker', p);
    try {
      const info = await page.evaluate(() =>
        window.vm.runtime._blockInfo.map((c) => ({ id: c.id, opcodes: c.blocks.map((x) => x.info?.opcode).filter(Boolean) })),
      );
      const mqtt = info.find((c) => c.id === 'mqtt');
      assert.equal(mqtt.opcodes.length, 12);
      assert.ok(info.find((c) => c.id === 'iot'));
      assert.equal(await page.evaluate(() => window.vm.runtime.getIsEdgeActivatedHat('mqtt_whenMessage')), true);
      const scripts = await page.evaluate(() => Object.values(window.vm.runtime.getTargetForStage().blocks._blocks).filter((x) => x.opcode.startsWith('mqtt_')).length);
      assert.ok(scripts >= 4);
      assert.deepEqual(page.errors, []);
    } finally {
      await page.close();
    }
  });
});

for (const vm of VMS) {
  describe(`example projects (www/examples/*.sb3), pointed at the test broker, ${vm.name}`, () => {
    /** project.json of an example, with its broker URL replaced by the test broker's. */
    async function example(name) {
      const { default: JSZip } = await import('jszip');
      const zip = await JSZip.loadAsync(fs.readFileSync(path.join(ROOT, 'www', 'examples', `${name}.sb3`)));
      const json = await zip.file('project.json').async('string');
      return json.replaceAll('ws://localhost:8083/', wsUrl()).replaceAll('wss://mqtt.longan.link:8084/mqtt', wsUrl());
    }

    async function open(name) {
      const page = await openVm('unsandboxed', await example(name), vm);
      await waitFor(page, () => window.stageValue('var-status') === 'connected');
      await page.evaluate(() => {
        window.answered = 0;
      });
      return page;
    }

    test('chat: two tabs exchange messages', async () => {
      const [one, two] = [await open('chat'), await open('chat')];
      try {
        const answer = async (page, text) => {
          await waitFor(page, () => window.asked > window.answered);
          await page.evaluate((t) => {
            window.answered++;
            window.vm.runtime.emit('ANSWER', t);
          }, text);
        };
        await answer(one, 'Ann');
        await answer(two, '小明');
        await new Promise((r) => setTimeout(r, 100));
        await answer(one, 'hello');
        await waitFor(two, () => (window.stageValue('list-chat') ?? []).length >= 1);
        await answer(two, '你好');
        await waitFor(one, () => (window.stageValue('list-chat') ?? []).length >= 2);
        assert.deepEqual(await list(one, 'chat'), ['Ann: hello', '小明: 你好']);
        assert.deepEqual(await list(two, 'chat'), ['Ann: hello', '小明: 你好']);
      } finally {
        await one.close();
        await two.close();
      }
    });

    test('dashboard: JSON readings from a sensor fill the variables', async () => {
      const page = await open('dashboard');
      try {
        await mosquittoPub(broker, { topic: 'scratch-mqtt/sensors/kitchen', payload: '{"temperature": 23.5, "humidity": 51}' });
        await waitFor(page, () => window.stageValue('var-room') === 'scratch-mqtt/sensors/kitchen');
        assert.equal(await variable(page, 'temperature'), '23.5');
        assert.equal(await variable(page, 'humidity'), '51');
      } finally {
        await page.close();
      }
    });

    test('microblocks: shows what the board sends on `scratch`; a click publishes Hello! to `microblocks`', async () => {
      const page = await open('microblocks');
      try {
        const sub = mosquittoSub(broker, { topics: ['microblocks'], count: 1 });
        await sub.ready;
        await page.evaluate(() => {
          const sprite = window.vm.runtime.getSpriteTargetByName('MicroBlocks');
          window.vm.runtime.startHats('event_whenthisspriteclicked', null, sprite);
        });
        const [hello] = await sub.messages;
        assert.equal(hello.payload.toString(), 'Hello!');
        await mosquittoPub(broker, { topic: 'scratch', payload: 'Hi from the board' });
        await waitFor(page, () => {
          const state = window.vm.runtime.getSpriteTargetByName('MicroBlocks').getCustomState('Scratch.looks');
          return state && state.text === 'MicroBlocks: Hi from the board';
        });
      } finally {
        await page.close();
      }
    });
  });
}

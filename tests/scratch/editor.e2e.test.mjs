// The official Scratch editor (@scratch/scratch-gui-standalone 15.1.1, its dist/ as published, in
// a small host page) with the extension file loaded the way a userscript loader does: a `Scratch`
// object around the editor's VM, then the file. Checked as a child meets it, in English and 中文:
// the category and its icon, each block's outline and words, the menus, the IoT category only for
// IoT projects, the example projects' layout, and a message through mosquitto shown on the stage.
// Screenshots: test-results/screenshots/editor-*.png.
// Run: npm run build && node --test tests/scratch/editor.e2e.test.mjs

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { launchBrowser, screenshotPath, ROOT } from '../../harness/browser.mjs';
import { startStaticServer } from '../../harness/static-server.mjs';
import { startMosquitto, TEST_USERS } from '../../harness/brokers.mjs';
import { mosquittoPub, mosquittoSub } from '../../harness/peers.mjs';
import { onCleanup, runCleanups } from '../../harness/cleanup.mjs';
import { editorDir } from '../../harness/editors.mjs';
import { ProjectBuilder, b } from '../../harness/scratch-project.mjs';

const [USER, PASS] = ['guest', TEST_USERS.guest];

// What the palette shows for each block, in order: its opcode, its outline, its words and default
// values read left to right. A menu's value is one field: its whole label.
const PALETTE = {
  en: [
    ['mqtt_connect', 'command', 'connect to wss://mqtt.longan.link:8084/mqtt user guest password test'],
    ['mqtt_disconnect', 'command', 'disconnect'],
    ['mqtt_isConnected', 'boolean', 'connected?'],
    ['mqtt_status', 'reporter', 'connection status'],
    ['mqtt_subscribe', 'command', 'subscribe to scratch with QoS 0 (may be lost)'],
    ['mqtt_unsubscribe', 'command', 'unsubscribe from scratch'],
    ['mqtt_publish', 'command', 'publish Hello! to microblocks'],
    ['mqtt_publishWith', 'command', 'publish Hello! to microblocks with QoS 1 (at least once) retain no'],
    ['mqtt_whenMessage', 'hat', 'when message received on scratch'],
    ['mqtt_message', 'reporter', 'message'],
    ['mqtt_messageTopic', 'reporter', 'message topic'],
    ['mqtt_jsonGet', 'reporter', 'temperature of JSON {"temperature": 21.5}'],
  ],
  'zh-cn': [
    ['mqtt_connect', 'command', '连接到 wss://mqtt.longan.link:8084/mqtt 用户名 guest 密码 test'],
    ['mqtt_disconnect', 'command', '断开连接'],
    ['mqtt_isConnected', 'boolean', '已连接？'],
    ['mqtt_status', 'reporter', '连接状态'],
    ['mqtt_subscribe', 'command', '订阅 scratch 服务质量 0（最多一次）'],
    ['mqtt_unsubscribe', 'command', '取消订阅 scratch'],
    ['mqtt_publish', 'command', '发送消息 Hello! 到 microblocks'],
    ['mqtt_publishWith', 'command', '发送消息 Hello! 到 microblocks 服务质量 1（至少一次） 保留 否'],
    ['mqtt_whenMessage', 'hat', '当收到 scratch 的消息'],
    ['mqtt_message', 'reporter', '收到的消息'],
    ['mqtt_messageTopic', 'reporter', '消息的主题'],
    ['mqtt_jsonGet', 'reporter', 'JSON {"temperature": 21.5} 中的 temperature'],
  ],
};

// The menus as the dropdown opens them.
const MENUS = {
  en: { qos: ['0 (may be lost)', '1 (at least once)', '2 (exactly once)'], retain: ['no', 'yes'] },
  'zh-cn': { qos: ['0（最多一次）', '1（至少一次）', '2（恰好一次）'], retain: ['否', '是'] },
};

const IOT_PALETTE = [
  ['iot_connect_to_mqtt', 'command', 'connect to wss://guest:test@mqtt.longan.link:8084/mqtt'],
  ['iot_mqtt_is_connected', 'boolean', 'is connected?'],
  ['iot_subTopic', 'command', 'subscribe topic /scratch3_sub'],
  ['iot_whenMessage', 'hat', 'when topic /scratch3_sub message received'],
  ['iot_getComingMessage', 'reporter', 'received message'],
  ['iot_pubMessage', 'command', 'publish topic /scratch3_pub message hello'],
];

let broker;
let server;
let browser;

before(async () => {
  const gui = await editorDir('scratch-gui');
  broker = await startMosquitto({ users: TEST_USERS });
  // The editor's dist/ at the root (its chunks load from /), the host page at /host/ with the
  // editor's static/ beside it (its block images load relative to the page).
  server = await startStaticServer({
    mounts: {
      '/': gui,
      '/host/static/': path.join(gui, 'static'),
      '/host/': path.join(ROOT, 'tests', 'scratch', 'editor'),
      '/vm-host/': path.join(ROOT, 'tests', 'scratch', 'page'),
      '/harness/page/': path.join(ROOT, 'harness', 'page'),
      '/dist/': path.join(ROOT, 'dist'),
      '/examples/': path.join(ROOT, 'www', 'examples'),
    },
  });
  onCleanup(server.close);
  // wide enough for publishWith's retain menu to sit in the code area, left of the stage
  browser = await launchBrowser({ viewport: { width: 1440, height: 900 } });
});

after(async () => {
  await browser?.close();
  await server?.close();
  await broker?.stop();
  await runCleanups();
});

const wsUrl = () => `ws://127.0.0.1:${broker.wsPort}/`;

/** The editor in `locale`, with the extension loaded. */
async function openEditor(locale) {
  const page = await browser.newPage();
  await page.goto(`${server.url}host/index.html`);
  await page.evaluate((l) => window.bootEditor(l), locale);
  await page.evaluate((url) => window.loadExtension(url), `${server.url}dist/scratch-mqtt-extension.js`);
  await page.waitForSelector('.blocklyToolboxCategory[id="mqtt"]');
  return page;
}

/** Loads a project the way File → Load from your computer does (vm.loadProject with the file's bytes). */
async function openProject(page, sb3) {
  await page.evaluate(async (base64) => {
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    await window.vm.loadProject(bytes.buffer);
  }, Buffer.from(sb3).toString('base64'));
  await page.waitForFunction(() => window.vm.editingTarget && !window.vm.editingTarget.isStage, null, { timeout: 20000 });
  await new Promise((r) => setTimeout(r, 500)); // the workspace redraws after the VM's update
}

const categories = (page) => page.evaluate(() => [...document.querySelectorAll('.blocklyToolboxCategory')].map((e) => e.id));

async function showCategory(page, id) {
  await page.click(`.blocklyToolboxCategory[id="${id}"]`);
  await new Promise((r) => setTimeout(r, 600)); // the flyout scrolls there
}

/**
 * The palette's blocks of category `id` as drawn: opcode, outline (read from the block's SVG path:
 * a hat's curved top, a boolean's pointed ends, a reporter's round ends, a stack block's notch) and
 * its texts in left-to-right order.
 */
function paletteBlocks(page, id) {
  return page.evaluate((category) => {
    const outline = (d) => {
      const t = d.trim();
      if (/^m 0,[\d.]+\s+h [\d.]+\s+c [\d.]+,-/.test(t)) return 'hat';
      if (/^m [\d.]+,0\s+h [\d.]+\s+l /.test(t)) return 'boolean';
      if (/^m [\d.]+,0\s+h [\d.]+ a /.test(t)) return 'reporter';
      if (/^m 0,0\s+m 0,4 a 4 4/.test(t)) return 'command';
      return `unknown: ${t.slice(0, 40)}`;
    };
    return [...document.querySelectorAll(`svg.blocklyFlyout .blocklyBlockCanvas > g.${category}`)].map((g) => [
      g.getAttribute('class').split(' ')[0],
      outline(g.querySelector(':scope > path').getAttribute('d')),
      [...g.querySelectorAll('text')]
        .map((t) => [t.getBoundingClientRect().x, t.textContent])
        .sort((a, c) => a[0] - c[0])
        .map(([, text]) => text.replace(/\s+/g, ' ').trim())
        .join(' '),
    ]);
  }, id);
}

/**
 * The share of the category icon's pixels that are neither transparent nor near white: the
 * bubble sits on the white category menu, so a white-on-transparent icon scores about 0.
 */
function iconInk(page, id) {
  return page.evaluate(async (category) => {
    const img = document.querySelector(`.blocklyToolboxCategory[id="${category}"] img`);
    if (!img) return { missing: true };
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = 40;
    const ctx = canvas.getContext('2d');
    ctx.drawImage(img, 0, 0, 40, 40);
    const px = ctx.getImageData(0, 0, 40, 40).data;
    let ink = 0;
    for (let i = 0; i < px.length; i += 4) {
      const white = px[i] > 230 && px[i + 1] > 230 && px[i + 2] > 230;
      if (px[i + 3] > 128 && !white) ink++;
    }
    return { ink: ink / (40 * 40), shown: img.getBoundingClientRect().width };
  }, id);
}

/** The items of the dropdown that a click on the `n`th dropdown of the workspace's `opcode` block opens. */
async function openMenu(page, opcode, n) {
  const field = page.locator(`svg.blocklySvg .blocklyBlockCanvas g.${opcode} .blocklyDropdownField`).nth(n);
  const shown = (await field.locator('text').first().textContent()).replace(/\s+/g, ' ').trim();
  const box = await field.boundingBox();
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  await page.waitForFunction(() => document.querySelectorAll('.blocklyDropDownDiv .blocklyMenuItem').length > 0, null, { timeout: 5000 });
  const items = await page.evaluate(() => [...document.querySelectorAll('.blocklyDropDownDiv .blocklyMenuItem')].map((e) => e.textContent.replace(/\s+/g, ' ').trim()));
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => document.querySelectorAll('.blocklyDropDownDiv .blocklyMenuItem').length === 0, null, { timeout: 5000 });
  return { shown, items };
}

function roundTripProject() {
  const p = new ProjectBuilder({ extensions: ['mqtt'] });
  const sprite = p.sprite('Sprite1');
  p.script([b.greenFlag(), b.connect(wsUrl(), USER, PASS), b.subscribe('editor/in', '1'), b.setVar('connected', { block: { opcode: 'mqtt_isConnected' } })], sprite);
  p.script([b.whenMessage('editor/in'), b.say(b.message()), b.publishWith(b.message(), 'editor/out', '1', 'false')], sprite);
  return p;
}

for (const locale of ['en', 'zh-cn']) {
  describe(`the official editor (scratch-gui 15.1.1) in ${locale}, extension loaded as a userscript loader does`, () => {
    let page;
    before(async () => {
      page = await openEditor(locale);
    });
    after(async () => page?.close());

    test('the category menu shows MQTT with a visible icon, and no IoT category for a new project', async () => {
      const ids = await categories(page);
      assert.ok(ids.includes('mqtt'), ids.join(' '));
      assert.ok(!ids.includes('iot'), `IoT is for CodeLab IoT projects only: ${ids.join(' ')}`);
      assert.equal(await page.textContent('.blocklyToolboxCategory[id="mqtt"] .blocklyToolboxCategoryLabel'), 'MQTT');
      const icon = await iconInk(page, 'mqtt');
      assert.ok(icon.shown > 10, JSON.stringify(icon));
      assert.ok(icon.ink > 0.4, `the icon is mostly colour, not white: ${JSON.stringify(icon)}`);
    });

    test('every block has its outline and its whole text', async () => {
      await showCategory(page, 'mqtt');
      const flyout = await page.locator('.blocklyFlyoutBackground').boundingBox();
      await page.screenshot({ path: screenshotPath(`editor-palette-${locale}`), clip: { x: 0, y: flyout.y, width: flyout.x + flyout.width, height: flyout.height } });
      assert.deepEqual(await paletteBlocks(page, 'mqtt'), PALETTE[locale]);
    });

    test('the QoS and retain menus show whole labels, in the block and when opened', async () => {
      await openProject(page, await roundTripProject().toSb3());
      // publishWith's dropdowns: QoS then retain; subscribe's: QoS
      const qos = await openMenu(page, 'mqtt_publishWith', 0);
      const retain = await openMenu(page, 'mqtt_publishWith', 1);
      const subscribeQos = await openMenu(page, 'mqtt_subscribe', 0);
      assert.deepEqual(qos, { shown: MENUS[locale].qos[1], items: MENUS[locale].qos });
      assert.deepEqual(retain, { shown: MENUS[locale].retain[0], items: MENUS[locale].retain });
      assert.deepEqual(subscribeQos, { shown: MENUS[locale].qos[1], items: MENUS[locale].qos });
    });

    test('a message from mosquitto_pub is said on the stage and echoed back through mosquitto', async () => {
      await openProject(page, await roundTripProject().toSb3());
      await page.click('[class*="green-flag"]');
      await page.waitForFunction(() => window.vm.runtime.getTargetForStage().variables['var-connected']?.value === true, null, { timeout: 20000 });
      const text = locale === 'en' ? 'Hello from a device!' : '你好，舞台！🐱';
      const echo = mosquittoSub(broker, { topics: ['editor/out'], count: 1 });
      await echo.ready;
      await mosquittoPub(broker, { topic: 'editor/in', payload: text, qos: 1 });
      const [back] = await echo.messages;
      assert.equal(back.payload.toString('utf8'), text);
      await page.waitForFunction(
        (t) => window.vm.runtime.getSpriteTargetByName('Sprite1').getCustomState('Scratch.looks')?.text === t,
        text,
        { timeout: 10000 },
      );
      await new Promise((r) => setTimeout(r, 300)); // the bubble is drawn on the next frame
      await page.locator('canvas').first().screenshot({ path: screenshotPath(`editor-stage-${locale}`) });
      assert.deepEqual(page.errors, []);
    });
  });
}

describe('a CodeLab IoT project in the official editor', () => {
  test('opens unchanged, brings its IoT category, and runs: a message in, an echo out', async () => {
    const page = await openEditor('en');
    try {
      assert.ok(!(await categories(page)).includes('iot'));
      const p = new ProjectBuilder({ extensions: ['iot'] });
      const sprite = p.sprite('Sprite1');
      const uri = `ws://${USER}:${PASS}@127.0.0.1:${broker.wsPort}/`;
      p.script([b.greenFlag(), { opcode: 'iot_connect_to_mqtt', inputs: { mqtt_uri: uri } }, { opcode: 'iot_subTopic', inputs: { topic: '/scratch3_sub' } }], sprite);
      p.script(
        [
          { opcode: 'iot_whenMessage', inputs: { topic: '/scratch3_sub' } },
          { opcode: 'iot_pubMessage', inputs: { topic: '/scratch3_pub', message: { block: { opcode: 'iot_getComingMessage' } } } },
        ],
        sprite,
      );
      await openProject(page, await p.toSb3());
      await page.waitForSelector('.blocklyToolboxCategory[id="iot"]');
      await showCategory(page, 'iot');
      assert.deepEqual(await paletteBlocks(page, 'iot'), IOT_PALETTE);
      await page.click('[class*="green-flag"]');
      const echo = mosquittoSub(broker, { topics: ['/scratch3_pub'], count: 1 });
      await echo.ready;
      // the connection is up once a message published now comes back; retry until it does
      let back;
      for (let i = 0; i < 40 && !back; i++) {
        await mosquittoPub(broker, { topic: '/scratch3_sub', payload: '你好' });
        back = await Promise.race([echo.messages.then(([m]) => m), new Promise((r) => setTimeout(r, 250))]);
      }
      assert.equal(back?.payload.toString('utf8'), '你好');
      assert.deepEqual(page.errors, []);
    } finally {
      await page.close();
    }
  });
});

describe('the example projects in the official editor', () => {
  for (const name of ['chat', 'dashboard', 'microblocks']) {
    test(`${name}.sb3 opens, and no script hides under the palette or overlaps another`, async () => {
      const page = await browser.newPage();
      try {
        await page.goto(`${server.url}host/index.html`);
        await page.evaluate(() => window.bootEditor('en'));
        // a userscript loader (Eureka) loads the extension the project names, then the project
        const sb3 = fs.readFileSync(path.join(ROOT, 'www', 'examples', `${name}.sb3`));
        await page.evaluate((url) => window.loadExtension(url), `${server.url}dist/scratch-mqtt-extension.js`);
        await openProject(page, sb3);
        const layout = await page.evaluate(() => {
          const flyout = document.querySelector('.blocklyFlyoutBackground').getBoundingClientRect();
          const scripts = [...document.querySelectorAll('svg.blocklySvg .blocklyBlockCanvas > g')].map((g) => {
            const r = g.getBoundingClientRect();
            return { left: r.left, top: r.top, right: r.right, bottom: r.bottom };
          });
          return { flyoutRight: flyout.right, scripts };
        });
        assert.ok(layout.scripts.length > 0, 'the sprite shows its scripts');
        for (const s of layout.scripts) assert.ok(s.left >= layout.flyoutRight, `a script starts under the palette: ${JSON.stringify(s)}`);
        for (const [i, a] of layout.scripts.entries()) {
          for (const c of layout.scripts.slice(i + 1)) {
            const overlap = a.left < c.right && c.left < a.right && a.top < c.bottom && c.top < a.bottom;
            assert.ok(!overlap, `scripts overlap: ${JSON.stringify(a)} ${JSON.stringify(c)}`);
          }
        }
        await page.screenshot({ path: screenshotPath(`editor-example-${name}`) });
      } finally {
        await page.close();
      }
    });
  }
});

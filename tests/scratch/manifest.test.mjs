// extension-manifest.json against the built extension (dist/): the URL file's getInfo() in
// English and Chinese, the builtin drop-in and the ESM entry, the header comments and icons.
// Run: npm run build && node --test tests/scratch/manifest.test.mjs

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { StubRuntime } from './stub-runtime.mjs';
import { ROOT } from '../../harness/node-client.mjs';

const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'extension-manifest.json'), 'utf8'));
const file = (rel) => path.join(ROOT, rel);

/** Runs the URL file as an editor would (unsandboxed, or as in a worker: no Scratch.vm); returns what it registered. */
function loadUrlFile(locale, { unsandboxed = true } = {}) {
  const registered = [];
  const Scratch = {
    extensions: { register: (ext) => registered.push(ext), unsandboxed },
    ...(unsandboxed ? { vm: { runtime: new StubRuntime(), getLocale: () => locale } } : { translate: { language: locale } }),
  };
  const context = vm.createContext({ Scratch, TextDecoder, TextEncoder, atob, btoa, console, setTimeout, clearTimeout, WebAssembly, URL });
  context.globalThis = context;
  vm.runInContext(fs.readFileSync(file(manifest.urls.url), 'utf8'), context, { filename: manifest.urls.url });
  return registered;
}

// JSON round trip: objects made inside the vm context have that realm's prototypes.
const shape = (info) =>
  JSON.parse(JSON.stringify(info.blocks))
    .filter((x) => typeof x === 'object')
    .map((x) => ({ opcode: x.opcode, blockType: x.blockType, arguments: Object.keys(x.arguments ?? {}) }));


test('the manifest keeps its frozen fields and names the built files, which exist', () => {
  assert.equal(manifest.id, 'mqtt');
  for (const key of ['name', 'description']) assert.ok(manifest[key].en && manifest[key]['zh-cn'], key);
  for (const key of ['version', 'license', 'author', 'helpLink']) assert.ok(manifest[key], key);
  assert.equal(manifest.internetConnectionRequired, true);
  for (const rel of [manifest.urls.url, manifest.urls.esm, manifest.urls.builtin]) assert.ok(fs.existsSync(file(rel)), rel);
  for (const key of ['iconURL', 'insetIconURL', 'blockIconURI']) assert.match(manifest[key], /^data:image\/svg\+xml;base64,/);
});

test('the URL file registers mqtt and iot whose getInfo() matches the manifest, in en and zh-cn', () => {
  for (const locale of ['en', 'zh-cn']) {
    const [mqtt, iot] = loadUrlFile(locale);
    const info = mqtt.getInfo();
    assert.equal(info.id, manifest.id);
    assert.equal(info.name, manifest.name[locale]);
    assert.deepEqual(shape(info), manifest.blocks);
    assert.equal(info.blockIconURI, manifest.blockIconURI);
    const compat = manifest.alsoRegisters[0];
    assert.equal(iot.getInfo().id, compat.id);
    assert.equal(iot.getInfo().name, compat.name[locale]);
    assert.deepEqual(shape(iot.getInfo()), compat.blocks);
  }
  const [chinese] = loadUrlFile('zh-cn');
  assert.equal(chinese.getInfo().blocks.find((x) => x.opcode === 'isConnected').text, '已连接？');
});

test('in a worker (no Scratch.vm) the URL file registers the same blocks with polled hats', () => {
  const [mqtt] = loadUrlFile('zh-cn', { unsandboxed: false });
  const info = mqtt.getInfo();
  assert.deepEqual(shape(info), manifest.blocks);
  assert.equal(info.blocks.find((x) => x.opcode === 'whenMessage').isEdgeActivated, true);
  assert.equal(info.name, manifest.name['zh-cn']);
});

test('the URL file starts with TurboWarp\'s header comments, from the manifest', () => {
  const head = fs.readFileSync(file(manifest.urls.url), 'utf8').split('\n').slice(0, 5);
  assert.deepEqual(head, [
    `// Name: ${manifest.name.en}`,
    `// ID: ${manifest.id}`,
    `// Description: ${manifest.description.en}`,
    `// By: ${manifest.author}`,
    `// License: ${manifest.license}`,
  ]);
});

test('the builtin drop-in: classes constructed with runtime, the same getInfo(); library cards carry the manifest\'s icons', () => {
  const module = { exports: {} };
  const require = (name) => {
    assert.equal(name, 'format-message');
    return { setup: () => ({ locale: 'zh-cn' }) };
  };
  new Function('module', 'exports', 'require', fs.readFileSync(file(manifest.urls.builtin), 'utf8'))(module, module.exports, require);
  const Mqtt = module.exports;
  const mqtt = new Mqtt(new StubRuntime());
  assert.deepEqual(shape(mqtt.getInfo()), manifest.blocks);
  assert.equal(mqtt.getInfo().name, manifest.name['zh-cn']);
  assert.deepEqual(shape(new module.exports.Scratch3Iot(new StubRuntime()).getInfo()), manifest.alsoRegisters[0].blocks);
  const card = module.exports.LIBRARY_CARDS.find((c) => c.extensionId === 'mqtt');
  assert.equal(card.iconURL, manifest.iconURL);
  assert.equal(card.insetIconURL, manifest.insetIconURL);
  assert.equal(card.helpLink, manifest.helpLink);
  assert.equal(card.internetConnectionRequired, manifest.internetConnectionRequired);
});

test('the ESM entry exports ScratchMqtt and ScratchIot with the same blocks', async () => {
  const esm = await import(pathToFileURL(file(manifest.urls.esm)).href);
  const mqtt = new esm.ScratchMqtt(new StubRuntime(), { getLocale: () => 'en' });
  assert.deepEqual(shape(mqtt.getInfo()), manifest.blocks);
  assert.deepEqual(shape(new esm.ScratchIot(new StubRuntime()).getInfo()), manifest.alsoRegisters[0].blocks);
  assert.equal(esm.LIBRARY_CARDS[0].iconURL, manifest.iconURL);
});

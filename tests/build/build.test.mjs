// scripts/build.mjs on small crates this test writes to a temporary folder (the real shell is
// built the same way, by `npm run build`): the ESM library and the single-file bundle load in
// Chromium, the bundle makes no second request, and a crate without exports is reported in words.
// Compiled crates are cached in target/build-test/, so only the first run pays for wasm-bindgen.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { ROOT, launchBrowser } from '../../harness/browser.mjs';
import { startStaticServer } from '../../harness/static-server.mjs';

const BUILD = path.join(ROOT, 'scripts/build.mjs');
const TARGET_DIR = path.join(ROOT, 'target', 'build-test');
const PROFILE = `
[profile.release]
opt-level = "z"
lto = true
codegen-units = 1
panic = "abort"
strip = true
`;

function writeCrate(dir, name, { exports }) {
  fs.mkdirSync(path.join(dir, 'src'), { recursive: true });
  // Both depend on wasm-bindgen, as the repository does before the shell exports anything.
  const deps = `wasm-bindgen = "=0.2.130"\n`;
  fs.writeFileSync(
    path.join(dir, 'Cargo.toml'),
    `[package]\nname = "${name}"\nversion = "0.0.0"\nedition = "2021"\npublish = false\n\n[lib]\ncrate-type = ["cdylib"]\n\n[dependencies]\n${deps}${PROFILE}`,
  );
  // The repository's lockfile keeps wasm-bindgen and its dependencies at the versions main uses.
  fs.copyFileSync(path.join(ROOT, 'Cargo.lock'), path.join(dir, 'Cargo.lock'));
  fs.writeFileSync(
    path.join(dir, 'src/lib.rs'),
    exports
      ? `use wasm_bindgen::prelude::*;

#[wasm_bindgen]
pub fn greet(name: &str) -> String {
    format!("你好, {name}")
}

#[wasm_bindgen]
pub fn sum(bytes: &[u8]) -> u32 {
    bytes.iter().map(|&b| u32::from(b)).sum()
}
`
      : `pub fn not_for_js() -> u32 {\n    7\n}\n`,
  );
}

function build(args) {
  const r = spawnSync(process.execPath, [BUILD, ...args], {
    encoding: 'utf8',
    env: { ...process.env, CARGO_TARGET_DIR: TARGET_DIR },
    timeout: 15 * 60 * 1000,
  });
  return { code: r.status, out: `${r.stdout}\n${r.stderr}` };
}

describe('scripts/build.mjs', () => {
  let work;
  let browser;
  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'smq-build-test-'));
    writeCrate(path.join(work, 'exports'), 'smq-build-probe', { exports: true });
    writeCrate(path.join(work, 'empty'), 'smq-build-empty', { exports: false });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  /** Serves `dist` as /dist/ and runs `script` (an async function body) in a page there. */
  async function inBrowser(dist, script) {
    const site = await startStaticServer({ mounts: { '/dist/': dist, '/': path.join(work, 'www') } });
    fs.mkdirSync(path.join(work, 'www'), { recursive: true });
    fs.writeFileSync(path.join(work, 'www/index.html'), '<!doctype html><title>probe</title>');
    const page = await browser.newPage();
    const requests = [];
    page.on('request', (r) => requests.push(new URL(r.url()).pathname));
    try {
      await page.goto(site.url);
      const result = await page.evaluate(`(async () => { ${script} })()`);
      return { result, requests, errors: page.errors };
    } finally {
      await page.close();
      await site.close();
    }
  }

  test('builds the ESM library and the single file, with sizes, from the pinned wasm-bindgen', async () => {
    const dist = path.join(work, 'dist-plain');
    const { code, out } = build(['--crate', path.join(work, 'exports'), '--out', dist]);
    assert.equal(code, 0, out);
    assert.match(out, /wasm-bindgen 0\.2\.130 --target web/);
    assert.match(out, /exports: .*greet/);
    assert.match(out, /wasm-opt -Oz/);
    assert.match(out, /single file \(ESM\)\s+[\d.]+ KB raw\s+[\d.]+ KB gzip/);
    for (const f of ['scratch-mqtt.js', 'scratch-mqtt_bg.wasm', 'scratch-mqtt.d.ts', 'scratch-mqtt.bundle.js']) {
      assert.ok(fs.existsSync(path.join(dist, f)), `${f} missing`);
    }
    assert.match(fs.readFileSync(path.join(dist, 'scratch-mqtt.d.ts'), 'utf8'), /export function greet\(name: string\): string;/);
    // wasm-opt ran: no name section or producers left, and the module still compiles.
    const wasm = fs.readFileSync(path.join(dist, 'scratch-mqtt_bg.wasm'));
    const mod = new WebAssembly.Module(wasm);
    assert.equal(WebAssembly.Module.customSections(mod, 'name').length, 0);
    assert.equal(WebAssembly.Module.customSections(mod, 'producers').length, 0);
    // The bundle carries the module inline, compressed: it is larger than the base64 of the
    // module's DEFLATE stream (the build checks that the browser's inflater gives back the module).
    const bundle = fs.readFileSync(path.join(dist, 'scratch-mqtt.bundle.js'));
    const deflated = zlib.deflateRawSync(wasm, { level: 9 });
    assert.ok(bundle.length > (deflated.length * 4) / 3, 'the wasm is not inlined');
    assert.ok(zlib.gzipSync(bundle).length < 40 * 1024);

    const esm = await inBrowser(
      dist,
      `const m = await import('/dist/scratch-mqtt.js'); await m.default(); return [m.greet('Scratch'), m.sum(new Uint8Array([1, 2, 250]))];`,
    );
    assert.deepEqual(esm.result, ['你好, Scratch', 253]);
    assert.ok(esm.requests.includes('/dist/scratch-mqtt_bg.wasm'));

    const single = await inBrowser(
      dist,
      `const m = await import('/dist/scratch-mqtt.bundle.js'); await m.default(); return m.greet('一个文件');`,
    );
    assert.equal(single.result, '你好, 一个文件');
    assert.deepEqual(
      single.requests.filter((p) => p.startsWith('/dist/')),
      ['/dist/scratch-mqtt.bundle.js'],
      'the single file fetched something else',
    );

    // Without DecompressionStream the single file cannot unpack its module: init() says why.
    const old = await inBrowser(
      dist,
      `delete globalThis.DecompressionStream; const m = await import('/dist/scratch-mqtt.bundle.js'); try { await m.default(); return 'loaded'; } catch (e) { return e.message; }`,
    );
    assert.match(old.result, /too old for Scratch MQTT: it lacks DecompressionStream/);

    const classic = await inBrowser(
      dist,
      `await new Promise((ok, fail) => { const s = document.createElement('script'); s.src = '/dist/scratch-mqtt.global.js'; s.onload = ok; s.onerror = fail; document.head.append(s); });
       await ScratchMQTT.default(); return ScratchMQTT.greet('classic');`,
    );
    assert.equal(classic.result, '你好, classic');
  });

  test('with a JS wrapper: the wrapper becomes scratch-mqtt.js over scratch_mqtt.js, and may await init', async () => {
    const dist = path.join(work, 'dist-wrapped');
    const wrapper = path.join(work, 'wrapper.js');
    fs.writeFileSync(
      wrapper,
      `import init, { greet } from './scratch_mqtt.js';\nawait init();\nexport const hello = (n) => greet(n) + '!';\n`,
    );
    fs.writeFileSync(path.join(work, 'wrapper.d.ts'), 'export declare function hello(name: string): string;\n');
    const { code, out } = build(['--crate', path.join(work, 'exports'), '--out', dist, '--wrapper', wrapper]);
    assert.equal(code, 0, out);
    assert.match(out, /no classic-script build/, 'a top-level await rules out the classic script, and says so');
    assert.equal(fs.readFileSync(path.join(dist, 'scratch-mqtt.js'), 'utf8'), fs.readFileSync(wrapper, 'utf8'));
    assert.match(fs.readFileSync(path.join(dist, 'scratch-mqtt.d.ts'), 'utf8'), /hello/);
    assert.ok(fs.existsSync(path.join(dist, 'scratch_mqtt_bg.wasm')));

    const esm = await inBrowser(dist, `return (await import('/dist/scratch-mqtt.js')).hello('wrapped');`);
    assert.equal(esm.result, '你好, wrapped!');
    const single = await inBrowser(dist, `return (await import('/dist/scratch-mqtt.bundle.js')).hello('bundled');`);
    assert.equal(single.result, '你好, bundled!');
    assert.deepEqual(single.requests.filter((p) => p.startsWith('/dist/')), ['/dist/scratch-mqtt.bundle.js']);
  });

  test('a crate that exports nothing to JS is reported in words, and --strict fails', () => {
    const dist = path.join(work, 'dist-empty');
    const loose = build(['--crate', path.join(work, 'empty'), '--out', dist]);
    assert.equal(loose.code, 0, loose.out);
    assert.match(loose.out, /exports no JavaScript API/);
    assert.equal(fs.existsSync(path.join(dist, 'scratch-mqtt.js')), false);
    const strict = build(['--crate', path.join(work, 'empty'), '--out', dist, '--strict']);
    assert.notEqual(strict.code, 0);
    assert.match(strict.out, /build failed: .*exports no JavaScript API/);
  });
});

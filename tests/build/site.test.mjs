// `npm run build:site`: the hosted folder works when served from any path. It is built for
// http://127.0.0.1:<port>/a/deep/path/ and opened there in Chromium: the demo console loads the
// library and connects to a broker, the "use it" page shows the extension's full address in both
// languages, the examples carry that address, and no page links outside the folder.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, launchBrowser, libraryBuilt, screenshotPath } from '../../harness/browser.mjs';
import { startStaticServer } from '../../harness/static-server.mjs';
import { startAedes } from '../../harness/brokers.mjs';

const PREFIX = '/a/deep/path/';

describe('npm run build:site, served from a sub-path', () => {
  let out;
  let server;
  let base;
  let browser;
  let broker;
  before(async () => {
    assert.ok(libraryBuilt(), 'run npm run build first');
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'smq-site-'));
    server = await startStaticServer({ mounts: { [PREFIX]: out } });
    base = new URL(PREFIX, server.url).href;
    const build = spawnSync(process.execPath, ['scripts/build-site.mjs', '--no-build', '--out', out, '--base-url', base], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(build.status, 0, build.stderr + build.stdout);
    browser = await launchBrowser();
    broker = await startAedes();
  });
  after(async () => {
    await browser?.close();
    await broker?.stop();
    await server?.close();
    if (out) fs.rmSync(out, { recursive: true, force: true });
  });

  test('every link in the pages stays inside the folder (relative)', () => {
    const pages = ['index.html', 'use.html', 'examples/index.html'];
    for (const page of pages) {
      const html = fs.readFileSync(path.join(out, page), 'utf8');
      for (const [, link] of html.matchAll(/(?:href|src)="([^"]+)"/g)) {
        if (link.startsWith('data:')) continue;
        assert.ok(!/^(\/|[a-z]+:)/i.test(link), `${page} links to ${link}`);
      }
    }
    const app = fs.readFileSync(path.join(out, 'app.js'), 'utf8');
    assert.match(app, /LIBRARY_URL = '\.\/dist\//);
  });

  test('the demo console loads the library from the sub-path and connects', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${base}?lang=en&url=${encodeURIComponent(broker.wsUrl)}&protocol=4`);
      await page.waitForSelector('body[data-ready="true"]');
      assert.match(await page.textContent('#lib-version'), /^v\d+\.\d+\.\d+/);
      await page.click('[data-testid="connect"]');
      await page.waitForSelector('[data-testid="status"][data-state="connected"]');
      assert.equal(await page.getAttribute('[data-testid="use-link"]', 'href'), 'use.html');
      assert.deepEqual(page.errors, []);
    } finally {
      await page.close();
    }
  });

  test('the "use it" page gives the extension\'s full address, in English and 中文', async () => {
    const expected = new URL('dist/scratch-mqtt-extension.js', base).href;
    const page = await browser.newPage();
    try {
      await page.goto(`${base}use.html`);
      await page.waitForFunction(() => document.getElementById('extension-url').textContent.startsWith('http'));
      assert.equal(await page.textContent('[data-testid="extension-url"]'), expected);
      assert.match(await page.textContent('[data-testid="steps-zh"]'), /用户脚本管理器.*Eureka.*unsandboxed.*保存作品/s);
      assert.match(await page.textContent('[data-testid="steps-en"]'), /userscript manager.*Eureka.*unsandboxed.*Save the project/s);
      const response = await page.request.get(expected);
      assert.equal(response.status(), 200);
      assert.match(response.headers()['content-type'], /javascript/);
      await page.screenshot({ path: screenshotPath('site-use-page'), fullPage: true });
      assert.deepEqual(page.errors, []);
    } finally {
      await page.close();
    }
  });

  test('the hosted extension links to the "use it" page (docsURI); the plain build has no link', () => {
    const infos = (file) => {
      const registered = [];
      const Scratch = { extensions: { unsandboxed: true, register: (ext) => registered.push(ext.getInfo()) } };
      new Function('Scratch', fs.readFileSync(file, 'utf8'))(Scratch); // eslint-disable-line no-new-func
      return registered;
    };
    const [hosted] = infos(path.join(out, 'dist', 'scratch-mqtt-extension.js'));
    assert.equal(hosted.docsURI, new URL('use.html', base).href);
    const [plain] = infos(path.join(ROOT, 'dist', 'scratch-mqtt-extension.js'));
    assert.equal(plain.docsURI, undefined);
  });

  test('the GitHub Pages workflow builds this site for its own address and publishes site/', () => {
    const workflow = fs.readFileSync(path.join(ROOT, '.github', 'workflows', 'pages.yml'), 'utf8');
    assert.match(workflow, /branches: \[main\]/);
    assert.match(workflow, /npm run build:site -- --base-url/);
    assert.match(workflow, /upload-pages-artifact@v\d+\s+with:\s+path: site/);
    assert.match(workflow, /deploy-pages@v\d+/);
  });

  test('the example projects carry the hosted extension address (TurboWarp and Eureka) and CodeLab\'s broker', async () => {
    const { default: JSZip } = await import('jszip');
    for (const name of ['chat', 'dashboard', 'microblocks']) {
      const zip = await JSZip.loadAsync(fs.readFileSync(path.join(out, 'examples', `${name}.sb3`)));
      const project = JSON.parse(await zip.file('project.json').async('string'));
      const hosted = { mqtt: new URL('dist/scratch-mqtt-extension.js', base).href };
      assert.deepEqual(project.extensionURLs, hosted, `${name}: TurboWarp`);
      assert.deepEqual(project.sideloadExtensionURLs, hosted, `${name}: Eureka`);
      assert.deepEqual(project.sideloadExtensionEnvs, { mqtt: 'unsandboxed' }, `${name}: Eureka`);
      assert.ok(JSON.stringify(project).includes('wss://mqtt.longan.link:8084/mqtt'), name);
      assert.ok(!JSON.stringify(project).includes('localhost'), `${name} points at localhost`);
    }
  });

  test('the npm start examples (www/examples) carry npm start\'s extension address', async () => {
    const { default: JSZip } = await import('jszip');
    for (const name of ['chat', 'dashboard', 'microblocks']) {
      const zip = await JSZip.loadAsync(fs.readFileSync(path.join(ROOT, 'www', 'examples', `${name}.sb3`)));
      const project = JSON.parse(await zip.file('project.json').async('string'));
      assert.deepEqual(project.extensionURLs, { mqtt: 'http://localhost:8000/dist/scratch-mqtt-extension.js' }, name);
    }
  });
});

// `npm start`'s server (scripts/serve.mjs) and the static file server under it: ports from the
// environment, the embedded broker reachable over WebSocket and TCP with any login, the right MIME
// types, nothing served outside its folders, a clean Ctrl-C, and a clear message for a busy port.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ROOT, launchBrowser, libraryBuilt } from '../../harness/browser.mjs';
import { startStaticServer } from '../../harness/static-server.mjs';
import { killOnExit } from '../../harness/cleanup.mjs';
import { freePorts } from '../../harness/net.mjs';
import { mqttjsPeer } from '../../harness/peers.mjs';

function startServe(env) {
  const child = killOnExit(
    spawn(process.execPath, [path.join(ROOT, 'scripts/serve.mjs')], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = once(child, 'exit').then(([code, signal]) => ({ code, signal }));
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve.mjs did not start:\n${out}`)), 10000);
    child.stdout.on('data', () => {
      if (out.includes('Press Ctrl-C')) {
        clearTimeout(timer);
        resolve();
      }
    });
    exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`serve.mjs exited:\n${out}`));
    });
  });
  ready.catch(() => {});
  return { child, ready, exited, output: () => out };
}

function portIsFree(port) {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

describe('npm start (scripts/serve.mjs)', () => {
  let ports;
  let serve;
  before(async () => {
    const [http, ws, tcp] = await freePorts(3);
    ports = { http, ws, tcp };
    serve = startServe({ PORT: String(http), MQTT_WS_PORT: String(ws), MQTT_TCP_PORT: String(tcp) });
    await serve.ready;
  });
  after(() => serve?.child.kill('SIGKILL'));

  test('prints the demo, extension and broker URLs with an example login', () => {
    const out = serve.output();
    assert.match(out, new RegExp(`Demo console\\s+http://localhost:${ports.http}/`));
    assert.match(out, new RegExp(`Scratch extension\\s+http://localhost:${ports.http}/dist/scratch-mqtt-extension\\.js`));
    assert.match(out, new RegExp(`ws://localhost:${ports.ws}/`));
    assert.match(out, new RegExp(`mqtt://localhost:${ports.tcp}`));
    assert.match(out, /guest \/ test/);
  });

  test('serves the demo page, and tells it where the broker is', async () => {
    const base = `http://127.0.0.1:${ports.http}`;
    const page = await fetch(`${base}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type'), /^text\/html/);
    const app = await fetch(`${base}/app.js`);
    assert.match(app.headers.get('content-type'), /^text\/javascript/);
    const info = await (await fetch(`${base}/local-broker.json`)).json();
    assert.equal(info.url, `ws://localhost:${ports.ws}/`);

    const browser = await launchBrowser();
    try {
      const p = await browser.newPage();
      await p.goto(`http://localhost:${ports.http}/`);
      await p.waitForSelector('body[data-ready="true"]');
      assert.equal(await p.inputValue('[data-testid="url"]'), `ws://localhost:${ports.ws}/`);
      if (libraryBuilt()) {
        // As a visitor would: open the page, press Connect, and be connected to the embedded broker.
        await p.click('[data-testid="connect"]');
        await p.waitForSelector('[data-testid="status"][data-state="connected"]');
      }
    } finally {
      await browser.close();
    }
  });

  test('the embedded broker takes any login over WebSocket and TCP', async () => {
    const broker = { host: '127.0.0.1', tcpUrl: `mqtt://127.0.0.1:${ports.tcp}`, wsUrl: `ws://127.0.0.1:${ports.ws}/`, users: null };
    const ws = await mqttjsPeer(broker, { username: 'guest', password: 'test' });
    const tcp = await mqttjsPeer(broker, { transport: 'tcp', username: 'anyone', password: 'anything' });
    try {
      await ws.subscribe('scratch/#', { qos: 1 });
      await tcp.publish('scratch/hello', '来自终端', { qos: 1 });
      const [m] = await ws.collect(1);
      assert.equal(m.payload.toString(), '来自终端');
    } finally {
      await ws.end();
      await tcp.end();
    }
  });

  test('Ctrl-C stops the server and the broker, and frees every port', async () => {
    serve.child.kill('SIGINT');
    const { code } = await serve.exited;
    assert.equal(code, 0, serve.output());
    for (const port of Object.values(ports)) assert.ok(await portIsFree(port), `port ${port} still taken`);
  });

  test('a busy port is named, with the variable to change, and nothing is left running', async () => {
    const [http, ws, tcp] = await freePorts(3);
    const squatter = net.createServer().listen(http, '127.0.0.1');
    await once(squatter, 'listening');
    try {
      const busy = startServe({ PORT: String(http), MQTT_WS_PORT: String(ws), MQTT_TCP_PORT: String(tcp) });
      const { code } = await busy.exited;
      assert.equal(code, 1);
      assert.match(busy.output(), new RegExp(`HTTP port ${http} on 127\\.0\\.0\\.1 is already in use`));
      assert.match(busy.output(), new RegExp(`PORT=${http + 1} npm start`));
      assert.ok(await portIsFree(ws), 'the broker it had started is still listening');
      assert.ok(await portIsFree(tcp));
    } finally {
      squatter.close();
    }
    const squatter2 = net.createServer().listen(tcp, '127.0.0.1');
    await once(squatter2, 'listening');
    try {
      const busy = startServe({ PORT: String(http), MQTT_WS_PORT: String(ws), MQTT_TCP_PORT: String(tcp) });
      assert.equal((await busy.exited).code, 1);
      assert.match(busy.output(), new RegExp(`MQTT_TCP_PORT=${tcp + 1} npm start`));
    } finally {
      squatter2.close();
    }
  });
});

describe('the static file server', () => {
  let dir;
  let site;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smq-static-'));
    fs.mkdirSync(path.join(dir, 'pub/sub'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'secret.txt'), 'outside the mount');
    for (const f of ['a.wasm', 'b.js', 'c.css', 'd.json', 'e.mjs', 'sub/index.html', 'f.d.ts', 'g.unknown']) {
      fs.writeFileSync(path.join(dir, 'pub', f), 'x');
    }
    site = await startStaticServer({ mounts: { '/': path.join(dir, 'pub') } });
  });
  after(async () => {
    await site?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('sends the MIME type browsers insist on', async () => {
    const types = {
      'a.wasm': 'application/wasm',
      'b.js': 'text/javascript; charset=utf-8',
      'e.mjs': 'text/javascript; charset=utf-8',
      'c.css': 'text/css; charset=utf-8',
      'd.json': 'application/json; charset=utf-8',
      'sub/': 'text/html; charset=utf-8',
      'f.d.ts': 'text/plain; charset=utf-8',
      'g.unknown': 'application/octet-stream',
    };
    for (const [file, type] of Object.entries(types)) {
      const res = await fetch(site.url + file);
      assert.equal(res.status, 200, file);
      assert.equal(res.headers.get('content-type'), type, file);
      assert.equal(res.headers.get('cache-control'), 'no-store');
    }
  });

  test('never serves outside its folders', async () => {
    for (const attempt of ['../secret.txt', '%2e%2e/secret.txt', '..%2fsecret.txt', '%2e%2e%2fsecret.txt', 'sub/../../secret.txt']) {
      const res = await rawGet(site.port, `/${attempt}`);
      assert.ok(!res.body.includes('outside the mount'), attempt);
      assert.ok([400, 404].includes(res.status), `${attempt}: ${res.status}`);
    }
  });

  test('redirects a folder to its slash, answers HEAD, refuses POST', async () => {
    const res = await fetch(`${site.url}sub`, { redirect: 'manual' });
    assert.equal(res.status, 301);
    assert.equal(res.headers.get('location'), '/sub/');
    const head = await fetch(`${site.url}b.js`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), '1');
    assert.equal((await fetch(`${site.url}b.js`, { method: 'POST' })).status, 405);
  });
});

/** A GET with the path sent exactly as given (fetch would normalise the dots away). */
function rawGet(port, rawPath) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(`GET ${rawPath} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    });
    let data = '';
    socket.on('data', (d) => (data += d));
    socket.on('end', () => resolve({ status: Number(data.split(' ')[1]), body: data }));
    socket.on('error', reject);
  });
}

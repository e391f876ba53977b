// The single-file builds of the real library (dist/scratch-mqtt.bundle.js, and the classic-script
// dist/scratch-mqtt.global.js) in Chromium: one request loads everything, and a client made from
// it talks to a real broker.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, LIBRARY, launchBrowser, libraryBuilt, startSite } from '../../harness/browser.mjs';
import { startAedes } from '../../harness/brokers.mjs';

if (!libraryBuilt()) {
  test('the single-file builds in Chromium', () => {
    assert.fail(`${path.relative(ROOT, LIBRARY)} is missing: run \`npm run build\` first`);
  });
} else {
  describe('the single-file builds in Chromium', () => {
    let broker;
    let site;
    let browser;
    let blank;
    before(async () => {
      broker = await startAedes();
      // A page that loads nothing by itself, so every request seen comes from the code under test.
      blank = fs.mkdtempSync(path.join(os.tmpdir(), 'smq-blank-'));
      fs.writeFileSync(path.join(blank, 'index.html'), '<!doctype html><meta charset="utf-8"><title>blank</title>');
      site = await startSite({ extraMounts: { '/blank/': blank } });
      browser = await launchBrowser();
    });
    after(async () => {
      await browser?.close();
      await site?.close();
      await broker?.stop();
      if (blank) fs.rmSync(blank, { recursive: true, force: true });
    });

    // Connects, subscribes, publishes to itself and returns what came back.
    const roundTrip = (prelude, lib, url) => `
      ${prelude}
      const lib = ${lib};
      if (lib.load) await lib.load();
      const client = await lib.connectAsync(${JSON.stringify(url)}, { protocolVersion: 4 });
      const got = new Promise((resolve) => client.on('message', (topic, payload) => resolve([topic, payload.text ? payload.text() : String(payload)])));
      await client.subscribe('bundle/#', { qos: 1 });
      await client.publish('bundle/echo', '一个文件', { qos: 1 });
      const result = await got;
      await client.end();
      return result;`;

    async function run(body) {
      const page = await browser.newPage();
      const requests = [];
      page.on('request', (r) => requests.push(new URL(r.url()).pathname));
      try {
        await page.goto(`${site.url}blank/`);
        const result = await page.evaluate(`(async () => { ${body} })()`);
        return { result, requests: requests.filter((p) => p.startsWith('/dist/')), errors: page.errors };
      } finally {
        await page.close();
      }
    }

    test('the ES module bundle needs one request and works', async () => {
      const { result, requests, errors } = await run(roundTrip('', `await import('/dist/scratch-mqtt.bundle.js')`, broker.wsUrl));
      assert.deepEqual(result, ['bundle/echo', '一个文件']);
      assert.deepEqual(requests, ['/dist/scratch-mqtt.bundle.js'], 'the bundle fetched more than itself');
      assert.deepEqual(errors, []);
    });

    test('connect() before load() loads the library itself, and operations made meanwhile wait', async () => {
      for (const lib of [`await import('/dist/scratch-mqtt.bundle.js')`, `await import('/dist/scratch-mqtt.js')`]) {
        const { result, errors } = await run(`
          const lib = ${lib};
          const client = lib.connect(${JSON.stringify(broker.wsUrl)}, { protocolVersion: 4 });
          const got = new Promise((resolve) => client.on('message', (topic, payload) => resolve([topic, payload.text()])));
          // Neither awaited: both wait for the library and the connection, in order.
          client.subscribe('early/#', { qos: 1 });
          client.publish('early/echo', 'before load', { qos: 1 });
          const result = await got;
          await client.end();
          return result;`);
        assert.deepEqual(result, ['early/echo', 'before load'], lib);
        assert.deepEqual(errors, [], lib);
      }
    });

    test('a bad URL given before the library loaded is an error event, not a throw', async () => {
      const { result } = await run(`
        const lib = await import('/dist/scratch-mqtt.bundle.js');
        const client = lib.connect('ws//guest:s3cr3t-Pw@127.0.0.1:1884');
        const events = [];
        await new Promise((resolve) => {
          client.on('error', (e) => events.push(['error', e.code, e.message]));
          client.on('close', () => events.push(['close']));
          client.on('end', () => { events.push(['end']); resolve(); });
        });
        const published = await client.publish('a', 'b').then(() => 'resolved', (e) => e.code);
        return { events, published };`);
      assert.equal(result.events[0][1], 'ERR_BAD_URL');
      assert.ok(!result.events[0][2].includes('s3cr3t'), result.events[0][2]);
      assert.deepEqual(result.events.slice(1), [['close'], ['end']]);
      assert.equal(result.published, 'ERR_CLOSED');
    });

    test('MQTT.js callback style: each callback called once with (error, result), the client returned, no unhandled rejection', async () => {
      const { result, errors } = await run(`
        const lib = await import('/dist/scratch-mqtt.bundle.js');
        const rejections = [];
        addEventListener('unhandledrejection', (e) => rejections.push(String(e.reason)));
        const client = await lib.connectAsync(${JSON.stringify(broker.wsUrl)}, { protocolVersion: 4 });
        const calls = [];
        const cb = (name) => (error, value) => calls.push([name, error ? error.code : null, value ?? null]);
        const returned = [
          client.subscribe('cb/one', { qos: 1 }, cb('subscribe+options')),
          client.subscribe({ 'cb/two': { qos: 1 }, 'cb/three': { qos: 0 } }, cb('subscribe object')),
          client.publish('cb/one', 'a', cb('publish')),
          client.publish('cb/one', 'b', { qos: 1 }, cb('publish+options')),
          client.publish('cb/#', 'bad', cb('publish bad topic')),
          client.unsubscribe('cb/three', cb('unsubscribe')),
        ].map((r) => r === client);
        const granted = await client.subscribeAsync('cb/four', { qos: 2 });
        await client.publishAsync('cb/four', 'c', { qos: 2 });
        await new Promise((resolve) => setTimeout(resolve, 300));
        const ended = await new Promise((resolve) => client.end(false, () => resolve('ended')));
        await new Promise((resolve) => setTimeout(resolve, 50));
        return { returned, calls, granted, ended, rejections };`);
      assert.deepEqual(result.returned, [true, true, true, true, true, true]);
      const byName = Object.fromEntries(result.calls.map(([name, ...rest]) => [name, rest]));
      assert.equal(result.calls.length, 6, 'each callback exactly once');
      assert.deepEqual(byName['subscribe+options'], [null, [{ topic: 'cb/one', qos: 1 }]]);
      assert.deepEqual(byName['subscribe object'], [null, [{ topic: 'cb/two', qos: 1 }, { topic: 'cb/three', qos: 0 }]]);
      assert.deepEqual(byName.publish, [null, null]);
      assert.deepEqual(byName['publish+options'], [null, null]);
      assert.equal(byName['publish bad topic'][0], 'ERR_TOPIC_INVALID');
      assert.deepEqual(byName.unsubscribe, [null, null]);
      assert.deepEqual(result.granted, [{ topic: 'cb/four', qos: 2 }]);
      assert.equal(result.ended, 'ended');
      assert.deepEqual(result.rejections, []);
      assert.deepEqual(errors, []);
    });

    test('MQTT.js shapes: connect({ protocol, host, port, path }), the CONNACK packet, payload.toString(encoding)', async () => {
      const { port } = new URL(broker.wsUrl);
      const { result, errors } = await run(`
        const lib = await import('/dist/scratch-mqtt.bundle.js');
        await lib.load();
        const client = lib.connect({ protocol: 'ws', host: '127.0.0.1', port: ${port}, path: '/', protocolVersion: 4 });
        const connack = await new Promise((resolve) => client.once('connect', resolve));
        const got = new Promise((resolve) => client.on('message', (topic, payload) => resolve([payload.toString(), payload.toString('hex'), payload.toString('base64'), (() => { try { payload.toString('latin1'); return 'no error'; } catch (e) { return e.name; } })()])));
        await client.subscribeAsync('shape/t', { qos: 1 });
        await client.publishAsync('shape/t', 'Hi 猫', { qos: 1 });
        const encodings = await got;
        await client.endAsync();
        let tcp;
        try {
          lib.connect({ protocol: 'mqtts', host: 'broker.example', port: 8883 });
        } catch (error) {
          tcp = error.code;
        }
        const emitter = lib.connect('ws://127.0.0.1:9/', { reconnect: false });
        const f = () => {};
        emitter.addListener('message', f).on('message', () => {}).once('error', () => {});
        const counts = [emitter.listenerCount('message'), emitter.listenerCount('error')];
        emitter.removeListener('message', f);
        counts.push(emitter.listenerCount('message'));
        emitter.removeAllListeners();
        counts.push(emitter.listenerCount('message') + emitter.listenerCount('error'));
        let unknown;
        try {
          emitter.on('packetsent', f);
        } catch (error) {
          unknown = error.name;
        }
        await emitter.endAsync();
        return { connack: { cmd: connack.cmd, returnCode: connack.returnCode, sessionPresent: connack.sessionPresent }, encodings, tcp, counts, unknown };`);
      assert.deepEqual(result.counts, [2, 1, 1, 0], 'addListener / removeListener / removeAllListeners / listenerCount');
      assert.equal(result.unknown, 'TypeError', 'an event we never emit is refused, not silently ignored');
      assert.deepEqual(result.connack, { cmd: 'connack', returnCode: 0, sessionPresent: false });
      assert.deepEqual(result.encodings, ['Hi 猫', '486920e78cab', Buffer.from('Hi 猫').toString('base64'), 'RangeError']);
      assert.equal(result.tcp, 'ERR_BAD_URL', 'mqtts:// over TCP cannot work in a browser: a clear error');
      assert.deepEqual(errors, []);
    });

    test('an MQTT 5 server DISCONNECT is a disconnect event with the packet, then error and close', async () => {
      const { startScriptedBroker, CONNACK_5 } = await import('../../harness/fake-brokers.mjs');
      // Server DISCONNECT 0x8B "server shutting down" with reason string "maintenance".
      const reason = Buffer.from('maintenance');
      const disconnect = Buffer.concat([Buffer.from([0xe0, 2 + 3 + reason.length, 0x8b, 3 + reason.length, 0x1f, 0x00, reason.length]), reason]);
      const fake = await startScriptedBroker((ws, index) => {
        ws.send(CONNACK_5);
        if (index === 0) setTimeout(() => ws.send(disconnect), 50);
      });
      try {
        const { result } = await run(`
          const lib = await import('/dist/scratch-mqtt.bundle.js');
          await lib.load();
          const client = lib.connect(${JSON.stringify(fake.url)}, { protocolVersion: 5, reconnect: false });
          const events = [];
          for (const name of ['disconnect', 'error', 'close']) client.on(name, (arg) => events.push([name, arg?.cmd ?? arg?.code ?? null, arg?.reasonCode ?? null, arg?.properties?.reasonString ?? null]));
          await new Promise((resolve) => client.once('close', resolve));
          await client.endAsync();
          return events;`);
        assert.deepEqual(result.slice(0, 3), [
          ['disconnect', 'disconnect', 0x8b, 'maintenance'],
          ['error', 'ERR_SERVER_SHUTTING_DOWN', null, null],
          ['close', null, null, null],
        ]);
      } finally {
        await fake.stop();
      }
    });

    test('packetsend and packetreceive: each packet as MQTT.js shapes it, only while listened to', async () => {
      const { result, errors } = await run(`
        const lib = await import('/dist/scratch-mqtt.bundle.js');
        await lib.load();
        const client = lib.connect(${JSON.stringify(broker.wsUrl)}, { clientId: 'tap-1', username: 'u', password: 'secret', protocolVersion: 4 });
        const sent = [];
        const received = [];
        const onSent = (p) => sent.push(p);
        const onReceived = (p) => received.push(p);
        client.on('packetsend', onSent).on('packetreceive', onReceived);
        await new Promise((resolve) => client.once('connect', resolve));
        const got = new Promise((resolve) => client.once('message', resolve));
        await client.subscribeAsync('tap/t', { qos: 1 });
        await client.publishAsync('tap/t', 'hi', { qos: 1 });
        await got;
        await new Promise((r) => setTimeout(r, 100)); // our PUBACK for the message
        client.off('packetsend', onSent).off('packetreceive', onReceived);
        const counts = [sent.length, received.length];
        await client.publishAsync('tap/t', 'unheard', { qos: 1 });
        await new Promise((r) => setTimeout(r, 100));
        await client.endAsync();
        const plain = (p) => ({ ...p, payload: p.payload ? new TextDecoder().decode(p.payload) : undefined });
        return { sent: sent.map(plain), received: received.map(plain), counts, after: [sent.length, received.length] };`);
      const by = (list, cmd) => list.filter((p) => p.cmd === cmd);
      const [connect] = by(result.sent, 'connect');
      assert.deepEqual(connect, { cmd: 'connect', length: connect.length, protocolVersion: 4, clientId: 'tap-1', clean: true, keepalive: 60, username: 'u', payload: undefined });
      assert.ok(!JSON.stringify(result.sent).includes('secret'), 'never the password');
      assert.equal(result.sent[0].cmd, 'connect');
      const [subscribe] = by(result.sent, 'subscribe');
      assert.deepEqual(subscribe.subscriptions, [{ topic: 'tap/t', qos: 1 }]);
      const [publish] = by(result.sent, 'publish');
      assert.deepEqual({ ...publish, messageId: 0 }, { cmd: 'publish', length: 2 + 5 + 2 + 2, topic: 'tap/t', payload: 'hi', qos: 1, retain: false, dup: false, messageId: 0 });
      assert.deepEqual(by(result.sent, 'puback').length, 1, 'our PUBACK for the message');
      assert.equal(result.received[0].cmd, 'connack');
      assert.equal(result.received[0].returnCode, 0);
      assert.deepEqual(by(result.received, 'suback')[0].granted, [1]);
      assert.equal(by(result.received, 'suback')[0].messageId, subscribe.messageId);
      assert.equal(by(result.received, 'puback')[0].messageId, publish.messageId);
      assert.deepEqual(by(result.received, 'publish').map((p) => [p.topic, p.payload, p.qos]), [['tap/t', 'hi', 1]]);
      assert.deepEqual(result.after, result.counts, 'no more packets reported once the listeners are gone');
      assert.deepEqual(errors, []);
    });

    test('reconnecting, disconnecting and options, as MQTT.js code reads them', async () => {
      const { startScriptedBroker, CONNACK_311 } = await import('../../harness/fake-brokers.mjs');
      // The first connection is cut after its CONNACK; the second one stays.
      const fake = await startScriptedBroker((ws, index) => {
        ws.send(CONNACK_311);
        if (index === 0) setTimeout(() => ws.terminate(), 50);
      });
      try {
        const { result, errors } = await run(`
          const lib = await import('/dist/scratch-mqtt.bundle.js');
          await lib.load();
          const client = lib.connect(${JSON.stringify(fake.url)}, { clientId: 'typed-1', username: 'guest', password: 'secret', keepalive: 30, reconnectPeriod: 100 });
          const seen = { atStart: [client.reconnecting, client.disconnecting] };
          await new Promise((resolve) => client.once('connect', resolve));
          seen.connected = client.reconnecting;
          await new Promise((resolve) => client.once('offline', resolve));
          seen.offline = client.reconnecting;
          await new Promise((resolve) => client.once('connect', resolve));
          seen.reconnected = client.reconnecting;
          seen.options = client.options;
          const ending = client.endAsync();
          seen.ending = client.disconnecting;
          await ending;
          seen.ended = [client.disconnecting, client.reconnecting, client.options.clientId];
          return seen;`);
        assert.deepEqual(result.atStart, [false, false]);
        assert.equal(result.connected, false);
        assert.equal(result.offline, true, 'a lost connection that will be retried is reconnecting');
        assert.equal(result.reconnected, false);
        assert.deepEqual(result.options, {
          href: fake.url,
          protocolVersion: 4,
          clientId: 'typed-1',
          clean: true,
          keepalive: 30,
          username: 'guest',
          connectTimeout: 30000,
          reconnectPeriod: 100,
          maxInflight: 20,
          offlineQueueSize: 256,
        });
        assert.equal(result.ending, true);
        assert.deepEqual(result.ended, [false, false, 'typed-1']);
        assert.deepEqual(errors, []);
      } finally {
        await fake.stop();
      }
    });

    test('the classic script defines ScratchMQTT and works', async () => {
      const load = `await new Promise((ok, fail) => { const s = document.createElement('script');
        s.src = '/dist/scratch-mqtt.global.js'; s.onload = ok; s.onerror = fail; document.head.append(s); });`;
      const { result, requests } = await run(roundTrip(load, 'globalThis.ScratchMQTT', broker.wsUrl));
      assert.deepEqual(result, ['bundle/echo', '一个文件']);
      assert.deepEqual(requests, ['/dist/scratch-mqtt.global.js']);
    });
  });
}

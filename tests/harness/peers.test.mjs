// The peer helpers exchange messages with each other through both real brokers, so the
// browser tests can trust them as witnesses: whatever they report, they really sent or received.

import { test, describe, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { startMosquitto, startAedes, TEST_USERS } from '../../harness/brokers.mjs';
import { mosquittoPub, mosquittoSub, pahoPub, pahoSub, mqttjsPeer } from '../../harness/peers.mjs';

// Every byte value that trips text handling: NUL, invalid UTF-8, CR/LF, tab, and multi-byte UTF-8.
const BINARY = Buffer.from([0x00, 0x01, 0xff, 0xfe, 0x80, 0x0d, 0x0a, 0x09, ...Buffer.from('末尾')]);
const CHINESE = '你好，世界！MQTT 🐱';

for (const [name, start, options] of [
  ['mosquitto (anonymous)', startMosquitto, {}],
  ['aedes (password file)', startAedes, { users: TEST_USERS }],
]) {
  describe(`peers through ${name}`, () => {
    let broker;
    before(async () => {
      broker = await start(options);
    });
    after(() => broker?.stop());

    test('mosquitto_pub → Paho (TCP) and MQTT.js (WebSocket)', async () => {
      const paho = pahoSub(broker, { topics: ['peers/a/#'], count: 2, qos: 1 });
      const js = await mqttjsPeer(broker);
      try {
        await js.subscribe('peers/a/+', { qos: 1 });
        await paho.ready;
        await mosquittoPub(broker, { topic: 'peers/a/bin', payload: BINARY, qos: 1 });
        await mosquittoPub(broker, { topic: 'peers/a/zh', payload: CHINESE });
        const got = await paho.messages;
        assert.deepEqual(got.map((m) => m.topic), ['peers/a/bin', 'peers/a/zh']);
        assert.deepEqual(got[0].payload, BINARY);
        assert.equal(got[0].qos, 1);
        assert.equal(got[1].payload.toString('utf8'), CHINESE);
        const seen = await js.collect(2);
        assert.deepEqual(seen[0].payload, BINARY);
        assert.equal(seen[1].payload.toString(), CHINESE);
      } finally {
        paho.kill();
        await js.end();
      }
    });

    test('Paho (WebSocket) and MQTT.js (TCP) → mosquitto_sub, retained flag kept', async () => {
      const sub = mosquittoSub(broker, { topics: ['peers/b/#'], count: 2, qos: 1 });
      await sub.ready;
      await pahoPub(broker, { topic: 'peers/b/paho', payload: BINARY, qos: 1, transport: 'ws' });
      const js = await mqttjsPeer(broker, { transport: 'tcp' });
      await js.publish('peers/b/js', CHINESE, { qos: 1 });
      await js.end();
      const got = await sub.messages;
      assert.deepEqual(got.map((m) => m.topic), ['peers/b/paho', 'peers/b/js']);
      assert.deepEqual(got[0].payload, BINARY);
      assert.equal(got[1].payload.toString(), CHINESE);

      await mosquittoPub(broker, { topic: 'peers/b/kept', payload: 'r', retain: true, qos: 1 });
      const late = mosquittoSub(broker, { topics: ['peers/b/kept'], count: 1 });
      const [kept] = await late.messages;
      assert.equal(kept.retain, true);
      assert.equal(kept.payload.toString(), 'r');
      await mosquittoPub(broker, { topic: 'peers/b/kept', payload: '', retain: true }); // clears it
    });

    // aedes speaks MQTT 3.1 / 3.1.1 only.
    if (name.startsWith('mosquitto')) test('MQTT 5 peers', async () => {
      const sub = pahoSub(broker, { topics: ['peers/v5'], protocolVersion: 5, transport: 'ws' });
      await sub.ready;
      await mosquittoPub(broker, { topic: 'peers/v5', payload: CHINESE, protocolVersion: 5 });
      const [m] = await sub.messages;
      assert.equal(m.payload.toString(), CHINESE);
    });
  });
}

describe('peer failures are loud', () => {
  test('a refused login fails with the peer output', async () => {
    const broker = await startMosquitto({ users: TEST_USERS });
    try {
      await assert.rejects(mosquittoPub(broker, { topic: 't', payload: 'x', password: 'wrong' }), /mosquitto_pub exited/);
      await assert.rejects(pahoPub(broker, { topic: 't', payload: 'x', password: 'wrong' }), /refused|Not authorized/i);
    } finally {
      await broker.stop();
    }
  });

  test('a subscriber that gets too few messages times out instead of hanging', async () => {
    const broker = await startAedes();
    try {
      const sub = mosquittoSub(broker, { topics: ['nothing/here'], count: 1, timeoutMs: 1500 });
      await sub.ready;
      await assert.rejects(sub.messages, /timed out/);
    } finally {
      await broker.stop();
    }
  });

  test('a Python without paho-mqtt is reported with the pip command', () => {
    const script = `import('./harness/peers.mjs').then((p) => { try { p.pythonWithPaho(); } catch (e) { console.log(e.message); } })`;
    const out = spawnSync(process.execPath, ['-e', script], { env: { ...process.env, PYTHON: 'false' }, encoding: 'utf8' });
    assert.match(out.stdout, /pip install paho-mqtt/);
  });
});

// The broker helpers against a peer nobody here wrote (MQTT.js): both listeners carry MQTT,
// credentials are enforced, restart keeps the ports, and nothing outlives the test process.

import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { startMosquitto, startAedes, TEST_USERS } from '../../harness/brokers.mjs';

const peerOptions = { reconnectPeriod: 0, connectTimeout: 5000 };

async function withClient(url, options, fn) {
  const client = await mqtt.connectAsync(url, { ...peerOptions, ...options });
  try {
    return await fn(client);
  } finally {
    await client.endAsync(true);
  }
}

function nextMessage(client, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no message within ' + timeoutMs + ' ms')), timeoutMs);
    client.once('message', (topic, payload, packet) => {
      clearTimeout(timer);
      resolve({ topic, payload, packet });
    });
  });
}

/** Connect errors as MQTT.js reports them: v3 `code` is the CONNACK return code, v5 the reason code. */
async function refusal(url, options) {
  const err = await mqtt.connectAsync(url, { ...peerOptions, ...options }).then(
    (c) => {
      c.end(true);
      return null;
    },
    (e) => e,
  );
  assert.ok(err, 'the broker accepted a connection it should refuse');
  return err.code;
}

/** Listening sockets on `port`, from /proc/net/tcp (hex address:port, state 0A = LISTEN). */
function listeners(port) {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const rows = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!fs.existsSync(file)) continue;
    for (const line of fs.readFileSync(file, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length > 3 && cols[3] === '0A' && cols[1].endsWith(':' + hexPort)) rows.push(cols[1].split(':')[0]);
    }
  }
  return rows;
}

const payload = Buffer.from([0x00, 0xff, 0x80, 0x0a, ...Buffer.from('你好 MQTT')]);

for (const [name, start] of [
  ['mosquitto', startMosquitto],
  ['aedes', startAedes],
]) {
  describe(`${name}, anonymous`, () => {
    let broker;
    after(() => broker?.stop());

    test('starts on loopback with a TCP and a WebSocket listener', async () => {
      broker = await start();
      assert.match(broker.wsUrl, /^ws:\/\/127\.0\.0\.1:\d+\/$/);
      assert.match(broker.tcpUrl, /^mqtt:\/\/127\.0\.0\.1:\d+$/);
      if (fs.existsSync('/proc/net/tcp')) {
        assert.deepEqual(listeners(broker.tcpPort), ['0100007F'], 'TCP listener must bind 127.0.0.1 only');
        assert.deepEqual(listeners(broker.wsPort), ['0100007F'], 'WebSocket listener must bind 127.0.0.1 only');
      }
    });

    test('carries binary and Chinese payloads from TCP to WebSocket and back', async () => {
      await withClient(broker.wsUrl, { clientId: 'ws-peer' }, async (ws) => {
        await withClient(broker.tcpUrl, { clientId: 'tcp-peer' }, async (tcp) => {
          await ws.subscribeAsync('helpers/+/in', { qos: 1 });
          await tcp.subscribeAsync('helpers/back', { qos: 0 });
          const atWs = nextMessage(ws);
          await tcp.publishAsync('helpers/x/in', payload, { qos: 1 });
          const got = await atWs;
          assert.equal(got.topic, 'helpers/x/in');
          assert.deepEqual(got.payload, payload);
          assert.equal(got.packet.qos, 1);

          const atTcp = nextMessage(tcp);
          await ws.publishAsync('helpers/back', '中文 ✓');
          assert.equal((await atTcp).payload.toString('utf8'), '中文 ✓');
        });
      });
    });

    test('restart keeps the ports and accepts clients again', async () => {
      const { tcpPort, wsPort } = broker;
      await broker.restart();
      assert.equal(broker.tcpPort, tcpPort);
      assert.equal(broker.wsPort, wsPort);
      await withClient(broker.wsUrl, {}, async (c) => assert.ok(c.connected));
    });
  });

  describe(`${name}, with a password file`, () => {
    let broker;
    after(() => broker?.stop());

    test('accepts the listed users over both listeners', async () => {
      broker = await start({ users: TEST_USERS });
      for (const [username, password] of Object.entries(TEST_USERS)) {
        await withClient(broker.wsUrl, { username, password }, async (c) => assert.ok(c.connected));
        await withClient(broker.tcpUrl, { username, password }, async (c) => assert.ok(c.connected));
      }
    });

    test('refuses a wrong password and a missing login with "not authorized"', async () => {
      assert.equal(await refusal(broker.wsUrl, { username: 'guest', password: 'wrong' }), 5);
      assert.equal(await refusal(broker.tcpUrl, { username: 'nobody', password: 'x' }), 5);
      assert.equal(await refusal(broker.wsUrl, {}), 5);
      if (name === 'mosquitto') {
        // MQTT 5: mosquitto 2.0 answers 0x87 "not authorized" (not 0x86) for a wrong password too.
        assert.equal(await refusal(broker.wsUrl, { protocolVersion: 5, username: 'guest', password: 'no' }), 0x87);
        assert.equal(await refusal(broker.wsUrl, { protocolVersion: 5 }), 0x87);
      }
    });
  });
}

describe('mosquitto specifics', () => {
  test('keeps retained messages across a restart, and its folder is removed by stop()', async () => {
    const broker = await startMosquitto();
    try {
      await withClient(broker.tcpUrl, {}, (c) => c.publishAsync('helpers/retained', 'kept', { qos: 1, retain: true }));
      await broker.restart();
      await withClient(broker.wsUrl, {}, async (c) => {
        const got = nextMessage(c);
        await c.subscribeAsync('helpers/retained');
        const { payload, packet } = await got;
        assert.equal(payload.toString(), 'kept');
        assert.equal(packet.retain, true);
      });
    } finally {
      await broker.stop();
    }
    assert.equal(fs.existsSync(broker.dir), false);
    assert.deepEqual(listeners(broker.tcpPort), []);
  });

  test('a crash-restart (SIGKILL) comes back on the same ports', async () => {
    const broker = await startMosquitto();
    try {
      const pid = broker.pid;
      await broker.restart({ signal: 'SIGKILL' });
      assert.notEqual(broker.pid, pid);
      await withClient(broker.wsUrl, {}, async (c) => assert.ok(c.connected));
    } finally {
      await broker.stop();
    }
  });

  test('reports a bad configuration with the broker log', async () => {
    await assert.rejects(startMosquitto({ extraConfig: 'no_such_option 1' }), /no_such_option|Error/);
  });
});

describe('clean-up when the test process dies', () => {
  const script = fileURLToPath(new URL('./fixtures/orphan-check.mjs', import.meta.url));

  for (const how of ['exit', 'throw', 'SIGINT', 'SIGTERM']) {
    test(`mosquitto is stopped on ${how}`, async () => {
      const child = spawn(process.execPath, [script, how], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        if (how.startsWith('SIG') && out.includes('\n')) child.kill(how);
      });
      await once(child, 'exit');
      const info = JSON.parse(out.split('\n')[0]);
      await waitGone(info.pid);
      assert.equal(alive(info.pid), false, `mosquitto ${info.pid} outlived its test process (${how})`);
      assert.equal(fs.existsSync(info.dir), false, 'temp folder left behind');
    });
  }
});

function alive(pid) {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A killed orphan may linger as a zombie until init reaps it: it holds no port, so it is dead.
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

async function waitGone(pid, ms = 3000) {
  const end = Date.now() + ms;
  while (alive(pid) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
}

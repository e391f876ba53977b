// `scratch-mqtt check` against brokers that do not work from a page, each with its own sentence:
// a WebSocket server on another path (HTTP 404 → try /mqtt), one that refuses the `mqtt`
// subprotocol, mosquitto's TLS WebSocket listener with a self-signed certificate (and its plain
// WebSocket and MQTT ports named wrongly), and a port with nothing listening. The first two are
// fakes (no real broker does that on demand); the TLS listener is real mosquitto.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startMosquitto } from '../../harness/brokers.mjs';
import { selfSignedCertificate } from '../../harness/certificates.mjs';
import { startNoSubprotocolServer, startPathOnlyServer, startSilentBroker } from '../../harness/fake-brokers.mjs';
import { freePorts, waitForPort } from '../../harness/net.mjs';
import { libraryBuilt } from '../../harness/browser.mjs';
import { failedLines, runCheck } from './support.mjs';

const skip = libraryBuilt() ? false : 'the library is not built (npm run build)';
const NODE_SOURCE = '      (found by a check from Node, outside the browser)\n';

/** Every row after the WebSocket ones is "not run" when the WebSocket does not open. */
function assertNothingElseRan(rows) {
  for (const id of ['mqtt31', 'mqtt311', 'mqtt5', 'credentials', 'qos0', 'retained', 'will', 'latency', 'reconnect']) {
    assert.equal(rows[id].status, 'skip', id);
    assert.equal(rows[id].text, 'needs a WebSocket that opens', id);
  }
}

describe('scratch-mqtt check against brokers that do not work from a page', { skip }, () => {
  test('a WebSocket server on /mqtt, checked on /: HTTP 404, try …/mqtt', async () => {
    const server = await startPathOnlyServer({ path: '/mqtt' });
    try {
      const run = await runCheck([server.url('/')]);
      assert.equal(run.code, 1);
      assert.equal(run.rows.websocket.status, 'fail');
      assert.equal(run.rows.websocket.source, 'node');
      assert.equal(
        run.rows.websocket.text,
        `the broker answered HTTP 404 on /: CodeLab-style brokers listen on /mqtt — try ws://127.0.0.1:${server.port}/mqtt`,
      );
      assert.ok(run.stdout.includes(`  ✘ WebSocket opens\n      ${run.rows.websocket.text}\n${NODE_SOURCE}`), run.stdout);
      assert.equal(run.rows.subprotocol.status, 'skip');
      assertNothingElseRan(run.rows);
    } finally {
      await server.stop();
    }
  });

  test('a WebSocket server that does not answer the mqtt subprotocol', async () => {
    const server = await startNoSubprotocolServer();
    try {
      const run = await runCheck([server.url('/mqtt')]);
      assert.equal(run.code, 1);
      assert.equal(run.rows.websocket.status, 'pass');
      assert.equal(run.rows.subprotocol.status, 'fail');
      assert.equal(run.rows.subprotocol.source, 'browser');
      assert.ok(run.stdout.includes(failedLines('en', 'subprotocol', 'fail.subprotocol')), run.stdout);
      assert.match(run.rows.subprotocol.text, /does not answer the "mqtt" subprotocol, so browsers close the connection/);
      assertNothingElseRan(run.rows);
    } finally {
      await server.stop();
    }
  });

  test("mosquitto's wss:// listener with a self-signed certificate: the TLS row names it; its other ports named wrongly", async () => {
    const certificate = selfSignedCertificate({ commonName: '127.0.0.1' });
    const [tlsPort] = await freePorts(1);
    // A third listener beside the two brokers.mjs opens: WebSockets over TLS, mosquitto's own.
    const broker = await startMosquitto({
      extraConfig: [
        `listener ${tlsPort} 127.0.0.1`,
        'protocol websockets',
        'socket_domain ipv4',
        `certfile ${certificate.certFile}`,
        `keyfile ${certificate.keyFile}`,
      ].join('\n'),
    });
    try {
      await waitForPort(tlsPort);
      const run = await runCheck([`wss://127.0.0.1:${tlsPort}/mqtt`], { env: { LANG: 'zh_CN.UTF-8' } });
      assert.equal(run.code, 1);
      assert.equal(run.rows.tls.status, 'fail');
      assert.equal(run.rows.tls.source, 'node');
      assert.equal(run.rows.tls.key, 'fail.tls.selfSigned');
      assert.ok(run.stdout.includes(failedLines('zh-cn', 'tls', 'fail.tls.selfSigned', { host: '127.0.0.1' })), run.stdout);
      assert.match(run.rows.tls.text, /^127\.0\.0\.1 的证书是自签名的，浏览器会直接拒绝/);
      assert.equal(run.rows.websocket.status, 'fail');
      assert.equal(run.rows.websocket.text, '浏览器拒绝了 TLS 连接：请看“TLS 证书”一行');
      // In English too, from the same kind of run.
      const english = await runCheck([`wss://127.0.0.1:${tlsPort}/mqtt`, '--lang', 'en']);
      assert.equal(
        english.rows.tls.text,
        "the certificate of 127.0.0.1 is self-signed, and browsers refuse it without asking: use a certificate from a public CA (e.g. Let's Encrypt) for 127.0.0.1",
      );

      // The same mosquitto's other listeners, named wrongly: wss:// on its plain WebSocket port,
      // and ws:// on its MQTT (TCP) port.
      const plain = await runCheck([`wss://127.0.0.1:${broker.wsPort}/mqtt`]);
      assert.equal(plain.rows.tls.text, `127.0.0.1:${broker.wsPort} does not speak TLS: use ws:// for this port, or the broker's wss:// port`);
      const tcp = await runCheck([`ws://127.0.0.1:${broker.tcpPort}/`]);
      assert.equal(tcp.rows.websocket.status, 'fail');
      assert.equal(
        tcp.rows.websocket.text,
        `the connection was closed before any HTTP answer: is ${broker.tcpPort} a WebSocket port, or a plain MQTT (TCP) port such as 1883?`,
      );
    } finally {
      await broker.stop();
      certificate.remove();
    }
  });

  test('a port with nothing listening', async () => {
    const [port] = await freePorts(1);
    const run = await runCheck([`ws://127.0.0.1:${port}/mqtt`]);
    assert.equal(run.code, 1);
    assert.equal(run.rows.websocket.status, 'fail');
    assert.equal(run.rows.websocket.source, 'node');
    assert.equal(
      run.rows.websocket.text,
      `nothing is listening on 127.0.0.1:${port}: is the broker running, and is ${port} its WebSocket port? (CodeLab-style brokers: wss on 8084, ws on 8083)`,
    );
    assert.equal(run.rows.tls.status, 'skip');
    assertNothingElseRan(run.rows);
    assert.match(run.stdout, /^0 passed, 1 failed, 15 not run/m);
  });

  test('a broker that never answers CONNECT, with --timeout 2: exit 3 with one line, the browser stopped', async () => {
    const silent = await startSilentBroker();
    try {
      const run = await runCheck([silent.url, '--timeout', '2']);
      assert.equal(run.code, 3, run.stdout + run.stderr);
      assert.equal(run.stdout, '');
      assert.equal(run.stderr, 'scratch-mqtt check: no result within 2 s (--timeout)\n');
      assert.equal(run.json, null, 'no report is written for a run that did not finish');
    } finally {
      await silent.stop();
    }
  });
});

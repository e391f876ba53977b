// `scratch-mqtt check` against the real brokers the suite starts: mosquitto with credentials
// (every row ✔; a wrong or missing password → the credentials row ✘ with its sentence) and aedes
// with its default settings (MQTT 5 ✘ with its sentence). Each run is the real command.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import { startAedes, startMosquitto, TEST_USERS } from '../../harness/brokers.mjs';
import { libraryBuilt } from '../../harness/browser.mjs';
import { say } from '../../js/check/sentences.js';
import { allPassBut, failedLines, runCheck, statuses } from './support.mjs';

const skip = libraryBuilt() ? false : 'the library is not built (npm run build)';

describe('scratch-mqtt check against mosquitto with credentials', { skip }, () => {
  let broker;
  let url;
  before(async () => {
    broker = await startMosquitto({ users: TEST_USERS });
    url = `${broker.wsUrl}mqtt`;
  });
  after(() => broker?.stop());

  test('guest/test: every row ✔ (TLS not run on ws://), exit 0, JSON and JUnit reports', async () => {
    const run = await runCheck([url, '--user', 'guest', '--password', 'test'], { junit: true });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.deepEqual(statuses(run.rows), allPassBut({ tls: 'skip' }));
    assert.match(run.stdout, /^ {2}✔ WebSocket opens +opened in \d+ ms \(HTTP 101\)$/m);
    assert.match(run.stdout, /^ {2}– TLS certificate +ws:\/\/ has no TLS/m);
    assert.match(run.stdout, /^ {2}✔ User name and password +user guest accepted$/m);
    assert.match(run.stdout, /^ {2}✔ Round-trip latency +p50 [\d.]+ ms, p99 [\d.]+ ms over 20 messages$/m);
    assert.match(run.stdout, /^15 passed, 0 failed, 1 not run · [\d.]+ s$/m);
    assert.match(run.stdout, /^Everything passed: this broker works from a browser\.$/m);

    const { json } = run;
    assert.equal(json.tool, 'scratch-mqtt check');
    assert.equal(json.url, url);
    assert.equal(json.username, 'guest');
    assert.equal(json.mqttVersion, '5.0');
    assert.equal(json.ok, true);
    assert.deepEqual(json.summary, { passed: 15, failed: 0, skipped: 1 });
    assert.match(json.browser, /^Chromium \d+/);
    assert.match(json.topicBase, /^scratch-mqtt-check\/[0-9a-f]{8}$/);
    for (const row of json.rows) {
      assert.deepEqual(Object.keys(row).slice(0, 6), ['id', 'title', 'status', 'text', 'key', 'source'], row.id);
    }
    assert.equal(run.rows.websocket.source, 'browser');
    assert.equal(run.rows.latency.data.samples.length, 20);
    assert.ok(!JSON.stringify(json).includes('"test"'), 'the password is never written');

    assert.match(run.junit, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="scratch-mqtt check ws:\/\/127\.0\.0\.1:\d+\/mqtt" tests="16" failures="0" errors="0" skipped="1"/);
    assert.equal(run.junit.match(/<testcase /g).length, 16);
    assert.match(run.junit, /<testcase classname="scratch-mqtt\.check\.tls" name="TLS certificate" time="[\d.]+">\n {6}<skipped message=/);

    // Nothing the check published stays retained on the broker: a subscriber to everything under
    // the prefix gets no retained message with its SUBACK.
    const peer = await mqtt.connectAsync(broker.tcpUrl, { username: 'guest', password: 'test', reconnectPeriod: 0 });
    const retained = [];
    peer.on('message', (topic) => retained.push(topic));
    await peer.subscribeAsync('scratch-mqtt-check/#', { qos: 1 });
    await peer.publishAsync('scratch-mqtt-check/marker', 'after', { qos: 1 });
    await peer.endAsync();
    assert.deepEqual(retained, ['scratch-mqtt-check/marker'], 'only the marker published after SUBACK arrives');
  });

  test('a wrong password: the credentials row ✘ with its sentence, the MQTT rows not run, exit 1', async () => {
    const run = await runCheck([url, '--user', 'guest', '--password', 'wrong']);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.equal(run.rows.websocket.status, 'pass');
    assert.equal(run.rows.credentials.status, 'fail');
    for (const id of ['mqtt311', 'qos0', 'reconnect']) {
      assert.equal(run.rows[id].status, 'skip');
      assert.equal(run.rows[id].text, 'not tried: the broker refused the user name or password');
    }
    assert.ok(
      run.stdout.includes(
        failedLines('en', 'credentials', 'fail.credentials.user', { user: 'guest', code: run.rows.credentials.text.match(/\((ERR_\w+)\)/)[1] }),
      ),
      run.stdout,
    );
    assert.match(run.rows.credentials.text, /^the broker refused user guest with this password \(ERR_(NOT_AUTHORIZED|BAD_USER_NAME_OR_PASSWORD)\): check the user name and password \(CodeLab: guest \/ test\)$/);
    assert.match(run.stdout, /^2 passed, 1 failed, 13 not run/m);
  });

  test('no user name, in Chinese from the locale: 服务器需要用户名和密码', async () => {
    const run = await runCheck([url], { env: { LANG: 'zh_CN.UTF-8' } });
    assert.equal(run.code, 1);
    assert.equal(run.json.lang, 'zh-cn');
    assert.equal(run.rows.credentials.status, 'fail');
    assert.match(run.rows.credentials.text, /^服务器需要用户名和密码（ERR_\w+）：请填写（CodeLab：guest \/ test）$/);
    assert.ok(run.stdout.includes(`  ✘ ${say('zh-cn', 'title.credentials')}\n      ${run.rows.credentials.text}\n`));
    assert.match(run.stdout, /^从 Chromium \d+[\d.]* 检查 ws:\/\/127\.0\.0\.1:\d+\/mqtt · 未提供用户名$/m);
    assert.match(run.stdout, /^通过 2 项，失败 1 项，未运行 13 项 · [\d.]+ 秒$/m);
  });
});

describe('scratch-mqtt check against aedes (default settings: MQTT 3.1/3.1.1 only, anyone may connect)', { skip }, () => {
  let broker;
  before(async () => {
    broker = await startAedes();
  });
  after(() => broker?.stop());

  test('MQTT 5.0 ✘ with its sentence, everything else that needs no MQTT 5 ✔, exit 1; --lang zh-cn', async () => {
    const run = await runCheck([broker.wsUrl, '--lang', 'zh-cn']);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.deepEqual(statuses(run.rows), allPassBut({ tls: 'skip', mqtt5: 'fail', properties5: 'skip' }));
    assert.equal(run.json.mqttVersion, '3.1.1');
    assert.equal(run.rows.mqtt5.key, 'fail.connack.version');
    assert.ok(
      run.stdout.includes(failedLines('zh-cn', 'mqtt5', 'fail.connack.version', { version: '5.0', code: 'ERR_UNSUPPORTED_PROTOCOL_VERSION' })),
      run.stdout,
    );
    assert.match(run.stdout, /服务器不支持 MQTT 5\.0（ERR_UNSUPPORTED_PROTOCOL_VERSION）；Scratch 作品需要 3\.1\.1/);
    assert.match(run.stdout, /^ {2}– MQTT 5 属性回传 +需要 MQTT 5\.0$/m);
    assert.match(run.stdout, /^ {2}✔ 用户名和密码 +未提供用户名；服务器允许任何人连接$/m);
  });

  test('--skip mqtt5: what was asked for all passed, exit 0', async () => {
    const run = await runCheck([broker.wsUrl, '--skip', 'mqtt5']);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.deepEqual(statuses(run.rows), allPassBut({ tls: 'skip', mqtt5: 'skip', properties5: 'skip' }));
    assert.equal(run.rows.mqtt5.text, 'skipped as asked');
    assert.match(run.stdout, /^13 passed, 0 failed, 3 not run/m);
  });
});

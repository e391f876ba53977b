// The command line of `scratch-mqtt check`: every mistake gets one line on stderr and exit
// status 2, never a stack trace or a hang; --help prints the options. No browser is started.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { BIN, ROOT } from './support.mjs';

function run(...args) {
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const MISTAKES = [
  [['check'], 'which broker? give its URL, e.g. wss://mqtt.longan.link:8084/mqtt'],
  [['check', 'not a url'], 'not a url is not a URL: write it as ws://host:port/path or wss://host:port/path'],
  [['check', 'mqtt://127.0.0.1:1883'], 'mqtt://127.0.0.1:1883 is not a WebSocket URL (browsers only speak MQTT over WebSocket): write it as ws://host:port/path or wss://host:port/path'],
  [['check', 'http://127.0.0.1/mqtt'], 'http://127.0.0.1/mqtt is not a WebSocket URL: write it as ws://host:port/path or wss://host:port/path'],
  [['check', 'ws://127.0.0.1/mqtt', '--user'], 'option --user <value> argument missing'],
  [['check', 'ws://127.0.0.1/mqtt', '--colour'], 'unknown option --colour'],
  [['check', 'ws://127.0.0.1/mqtt', '--password', 'test'], '--password needs --user too'],
  [['check', 'ws://127.0.0.1/mqtt', '--browser', 'lynx'], '--browser lynx: choose one of chromium, firefox, webkit'],
  [['check', 'ws://127.0.0.1/mqtt', '--lang', 'fr'], '--lang fr: choose one of en, zh-cn'],
  [['check', 'ws://127.0.0.1/mqtt', '--skip', 'qos3'], /^--skip qos3: rows you can skip are tls, mqtt31, mqtt311, mqtt5, credentials, /],
  [['check', 'ws://127.0.0.1/mqtt', '--skip', 'tls,websocket'], /^--skip websocket: rows you can skip are tls, /],
  [['check', 'ws://127.0.0.1/mqtt', '--timeout', 'soon'], '--timeout soon: give a number of seconds'],
  [['check', 'ws://127.0.0.1/mqtt', '--prefix', 'a/#'], '--prefix a/#: a topic prefix cannot hold # or +'],
  [['check', 'ws://127.0.0.1/mqtt', '--json', '/no/such/folder/r.json'], '--json /no/such/folder/r.json: its folder does not exist'],
  [['check', 'ws://a/mqtt', 'ws://b/mqtt'], 'one broker URL at a time (got ws://a/mqtt ws://b/mqtt)'],
];

for (const [args, reason] of MISTAKES) {
  test(`scratch-mqtt ${args.join(' ')} → exit 2, one line`, () => {
    const result = run(...args);
    assert.equal(result.code, 2, result.stderr);
    assert.equal(result.stdout, '');
    const lines = result.stderr.split('\n').filter(Boolean);
    assert.equal(lines.length, 1, result.stderr);
    const [line] = lines;
    assert.ok(line.startsWith('scratch-mqtt check: '), line);
    assert.ok(line.endsWith(' (scratch-mqtt check --help lists the options)'), line);
    const said = line.slice('scratch-mqtt check: '.length, -' (scratch-mqtt check --help lists the options)'.length);
    if (reason instanceof RegExp) assert.match(said, reason);
    else assert.equal(said, reason);
  });
}

test('an unknown command → exit 2 and the usage', () => {
  const result = run('chek', 'ws://127.0.0.1/mqtt');
  assert.equal(result.code, 2);
  assert.match(result.stderr, /^scratch-mqtt: unknown command chek\nUsage: scratch-mqtt check <broker URL>/);
});

test('check --help lists every option and the exit statuses, exit 0', () => {
  const result = run('check', '--help');
  assert.equal(result.code, 0);
  for (const option of ['--user', '--password', '--browser', '--lang', '--json', '--junit', '--prefix', '--skip', '--timeout']) {
    assert.ok(result.stdout.includes(option), option);
  }
  assert.match(result.stdout, /Exit status: 0 all passed, 1 something failed, 2 bad command line, 3 the check could not run\./);
});

test('a browser whose WebDriver server is not on the PATH → exit 3 with one line', () => {
  const result = spawnSync(process.execPath, [BIN, 'check', 'ws://127.0.0.1:9/mqtt', '--browser', 'webkit'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 30000,
    // A PATH without the WebDriver servers (node itself is run by its full path).
    env: { ...process.env, PATH: '/nonexistent' },
  });
  assert.equal(result.status, 3, result.stderr);
  assert.equal(result.stderr, 'scratch-mqtt check: WebKitWebDriver is not on the PATH: apt-get install webkit2gtk-driver xvfb\n');
});

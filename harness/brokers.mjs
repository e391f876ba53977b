// Real brokers for browser, end-to-end and benchmark runs: mosquitto (a child process) and aedes
// (in this process). Both listen only on 127.0.0.1, on free ports, with a TCP and a WebSocket
// listener, and are stopped by `stop()`, by the test runner's exit, or by Ctrl-C (see cleanup.mjs).
//
//   const broker = await startMosquitto({ users: TEST_USERS });
//   after(() => broker.stop());
//   broker.wsUrl   // 'ws://127.0.0.1:41234/'     broker.tcpUrl  // 'mqtt://127.0.0.1:41235'

import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { startAedes as startAedesBroker } from './aedes-broker.mjs';
import { forgetFolder, killOnExit, onCleanup, removeOnExit } from './cleanup.mjs';
import { freePorts, waitForPort } from './net.mjs';

/** Credentials the authenticated variants accept (the CodeLab broker's public pair, and a second user). */
export const TEST_USERS = Object.freeze({ guest: 'test', scratch: 'cat-猫-🐱' });

const MOSQUITTO = process.env.MOSQUITTO_BIN || 'mosquitto';
const MOSQUITTO_PASSWD = process.env.MOSQUITTO_PASSWD_BIN || 'mosquitto_passwd';

/**
 * Starts mosquitto with a TCP and a WebSocket listener on 127.0.0.1.
 *
 * @param {object} [options]
 * @param {Record<string,string>} [options.users]  when given: a password file with these users and
 *        allow_anonymous false; otherwise anonymous clients are allowed.
 * @param {string} [options.extraConfig]  more mosquitto.conf lines (global section, before listeners)
 * @param {boolean} [options.debug]  log_type all
 */
export async function startMosquitto(options = {}) {
  const { users = null, extraConfig = '', debug = false } = options;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smq-mosquitto-'));
  removeOnExit(dir);
  const [tcpPort, wsPort] = await freePorts(2);
  const confPath = path.join(dir, 'mosquitto.conf');
  const logPath = path.join(dir, 'mosquitto.log');
  let stderr = '';
  let child = null;
  let unregister = null;

  const handle = {
    kind: 'mosquitto',
    host: '127.0.0.1',
    tcpPort,
    wsPort,
    tcpUrl: `mqtt://127.0.0.1:${tcpPort}`,
    // mosquitto serves MQTT on any WebSocket path; `/` is what mosquitto_* and paho use.
    wsUrl: `ws://127.0.0.1:${wsPort}/`,
    users,
    dir,
    get pid() {
      return child?.pid;
    },
    /** The broker's log so far (for a failing test's message). */
    log() {
      let text = '';
      try {
        text = fs.readFileSync(logPath, 'utf8');
      } catch {
        // not created yet
      }
      // stderr carries the same lines, and also those written before the log file opened.
      return text || stderr;
    },
    stop,
    restart,
  };

  try {
    writeConfig();
    await launch();
  } catch (err) {
    await stop();
    throw err;
  }
  unregister = onCleanup(stop);
  return handle;

  function writeConfig() {
    const lines = [
      '# Written by harness/brokers.mjs for one test run.',
      'per_listener_settings false',
      `allow_anonymous ${users ? 'false' : 'true'}`,
      'persistence true',
      `persistence_location ${dir}/`,
      `log_dest file ${logPath}`,
      'log_dest stderr',
      // One log_type per line: mosquitto silently logs nothing for a list on one line.
      ...(debug ? ['all'] : ['error', 'warning', 'notice', 'information', 'subscribe', 'unsubscribe']).map(
        (t) => `log_type ${t}`,
      ),
      'connection_messages true',
      'log_timestamp_format %H:%M:%S',
    ];
    if (users) {
      const passwd = path.join(dir, 'passwd');
      let first = true;
      for (const [user, password] of Object.entries(users)) {
        // -b: password on the command line (test credentials only); -c creates the file.
        execFileSync(MOSQUITTO_PASSWD, first ? ['-c', '-b', passwd, user, password] : ['-b', passwd, user, password], {
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        first = false;
      }
      lines.push(`password_file ${passwd}`);
    }
    if (extraConfig) lines.push(extraConfig);
    lines.push(
      `listener ${tcpPort} 127.0.0.1`,
      'socket_domain ipv4',
      // Without socket_domain ipv4 a websockets listener ignores its bind address and listens on all.
      `listener ${wsPort} 127.0.0.1`,
      'protocol websockets',
      'socket_domain ipv4',
      '',
    );
    fs.writeFileSync(confPath, lines.join('\n'));
    // Started as root, mosquitto drops to user `mosquitto`; it must still reach its files.
    if (process.getuid?.() === 0) {
      const owner = systemUser('mosquitto');
      if (owner) {
        for (const f of fs.readdirSync(dir)) fs.chownSync(path.join(dir, f), owner.uid, owner.gid);
        fs.chownSync(dir, owner.uid, owner.gid);
      }
    }
    const passwd = path.join(dir, 'passwd');
    if (fs.existsSync(passwd)) fs.chmodSync(passwd, 0o600);
  }

  async function launch() {
    stderr = '';
    child = spawn(MOSQUITTO, ['-c', confPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    killOnExit(child);
    const spawnError = new Promise((_, reject) =>
      child.once('error', (err) =>
        reject(
          err.code === 'ENOENT'
            ? new Error(`'${MOSQUITTO}' is not installed: apt-get install -y mosquitto mosquitto-clients`)
            : err,
        ),
      ),
    );
    spawnError.catch(() => {});
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => {
      stderr = (stderr + chunk).slice(-20000);
    });
    const me = child;
    const gaveUp = () => (me.exitCode !== null || me.signalCode !== null ? `mosquitto exited:\n${handle.log()}` : false);
    await Promise.race([
      spawnError,
      Promise.all([waitForPort(tcpPort, { gaveUp }), waitForPort(wsPort, { gaveUp })]),
    ]);
  }

  /** Stops mosquitto (SIGTERM, then SIGKILL after 3 s); persistence is written on SIGTERM. */
  async function halt(signal = 'SIGTERM') {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = once(c, 'exit');
    c.kill(signal);
    const timer = setTimeout(() => c.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }

  /** Stops the broker and removes its folder. Safe to call twice. */
  async function stop() {
    await halt();
    unregister?.();
    fs.rmSync(dir, { recursive: true, force: true });
    forgetFolder(dir);
  }

  /**
   * Stops and starts mosquitto again on the same ports, keeping its persistence (retained
   * messages, persistent sessions). `{ signal: 'SIGKILL' }` simulates a crash instead.
   */
  async function restart({ signal = 'SIGTERM', downMs = 0 } = {}) {
    await halt(signal);
    if (downMs) await new Promise((resolve) => setTimeout(resolve, downMs));
    await launch();
  }
}

/** Starts the aedes broker (MQTT 3.1 / 3.1.1 only) on free ports; same shape as startMosquitto's result. */
export async function startAedes(options = {}) {
  const broker = await startAedesBroker({ host: '127.0.0.1', ...options });
  const stop = broker.stop;
  const unregister = onCleanup(stop);
  broker.stop = async () => {
    unregister();
    await stop();
  };
  return broker;
}

/** Both brokers, for tests that run the same scenario against each. */
export const BROKERS = {
  mosquitto: startMosquitto,
  aedes: startAedes,
};

function systemUser(name) {
  try {
    for (const line of fs.readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const [user, , uid, gid] = line.split(':');
      if (user === name) return { uid: Number(uid), gid: Number(gid) };
    }
  } catch {
    // no /etc/passwd: not a system where mosquitto drops privileges
  }
  return null;
}

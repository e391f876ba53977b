// MQTT peers that nobody on this project wrote, for exchanging messages with the demo page and the
// library: mosquitto_pub / mosquitto_sub (C, libmosquitto), Eclipse Paho for Python, and MQTT.js.
// Each child process has a time limit and is killed when the test process exits.
//
//   const sub = mosquittoSub(broker, { topics: ['demo/#'], count: 2 });
//   await sub.ready;                 // SUBACK received: publishing now cannot be missed
//   ...                              // make the page publish
//   const [m1, m2] = await sub.messages;   // { topic, payload: Buffer, qos, retain }

import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { killOnExit } from './cleanup.mjs';

const PAHO_PEER = fileURLToPath(new URL('./peers/paho_peer.py', import.meta.url));
const COUNTING_PEER = fileURLToPath(new URL('./peers/counting_peer.py', import.meta.url));
const PROTOCOL_FLAG = { 3: 'mqttv31', 4: 'mqttv311', 5: 'mqttv5' };

/** The credentials a peer uses for `broker`: its first test user when it has a password file. */
export function credentialsFor(broker) {
  if (!broker.users) return {};
  const [username, password] = Object.entries(broker.users)[0];
  return { username, password };
}

/**
 * A child process whose stdout is read line by line. `waitForLine(pred)` resolves on the first
 * matching line (earlier lines included); `exited` resolves with the exit code and all output.
 */
function runPeer(name, command, args, { input = null, timeoutMs = 15000 } = {}) {
  const child = killOnExit(spawn(command, args, { stdio: [input === null ? 'ignore' : 'pipe', 'pipe', 'pipe'] }));
  const lines = [];
  const waiters = [];
  let stdout = '';
  let stderr = '';
  let buffered = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
    buffered += chunk;
    let nl;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      lines.push(line);
      for (const w of [...waiters]) if (w.pred(line)) w.resolve(line);
    }
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  if (input !== null) {
    // A peer may exit before reading all of stdin (mosquitto_pub -n reads none): the broken pipe
    // is not the peer's failure — its exit code and output say how it went.
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  }

  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  const exited = new Promise((resolve, reject) => {
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err.code === 'ENOENT' ? new Error(`${name}: '${command}' is not installed`) : err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      for (const w of waiters) w.reject(new Error(`${name} exited before the expected output:\n${stdout}${stderr}`));
      resolve({ code, signal, timedOut, stdout, stderr, lines });
    });
  });
  exited.catch(() => {});

  function waitForLine(pred) {
    const hit = lines.find(pred);
    if (hit !== undefined) return Promise.resolve(hit);
    return new Promise((resolve, reject) => {
      const w = {
        pred,
        resolve: (line) => {
          waiters.splice(waiters.indexOf(w), 1);
          resolve(line);
        },
        reject,
      };
      waiters.push(w);
      exited.catch(reject);
    });
  }

  /** Resolves with the output once the process exits 0; rejects with its output otherwise. */
  async function succeeded() {
    const result = await exited;
    if (result.code !== 0) {
      const why = result.timedOut ? `timed out after ${timeoutMs} ms` : `exited with ${result.code ?? result.signal}`;
      throw new Error(`${name} ${why}\n--- stdout\n${result.stdout}--- stderr\n${result.stderr}`);
    }
    return result;
  }

  return { child, lines, waitForLine, exited, succeeded, kill: () => child.kill('SIGKILL') };
}

function loginArgs(broker, options, userFlag, passFlag) {
  const { username, password } = { ...credentialsFor(broker), ...options };
  const args = [];
  if (username !== undefined) args.push(userFlag, username);
  if (password !== undefined) args.push(passFlag, password);
  return args;
}

// ---------------------------------------------------------------- mosquitto_sub / mosquitto_pub
// The mosquitto 2.0 command-line clients speak TCP only, so they use the broker's TCP listener.

/**
 * mosquitto_sub: subscribes to `topics` and collects `count` messages.
 * @returns {{ ready: Promise<void>, messages: Promise<Array<{topic:string,payload:Buffer,qos:number,retain:boolean}>>, kill: () => void }}
 */
export function mosquittoSub(broker, { topics, count = 1, qos = 0, protocolVersion = 4, timeoutMs = 15000, ...login }) {
  const args = ['-h', broker.host, '-p', String(broker.tcpPort), '-V', PROTOCOL_FLAG[protocolVersion]];
  for (const t of [].concat(topics)) args.push('-t', t);
  // -d prints "received SUBACK" (our ready signal); -F prints each message on one tagged line
  // with the payload in hex, so binary payloads survive the trip through stdout.
  args.push('-q', String(qos), '-C', String(count), '-d', '-F', 'MSG\t%t\t%q\t%r\t%x');
  args.push(...loginArgs(broker, login, '-u', '-P'));
  // mosquitto_sub block-buffers stdout into a pipe; stdbuf -oL makes each line arrive at once.
  const peer = runPeer('mosquitto_sub', 'stdbuf', ['-oL', 'mosquitto_sub', ...args], { timeoutMs });
  const ready = peer.waitForLine((l) => l.includes('received SUBACK')).then(() => undefined);
  const messages = peer.succeeded().then(({ lines }) =>
    lines
      .filter((l) => l.startsWith('MSG\t'))
      .map((l) => {
        const [, topic, q, r, hex = ''] = l.split('\t');
        return { topic, payload: Buffer.from(hex, 'hex'), qos: Number(q), retain: r === '1' };
      }),
  );
  // Either may be left unawaited when a test fails early; that must not crash the run.
  ready.catch(() => {});
  messages.catch(() => {});
  return { ready, messages, kill: peer.kill };
}

/** mosquitto_pub: publishes one message (payload: string or bytes, sent through stdin untouched). */
export async function mosquittoPub(broker, { topic, payload, qos = 0, retain = false, protocolVersion = 4, timeoutMs = 10000, ...login }) {
  const bytes = Buffer.isBuffer(payload) || payload instanceof Uint8Array ? Buffer.from(payload) : Buffer.from(String(payload), 'utf8');
  const args = ['-h', broker.host, '-p', String(broker.tcpPort), '-V', PROTOCOL_FLAG[protocolVersion], '-t', topic];
  args.push('-q', String(qos), ...(retain ? ['-r'] : []), ...loginArgs(broker, login, '-u', '-P'));
  // -s: the message is stdin, byte for byte; -n: a zero-length message (-s would read none).
  args.push(...(bytes.length ? ['-s'] : ['-n']));
  const input = bytes.length ? bytes : null;
  await runPeer('mosquitto_pub', 'mosquitto_pub', args, { input, timeoutMs }).succeeded();
}

// ---------------------------------------------------------------- Eclipse Paho (Python)

let pythonChecked = null;

/** The Python interpreter with paho-mqtt 2.x, or a clear error saying what to install. */
export function pythonWithPaho() {
  if (pythonChecked) return pythonChecked;
  const python = process.env.PYTHON || 'python3';
  const probe = spawnSync(python, ['-c', 'import paho.mqtt.client as m; print(m.CallbackAPIVersion.VERSION2)'], {
    encoding: 'utf8',
  });
  if (probe.error?.code === 'ENOENT') throw new Error(`'${python}' was not found: install Python 3 (or set PYTHON)`);
  if (probe.status !== 0) {
    throw new Error(
      `Python paho-mqtt 2.x is not available to '${python}': run \`${python} -m pip install paho-mqtt\`\n${probe.stderr}`,
    );
  }
  pythonChecked = python;
  return python;
}

function pahoArgs(broker, { transport = 'tcp', protocolVersion = 4, qos = 0, timeoutMs, ...login }) {
  const ws = transport === 'ws' || transport === 'websockets';
  const args = [PAHO_PEER, '--host', broker.host, '--port', String(ws ? broker.wsPort : broker.tcpPort)];
  args.push('--transport', ws ? 'websockets' : 'tcp', '--protocol', String(protocolVersion), '--qos', String(qos));
  args.push('--timeout', String(Math.max(1, (timeoutMs - 1000) / 1000)));
  args.push(...loginArgs(broker, login, '--username', '--password'));
  return args;
}

/** Paho subscriber (TCP by default, `transport: 'ws'` for the WebSocket listener). Same shape as mosquittoSub. */
export function pahoSub(broker, { topics, count = 1, timeoutMs = 15000, ...options }) {
  const python = pythonWithPaho();
  const args = pahoArgs(broker, { timeoutMs, ...options });
  args.splice(1, 0, 'sub');
  for (const t of [].concat(topics)) args.push('--topic', t);
  args.push('--count', String(count));
  const peer = runPeer('paho sub', python, args, { timeoutMs });
  const events = (lines) => lines.map((l) => JSON.parse(l));
  const ready = peer.waitForLine((l) => l.includes('"subscribed"')).then(() => undefined);
  const messages = peer.succeeded().then(({ lines }) =>
    events(lines)
      .filter((e) => e.event === 'message')
      .map((e) => ({ topic: e.topic, payload: Buffer.from(e.payload_hex, 'hex'), qos: e.qos, retain: e.retain })),
  );
  // Either may be left unawaited when a test fails early; that must not crash the run.
  ready.catch(() => {});
  messages.catch(() => {});
  return { ready, messages, kill: peer.kill };
}

/** Paho publisher: one message to `topic`, waiting for the acknowledgement at QoS 1/2. */
export async function pahoPub(broker, { topic, payload, retain = false, timeoutMs = 10000, ...options }) {
  const python = pythonWithPaho();
  const bytes = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : Buffer.from(payload);
  const args = pahoArgs(broker, { timeoutMs, ...options });
  args.splice(1, 0, 'pub');
  args.push('--topic', topic, '--payload-hex', bytes.toString('hex'), ...(retain ? ['--retain'] : []));
  await runPeer('paho pub', python, args, { timeoutMs }).succeeded();
}

/**
 * Paho publishing payloads "0".."count-1" at `qos` over TCP with a kept session, paced at `rate`
 * per second, riding out broker restarts. `done` resolves once every message was acknowledged.
 */
export function countingPublisher(broker, { topic, qos, count, rate = 400, protocolVersion = 4, clientId, timeoutMs = 120000 }) {
  const args = countingArgs('publish', broker, { topic, count, protocolVersion, clientId, timeoutMs });
  args.push('--qos', String(qos), '--rate', String(rate));
  const peer = runPeer('paho counting publisher', pythonWithPaho(), args, { timeoutMs });
  const done = peer.succeeded().then(() => undefined);
  done.catch(() => {});
  return { done, lines: peer.lines, kill: peer.kill };
}

/**
 * Paho subscribed (QoS 2, kept session, TCP) to `topic`, counting numbered payloads until all
 * `count` arrived. `ready`: subscribed. `result`: { received, missing_count, missing, duplicates }.
 */
export function countingSubscriber(broker, { topic, count, protocolVersion = 4, clientId, timeoutMs = 120000 }) {
  const args = countingArgs('count', broker, { topic, count, protocolVersion, clientId, timeoutMs });
  const peer = runPeer('paho counting subscriber', pythonWithPaho(), args, { timeoutMs: timeoutMs + 5000 });
  const ready = peer.waitForLine((l) => l.includes('"subscribed"')).then(() => undefined);
  const result = peer.succeeded().then(({ lines }) => JSON.parse(lines.find((l) => l.includes('"counted"'))));
  ready.catch(() => {});
  result.catch(() => {});
  return { ready, result, kill: peer.kill };
}

function countingArgs(mode, broker, { topic, count, protocolVersion, clientId, timeoutMs }) {
  const args = [COUNTING_PEER, mode, '--host', broker.host, '--port', String(broker.tcpPort), '--topic', topic];
  args.push('--count', String(count), '--protocol', String(protocolVersion), '--timeout', String(timeoutMs / 1000 - 2));
  if (clientId) args.push('--client-id', clientId);
  return args;
}

// ---------------------------------------------------------------- MQTT.js (Node)

/**
 * An MQTT.js client connected to `broker` (WebSocket by default, `transport: 'tcp'` for TCP),
 * with `collect(count)` to gather the next messages. Call `end()` when done.
 */
export async function mqttjsPeer(broker, { transport = 'ws', protocolVersion = 4, ...options } = {}) {
  const url = transport === 'tcp' ? broker.tcpUrl : broker.wsUrl;
  const client = await mqtt.connectAsync(url, {
    protocolVersion,
    reconnectPeriod: 0,
    connectTimeout: 5000,
    ...credentialsFor(broker),
    ...options,
  });
  const inbox = [];
  const waiters = [];
  client.on('message', (topic, payload, packet) => {
    inbox.push({ topic, payload, qos: packet.qos, retain: packet.retain, packet });
    for (const w of [...waiters]) w();
  });
  return {
    client,
    subscribe: (topics, opts = {}) => client.subscribeAsync(topics, opts),
    publish: (topic, payload, opts = {}) => client.publishAsync(topic, payload, opts),
    /** The first `count` messages received since the peer connected. */
    collect(count = 1, timeoutMs = 10000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (inbox.length < count) return false;
          clearTimeout(timer);
          waiters.splice(waiters.indexOf(check), 1);
          resolve(inbox.slice(0, count));
          return true;
        };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(check), 1);
          reject(new Error(`MQTT.js peer: ${inbox.length} of ${count} messages within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.push(check);
        check();
      });
    },
    inbox,
    end: () => client.endAsync(true),
  };
}

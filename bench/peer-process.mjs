// The benchmark's senders in a process of their own: the firehose server and the TCP publisher
// (bench/servers.mjs) run here, so the harness's own work (static files, reports, the next
// browser) never shares an event loop with them.
//
//   const peers = await startPeerProcess();   // forks this file
//   peers.firehoseUrl
//   await peers.fire({ n, size, batch });     // resolves once everything is handed to the socket
//   await peers.armArrivals(n);               // from now, count the PUBLISH packets the firehose receives
//   await peers.arrivals();                   // wall-clock ms (epoch) when the n-th arrived
//   await peers.tcpPublish(tcpUrl, { n, topic });
//   await peers.close();

import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { killOnExit, onCleanup } from '../harness/cleanup.mjs';

const SELF = fileURLToPath(import.meta.url);

export async function startPeerProcess() {
  const child = killOnExit(fork(SELF, ['--child'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  const pending = new Map();
  let nextId = 1;
  const firehoseUrl = await new Promise((resolve, reject) => {
    child.once('message', (m) => resolve(m.firehoseUrl));
    child.once('exit', (code) => reject(new Error(`peer process exited (${code}) before starting`)));
  });
  child.on('message', ({ id, ok, value, error }) => {
    const call = pending.get(id);
    if (!call) return;
    pending.delete(id);
    if (ok) call.resolve(value);
    else call.reject(new Error(error));
  });
  child.on('exit', () => {
    for (const call of pending.values()) call.reject(new Error('the peer process exited'));
    pending.clear();
  });
  const call = (op, ...args) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      child.send({ id, op, args });
    });

  const unregister = onCleanup(() => close());
  async function close() {
    unregister();
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  return {
    firehoseUrl,
    pid: child.pid,
    fire: (options) => call('fire', options),
    armArrivals: (n) => call('armArrivals', n),
    arrivals: () => call('arrivals'),
    tcpPublish: (tcpUrl, options) => call('tcpPublish', tcpUrl, options),
    close,
  };
}

/**
 * Sends a burst of each frame shape through the firehose to a local subscriber, so the first
 * measured page does not meet a sender whose code Node has not optimised yet.
 */
async function warmUp(firehose) {
  const { default: WebSocket } = await import('ws');
  const ws = new WebSocket(firehose.url, 'mqtt');
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const subacked = new Promise((resolve) => ws.on('message', (data) => data[0] === 0x90 && resolve()));
  ws.send(Buffer.from([0x10, 13, 0, 4, 77, 81, 84, 84, 4, 2, 0, 60, 0, 1, 119])); // CONNECT, client id "w"
  ws.send(Buffer.from([0x82, 8, 0, 1, 0, 3, 119, 47, 35, 0])); // SUBSCRIBE w/#
  await subacked;
  await firehose.fire({ n: 200_000, size: 16, batch: 64, topic: 'w/t' });
  await firehose.fire({ n: 20_000, size: 1024, batch: 64, topic: 'w/t' });
  await firehose.fire({ n: 20_000, size: 16, batch: 1, topic: 'w/t' });
  const closed = new Promise((resolve) => ws.once('close', resolve));
  ws.close();
  await closed;
}

async function serve() {
  const { startFirehose, tcpPublish } = await import('./servers.mjs');
  const firehose = await startFirehose();
  await warmUp(firehose);
  let arrivals = null;
  const ops = {
    fire: (options) => firehose.fire(options),
    armArrivals: (n) => void (arrivals = firehose.countArrivals(n)),
    arrivals: () => arrivals,
    tcpPublish: (tcpUrl, options) => tcpPublish(tcpUrl, options),
  };
  process.on('message', ({ id, op, args }) => {
    Promise.resolve()
      .then(() => ops[op](...args))
      .then(
        (value) => process.send({ id, ok: true, value }),
        (error) => process.send({ id, ok: false, error: error.message }),
      );
  });
  process.on('SIGTERM', () => firehose.close().finally(() => process.exit(0)));
  process.on('disconnect', () => process.exit(0));
  process.send({ firehoseUrl: firehose.url });
}

if (process.argv[1] === SELF && process.argv.includes('--child')) await serve();

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
import { killOnExit, onCleanup } from '../tests/support/cleanup.mjs';

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

async function serve() {
  const { startFirehose, tcpPublish } = await import('./servers.mjs');
  const firehose = await startFirehose();
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

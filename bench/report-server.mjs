// Where measured pages report to: an HTTP server on 127.0.0.1 that takes the page's own POSTs
// (fetch, mode 'no-cors', text body holding JSON), so nothing has to attach to the page to read
// its results.
//
//   const reports = await startReportServer();
//   const run = reports.open();            // run.url goes into the page's task
//   const ready = await run.next('ready');  // the page holds until ready.reply()
//   ready.reply();
//   const { result } = await run.next('result');
//   run.close();
//
// Events a page sends: { event: 'ready', ... } (answered only when the harness calls reply(), so
// the page can wait for the harness to start a sender or a profiler), { event: 'result', ... }
// and { event: 'error', message } (rejects whatever the harness waits for).

import http from 'node:http';
import { once } from 'node:events';
import { onCleanup } from '../harness/cleanup.mjs';

export async function startReportServer() {
  const runs = new Map(); // id → { arrived: [], waiters: [] }
  let nextId = 1;

  const server = http.createServer((req, res) => {
    if (req.method !== 'POST') {
      res.writeHead(405).end();
      return;
    }
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const run = runs.get(req.url.slice(1));
      let body;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        body = { event: 'error', message: 'unreadable report' };
      }
      const reply = () => res.writeHead(204, { 'Access-Control-Allow-Origin': '*' }).end();
      if (!run) return reply();
      if (body.event !== 'ready') reply();
      deliver(run, { ...body, reply });
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = `http://127.0.0.1:${server.address().port}/`;

  function deliver(run, message) {
    const waiter = message.event === 'error' ? run.waiters.shift() : run.waiters.find((w) => w.event === message.event);
    if (!waiter) return void run.arrived.push(message);
    run.waiters.splice(run.waiters.indexOf(waiter), 1);
    if (message.event === 'error') waiter.reject(new Error(`page: ${message.message}`));
    else waiter.resolve(message);
  }

  const unregister = onCleanup(() => close());
  async function close() {
    unregister();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }

  return {
    /** A channel for one page load. */
    open() {
      const id = String(nextId++);
      const run = { arrived: [], waiters: [] };
      runs.set(id, run);
      return {
        url: `${base}${id}`,
        /** The next `event` the page sends (rejects on a page error, or after timeoutMs). */
        next(event, timeoutMs = 60_000) {
          const error = run.arrived.findIndex((m) => m.event === 'error');
          if (error >= 0) return Promise.reject(new Error(`page: ${run.arrived.splice(error, 1)[0].message}`));
          const at = run.arrived.findIndex((m) => m.event === event);
          if (at >= 0) return Promise.resolve(run.arrived.splice(at, 1)[0]);
          return new Promise((resolve, reject) => {
            const timer = setTimeout(() => {
              run.waiters.splice(run.waiters.indexOf(waiter), 1);
              reject(new Error(`no '${event}' from the page in ${timeoutMs / 1000} s`));
            }, timeoutMs);
            const waiter = {
              event,
              resolve: (m) => (clearTimeout(timer), resolve(m)),
              reject: (e) => (clearTimeout(timer), reject(e)),
            };
            run.waiters.push(waiter);
          });
        },
        close() {
          for (const m of run.arrived) m.reply();
          runs.delete(id);
        },
      };
    },
    close,
  };
}

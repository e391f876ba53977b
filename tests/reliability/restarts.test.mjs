// Broker restarts, counted (RELIABILITY.md, promise 1). mosquitto with its default settings and
// persistence on is stopped with SIGTERM and started again while numbered QoS 1 and QoS 2
// messages flow, both ways, between the browser client (kept session: fixed client id,
// clean: false; in MQTT 5 a session expiry) and Eclipse Paho (kept session too):
//   every QoS 1 number arrives at least once, every QoS 2 number exactly once.
// Duplicates of QoS 1 are allowed by the protocol and reported.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startMosquitto } from '../../harness/brokers.mjs';
import { countingPublisher, countingSubscriber } from '../../harness/peers.mjs';
import { browserAndSite, openLibraryPage, record, restartsDuring, size, until } from './support.mjs';

const FORWARD = size(
  { count: 600, rate: 100, restarts: 2, everyMs: 2000, downMs: 1000 },
  // 100 a second per topic: mosquitto queues at most 1,000 QoS 1/2 messages for a client that is
  // offline (max_queued_messages) and drops the rest; at 250 a second the backlog of two topics
  // during a 2 s restart and the reconnect after it passed that (measured).
  { count: 5000, rate: 100, restarts: 3, everyMs: 12000, downMs: 2000 },
);
const REVERSE = size(
  { count: 400, rate: 100, restarts: 2, everyMs: 1300, downMs: 1000 },
  { count: 2000, rate: 100, restarts: 2, everyMs: 7000, downMs: 2000 },
);

/** Records one counted run: its restarts and, per QoS, what was sent, missing and duplicated. */
function recordRun(name, run, restarts, q1, q2) {
  const counted = ({ missing, duplicates }) => ({ sent: run.count, missing, duplicates });
  record(name, { restarts: restarts.length, downMs: run.downMs, qos1: counted(q1), qos2: counted(q2) });
}

/** What the page counted on `topic`: numbers missing below `count`, and duplicates. */
function tally(page, topic, count) {
  return page.evaluate(
    ({ topic, count }) => {
      const seen = window.counts[topic] ?? {};
      let missing = 0;
      let duplicates = 0;
      const firstMissing = [];
      for (let n = 0; n < count; n++) {
        if (!seen[n]) {
          missing++;
          if (firstMissing.length < 20) firstMissing.push(n);
        } else duplicates += seen[n] - 1;
      }
      return { received: count - missing, missing, duplicates, firstMissing };
    },
    { topic, count },
  );
}

/** A kept-session browser client in `page`, as `window.client`, counting numbered payloads. */
async function keptSessionClient(page, url, protocolVersion, clientId) {
  await page.evaluate(
    async ({ url, protocolVersion, clientId }) => {
      window.counts = {};
      const client = lib.connect(url, {
        clientId,
        clean: false,
        protocolVersion,
        keepalive: 10,
        reconnect: { initialDelay: 300, maxDelay: 1000 },
        ...(protocolVersion === 5 ? { properties: { sessionExpiryInterval: 3600 } } : {}),
      });
      window.client = client;
      window.events = [];
      for (const name of ['connect', 'close', 'error']) client.on(name, (e) => window.events.push([name, e?.code]));
      client.on('message', (topic, payload) => {
        const n = Number(payload.text());
        const seen = (window.counts[topic] ??= {});
        seen[n] = (seen[n] ?? 0) + 1;
      });
      await new Promise((resolve) => client.once('connect', resolve));
    },
    { url, protocolVersion, clientId },
  );
}

describe('broker restarts, counted (mosquitto, default settings, persistence on)', () => {
  const fixture = browserAndSite();

  for (const protocolVersion of [4, 5]) {
    const label = protocolVersion === 5 ? 'MQTT 5' : 'MQTT 3.1.1';

    test(`${label}: Paho → browser, ${FORWARD.count} QoS 1 + ${FORWARD.count} QoS 2 across ${FORWARD.restarts} restarts`, async () => {
      const broker = await startMosquitto();
      const page = await openLibraryPage(fixture.browser, fixture.site);
      try {
        await keptSessionClient(page, broker.wsUrl, protocolVersion, `rel-in-${protocolVersion}`);
        await page.evaluate(async () => {
          await client.subscribe('rel/q1', { qos: 1 });
          await client.subscribe('rel/q2', { qos: 2 });
        });
        const publishers = [1, 2].map((qos) =>
          countingPublisher(broker, {
            topic: `rel/q${qos}`,
            qos,
            count: FORWARD.count,
            rate: FORWARD.rate,
            protocolVersion,
            clientId: `rel-pub-${protocolVersion}-${qos}`,
          }),
        );
        const restarts = await restartsDuring(broker, { times: FORWARD.restarts, ...FORWARD });
        assert.equal(restarts.length, FORWARD.restarts);
        await Promise.all(publishers.map((p) => p.done));
        const [q1, q2] = await until(async () => {
          const counts = [await tally(page, 'rel/q1', FORWARD.count), await tally(page, 'rel/q2', FORWARD.count)];
          return counts.every((c) => c.missing === 0) && counts;
        }, 30000, `every number at the browser (${label})`).catch(async (error) => {
          const counts = [await tally(page, 'rel/q1', FORWARD.count), await tally(page, 'rel/q2', FORWARD.count)];
          const dropped = broker.log().includes('Outgoing messages are being dropped');
          throw new Error(`${error.message}: ${JSON.stringify(counts)}${dropped ? '\nthe broker dropped messages for the offline client (its max_queued_messages)' : ''}\n${broker.log().slice(-1500)}`);
        });
        // Duplicates still on their way would arrive within a moment.
        await new Promise((resolve) => setTimeout(resolve, 500));
        const settled = await tally(page, 'rel/q2', FORWARD.count);
        assert.equal(q1.missing, 0);
        assert.equal(settled.missing, 0);
        assert.equal(settled.duplicates, 0, `QoS 2 delivered more than once: ${JSON.stringify(settled)}`);
        recordRun(`restarts: Paho → browser, ${label}`, FORWARD, restarts, q1, settled);
        // Each restart is reported, by name, and nothing else went wrong.
        const errors = await page.evaluate(() => window.events.filter(([name]) => name === 'error').map(([, code]) => code));
        assert.deepEqual([...new Set(errors)], ['ERR_CONNECTION_CLOSED'], JSON.stringify(errors));
      } finally {
        await page.evaluate(() => window.client?.end()).catch(() => {});
        await page.close();
        await broker.stop();
      }
    });

    test(`${label}: browser → Paho, ${REVERSE.count} QoS 1 + ${REVERSE.count} QoS 2 across ${REVERSE.restarts} restarts`, async () => {
      const broker = await startMosquitto();
      const page = await openLibraryPage(fixture.browser, fixture.site);
      const subscribers = [1, 2].map((qos) =>
        countingSubscriber(broker, {
          topic: `rel/out/q${qos}`,
          count: REVERSE.count,
          protocolVersion,
          clientId: `rel-count-${protocolVersion}-${qos}`,
        }),
      );
      try {
        await Promise.all(subscribers.map((s) => s.ready));
        await keptSessionClient(page, broker.wsUrl, protocolVersion, `rel-out-${protocolVersion}`);
        // The page publishes as an application would: paced, and never more than 100 waiting,
        // so nothing is refused for a full queue (a refusal is a message we did not accept).
        const publishing = page.evaluate(
          async ({ count, rate }) => {
            const run = async (qos) => {
              const refused = [];
              let waiting = 0;
              const wakeups = [];
              const started = performance.now();
              for (let n = 0; n < count; n++) {
                while (waiting >= 100) await new Promise((resolve) => wakeups.push(resolve));
                const due = started + (n * 1000) / rate - performance.now();
                if (due > 0) await new Promise((resolve) => setTimeout(resolve, due));
                waiting++;
                client
                  .publish(`rel/out/q${qos}`, String(n), { qos })
                  .catch((error) => refused.push([n, error.code]))
                  .finally(() => {
                    waiting--;
                    wakeups.shift()?.();
                  });
              }
              while (waiting > 0) await new Promise((resolve) => wakeups.push(resolve));
              return refused;
            };
            return Promise.all([run(1), run(2)]);
          },
          { count: REVERSE.count, rate: REVERSE.rate },
        );
        const restarts = await restartsDuring(broker, { times: REVERSE.restarts, ...REVERSE });
        assert.equal(restarts.length, REVERSE.restarts);
        const refused = await publishing;
        assert.deepEqual(refused, [[], []], 'a publish was refused');
        const [q1, q2] = await Promise.all(subscribers.map((s) => s.result));
        assert.equal(q1.missing_count, 0, `QoS 1 lost: ${JSON.stringify(q1)}`);
        assert.equal(q2.missing_count, 0, `QoS 2 lost: ${JSON.stringify(q2)}`);
        assert.equal(q2.duplicates, 0, `QoS 2 delivered more than once: ${JSON.stringify(q2)}`);
        recordRun(`restarts: browser → Paho, ${label}`, REVERSE, restarts, { ...q1, missing: q1.missing_count }, { ...q2, missing: q2.missing_count });
      } finally {
        for (const s of subscribers) s.kill();
        await page.evaluate(() => window.client?.end()).catch(() => {});
        await page.close();
        await broker.stop();
      }
    });
  }
});

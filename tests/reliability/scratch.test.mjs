// Broker restarts through the Scratch extension (RELIABILITY.md, promise 1): a project in the
// real scratch-vm whose hats append each message to a list, while Paho publishes numbered QoS 1
// and QoS 2 messages and mosquitto (default settings, persistence on) restarts twice. The
// `connect` block keeps an MQTT 5 session, so what arrives at the broker while the project's
// link is down still reaches the hats, in order per hat script.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, startSite } from '../../harness/browser.mjs';
import { startMosquitto } from '../../harness/brokers.mjs';
import { countingPublisher } from '../../harness/peers.mjs';
import { ProjectBuilder, b } from '../../harness/scratch-project.mjs';
import { VM_HOST_MOUNTS, openVm } from '../scratch/vm-host.mjs';
import { record, requireLibrary, restartsDuring, size, until } from './support.mjs';

const RUN = size({ count: 200, rate: 50, restarts: 2, everyMs: 1300, downMs: 1000 }, { count: 1000, rate: 50, restarts: 3, everyMs: 5000, downMs: 2000 });

describe('broker restarts through the Scratch extension (scratch-vm, mosquitto with persistence)', () => {
  let broker;
  let site;
  let browser;
  before(async () => {
    requireLibrary();
    broker = await startMosquitto();
    site = await startSite({ extraMounts: VM_HOST_MOUNTS });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await site?.close();
    await broker?.stop();
  });

  test(`${RUN.count} QoS 1 + ${RUN.count} QoS 2 across ${RUN.restarts} restarts: every message reaches its hat, in order`, async () => {
    const p = new ProjectBuilder({ extensions: ['mqtt'] });
    p.script([b.greenFlag(), b.connect(broker.wsUrl, '', ''), b.subscribe('scratch/q1', '1'), b.subscribe('scratch/q2', '2'), b.setVar('ready', 'yes')]);
    p.script([b.whenMessage('scratch/q1'), b.addToList('q1', b.message())]);
    p.script([b.whenMessage('scratch/q2'), b.addToList('q2', b.message())]);
    const page = await openVm(browser, site, { project: p });
    try {
      await page.waitForFunction(() => window.stageValue('var-ready') === 'yes', null, { timeout: 20000 });
      const publishers = [1, 2].map((qos) =>
        countingPublisher(broker, { topic: `scratch/q${qos}`, qos, count: RUN.count, rate: RUN.rate, protocolVersion: 5, clientId: `scratch-pub-${qos}` }),
      );
      const restarts = await restartsDuring(broker, { times: RUN.restarts, ...RUN });
      assert.equal(restarts.length, RUN.restarts);
      await Promise.all(publishers.map((publisher) => publisher.done));
      const lists = () => page.evaluate(() => [window.stageValue('list-q1') ?? [], window.stageValue('list-q2') ?? []]);
      const [q1, q2] = await until(async () => {
        const [a, c] = await lists();
        return new Set(a).size >= RUN.count && c.length >= RUN.count && [a, c];
      }, 30000, 'every number in the lists').catch(async (error) => {
        const [a, c] = await lists();
        throw new Error(`${error.message}: q1 ${new Set(a).size} distinct, q2 ${c.length}`);
      });
      const numbers = Array.from({ length: RUN.count }, (_, n) => String(n));
      assert.deepEqual(q2, numbers, 'QoS 2: each number once, in order');
      const firsts = q1.filter((value, i) => q1.indexOf(value) === i);
      assert.deepEqual(firsts, numbers, 'QoS 1: every number, first arrivals in order');
      record('restarts: Paho → Scratch hats, MQTT 5 kept session', {
        restarts: restarts.length,
        downMs: RUN.downMs,
        qos1: { sent: RUN.count, missing: 0, duplicates: q1.length - firsts.length },
        qos2: { sent: RUN.count, missing: 0, duplicates: q2.length - RUN.count },
      });
    } finally {
      await page.close();
    }
  });
});

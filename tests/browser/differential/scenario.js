// One scenario, written against MQTT.js's API, run unchanged on MQTT.js and on Scratch MQTT in
// the same page (tests/browser/differential.e2e.test.mjs). It records what an application
// observes: callback arguments, events in order, messages, and which misuse is refused.

/** A granted list as [{ topic, qos }] (the run's tag taken out); anything else is not compared. */
function granted(result, tag) {
  return Array.isArray(result) ? result.map(({ topic, qos }) => ({ topic: topic.replace(`/${tag}/`, '/*/'), qos })) : null;
}

/** What is compared of each event's argument. */
function shape(name, arg) {
  if (name === 'connect') return { cmd: arg?.cmd, returnCode: arg?.returnCode, sessionPresent: arg?.sessionPresent };
  if (name === 'disconnect') return { cmd: arg?.cmd, reasonCode: arg?.reasonCode };
  return null; // reconnect, close, offline, end: no argument in MQTT.js
}

const once = (client, name) => new Promise((resolve) => client.once(name, resolve));

/**
 * @param lib     the library module: MQTT.js's default export, or ours
 * @param tag     'mqttjs' | 'ours', keeps the two runs' topics and client ids apart
 * @param url     the broker; `proxyUrl` the same broker through a proxy the host can cut
 * @param action  asks the test host to act: 'cut' (the proxy's links) or 'restart' (the broker)
 */
export async function scenario({ lib, tag, url, proxyUrl, action }) {
  // The API's answers and events in order; messages in their own list, because when a message
  // arrives relative to its own publish settling is a race, not a difference.
  const log = [];
  const messages = [];
  const note = (...entry) => log.push(entry);
  const callback = (start) =>
    new Promise((resolve) => {
      start((error, result) => resolve([error ? 'error' : null, granted(result, tag)]));
    });
  const t = (name) => `diff/${tag}/${name}`;
  const arrived = [];
  const waiters = [];
  const nextMessage = (topic) =>
    new Promise((resolve) => {
      const found = arrived.findIndex((m) => m.topic === topic);
      if (found >= 0) resolve(arrived.splice(found, 1)[0]);
      else waiters.push({ topic, resolve });
    });

  const client = lib.connect(url, { protocolVersion: 4, clientId: `diff-${tag}`, reconnectPeriod: 300, keepalive: 30 });
  for (const name of ['connect', 'reconnect', 'close', 'offline', 'disconnect', 'end']) {
    client.on(name, (arg) => note('event', name, shape(name, arg)));
  }
  client.on('error', () => note('event', 'error'));
  client.on('message', (topic, payload, packet) => {
    const message = { topic, text: payload.toString(), qos: packet.qos, retain: packet.retain };
    messages.push([message.topic.replace(`/${tag}/`, '/*/'), message.text, message.qos, message.retain]);
    const waiter = waiters.findIndex((w) => w.topic === topic);
    if (waiter >= 0) waiters.splice(waiter, 1)[0].resolve(message);
    else arrived.push(message);
  });
  await once(client, 'connect');
  note('connected', client.connected);

  // subscribe: each form
  note('subscribe string, options, callback', await callback((done) => client.subscribe(t('a'), { qos: 1 }, done)));
  note('subscribe list, callback', await callback((done) => client.subscribe([t('b'), t('c')], { qos: 2 }, done)));
  note('subscribe object async', granted(await client.subscribeAsync({ [t('d')]: { qos: 0 }, [t('e')]: { qos: 1 } }), tag));

  // publish: each QoS with each call style
  note('publish qos 0, callback', await callback((done) => client.publish(t('a'), 'a0', done)));
  note('publish qos 1, options, callback', await callback((done) => client.publish(t('a'), 'a1', { qos: 1 }, done)));
  await client.publishAsync(t('b'), 'b2', { qos: 2 });
  note('publish qos 2, async', 'settled');
  for (const topic of [t('a'), t('a'), t('b')]) await nextMessage(topic);

  // retained: kept for a later subscriber, then cleared
  await client.publishAsync(t('r'), 'kept', { qos: 1, retain: true });
  await client.subscribeAsync(t('r'), { qos: 1 });
  await nextMessage(t('r'));
  await client.publishAsync(t('r'), '', { qos: 1, retain: true });
  await nextMessage(t('r'));

  // the will: a second client's link is cut, the broker publishes its will
  await client.subscribeAsync(t('will'), { qos: 1 });
  const dying = lib.connect(proxyUrl, {
    protocolVersion: 4,
    clientId: `diff-${tag}-will`,
    reconnectPeriod: 0,
    will: { topic: t('will'), payload: 'gone', qos: 1, retain: false },
  });
  dying.on('error', () => {});
  await once(dying, 'connect');
  await action('cut');
  await nextMessage(t('will'));
  dying.end(true);

  // unsubscribe: then nothing more on that filter (a publish to b fences it)
  note('unsubscribe, callback', await callback((done) => client.unsubscribe(t('a'), done)));
  await client.publishAsync(t('a'), 'after unsubscribe', { qos: 1 });
  await client.publishAsync(t('b'), 'fence', { qos: 1 });
  await nextMessage(t('b'));

  // a broker restart: the client comes back and subscribes again by itself
  const back = once(client, 'connect');
  await action('restart');
  await back;
  note('connected again', client.connected);
  await client.publishAsync(t('c'), 'after restart', { qos: 1 });
  await nextMessage(t('c'));

  // misuse: refused with an error, never silently
  note('publish to a filter', await callback((done) => client.publish('diff/+', 'x', done)));
  note('subscribe to a bad filter', await callback((done) => client.subscribe('diff/#/x', done)));

  // end, then use after end
  note('end, callback', await callback((done) => client.end(done)));
  note('connected after end', client.connected);
  note('publish after end', await callback((done) => client.publish(t('a'), 'late', { qos: 1 }, done)));
  return { log, messages };
}

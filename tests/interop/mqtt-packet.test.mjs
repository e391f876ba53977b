// Differential test of our codec against mqtt-packet, the codec of MQTT.js (a codec nobody here
// wrote). For every packet type in MQTT 3.1, 3.1.1 and 5.0, hand-picked and seeded random packets
// go both ways:
//
//   mqtt-packet generate -> our decoder    -> the same fields as mqtt-packet's own parser reads
//                           our re-encoding -> mqtt-packet's parser reads the same packet again
//   the same object      -> our encoder    -> mqtt-packet's parser reads the same packet
//
// For 3.1 and 3.1.1 the byte layout has no freedom, so our encoding must also be byte-identical.
// In 5.0 property order is free (and mqtt-packet groups user properties by name), so only the
// parsed fields are compared there.
//
// A table of malformed packets then checks that we reject each with the error that names the rule,
// and records what mqtt-packet does with it: where it is more lenient than the spec, the case says
// so (those are mqtt-packet quirks, not disagreements about the spec).
//
// Seed: INTEROP_SEED=<n> replays a run; the seed in use is printed as a diagnostic.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  comparable,
  mqtt,
  mqttPacketParse,
  mqttPacketParseOne,
  startBridge,
  toPlain,
} from './bridge.mjs';

const SEED = Number(process.env.INTEROP_SEED ?? 20261126);
const RANDOM_PER_TYPE = Number(process.env.INTEROP_RANDOM ?? 40);

let bridge;
before(async () => {
  bridge = await startBridge();
});
after(async () => {
  await bridge?.close();
});

// ---- the round trip every case goes through ----

/** Keeps failure messages readable (and cheap) for megabyte packets. */
function shorten(text, max = 600) {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
}

/** Checks one mqtt-packet-shaped packet both ways; returns whether our encoding was byte-identical. */
async function roundTrip(version, packet) {
  const opts = { protocolVersion: version };
  const bytes = mqtt.generate(packet, opts);
  const theirs = comparable(mqttPacketParseOne(bytes, version));
  const what = () => shorten(`${JSON.stringify(toPlain(packet))} as ${bytes.toString('hex')}`);

  // Their bytes through our decoder.
  const ours = await bridge.decode(version, bytes);
  assert.equal(ours.ok, true, `we fail to decode ${what()}: ${ours.error}`);
  assert.equal(ours.incomplete, undefined, `we see only part of ${what()}`);
  assert.equal(ours.consumed, bytes.length, `we read ${ours.consumed} bytes of ${what()}`);
  assert.deepEqual(comparable(ours.packet), theirs, `we decode ${what()} differently`);

  // Our re-encoding of what we decoded, back through their parser.
  assert.equal(typeof ours.reencoded, 'string', `we cannot re-encode ${what()}: ${JSON.stringify(ours.reencoded)}`);
  const reencoded = Buffer.from(ours.reencoded, 'hex');
  assert.deepEqual(comparable(mqttPacketParseOne(reencoded, version)), theirs, `re-encoding of ${what()}`);

  // The same object through our encoder.
  const encoded = await bridge.encode(version, packet);
  assert.equal(encoded.ok, true, `we fail to encode ${what()}: ${encoded.error}`);
  const ourBytes = Buffer.from(encoded.hex, 'hex');
  assert.deepEqual(comparable(mqttPacketParseOne(ourBytes, version)), theirs, `our encoding of ${what()}`);
  assert.equal(encoded.hex, ours.reencoded, `encoding ${what()} from JSON and from bytes differ`);

  const identical = ourBytes.equals(bytes);
  if (version !== 5) {
    assert.ok(identical, `our bytes ${encoded.hex} differ from mqtt-packet's for ${what()}`);
  }
  return identical;
}

// ---- hand-picked packets: every type, every optional field, the edges ----

const allV5ConnectProps = {
  sessionExpiryInterval: 0xffffffff,
  receiveMaximum: 20,
  maximumPacketSize: 1 << 20,
  topicAliasMaximum: 10,
  requestResponseInformation: true,
  requestProblemInformation: false,
  userProperties: { lang: 'zh-CN', board: ['microbit', 'esp32'] },
  authenticationMethod: 'SCRAM-SHA-1',
  authenticationData: Buffer.from([1, 2, 3, 4]),
};
const willPropsV5 = {
  willDelayInterval: 30,
  payloadFormatIndicator: true,
  messageExpiryInterval: 3600,
  contentType: 'text/plain',
  responseTopic: 'reply/to/me',
  correlationData: Buffer.from('corr'),
  userProperties: { why: 'gone' },
};

/** Fixed cases for each version: {name: packet}. The v3.1 CONNECT differs; the rest is shared. */
function fixedCases(version) {
  const v5 = version === 5;
  const protocol = version === 3 ? { protocolId: 'MQIsdp', protocolVersion: 3 } : { protocolId: 'MQTT', protocolVersion: version };
  const props = (p) => (v5 ? { properties: p } : {});
  const cases = {
    'connect: minimal': { cmd: 'connect', ...protocol, clean: true, keepalive: 0, clientId: 'a' },
    'connect: everything': {
      cmd: 'connect',
      ...protocol,
      clean: false,
      keepalive: 65535,
      clientId: 'scratch-猫-1',
      will: {
        topic: 'status/猫',
        payload: Buffer.from('offline'),
        qos: 2,
        retain: true,
        ...props(willPropsV5),
      },
      username: 'guest',
      password: Buffer.from([0, 255, 1, 254]),
      ...props(allV5ConnectProps),
    },
    'connect: will QoS 1 with an empty payload, username only': {
      cmd: 'connect',
      ...protocol,
      clean: true,
      keepalive: 60,
      clientId: 'x',
      will: { topic: 'w', payload: Buffer.alloc(0), qos: 1, retain: false },
      username: '',
    },
    'connack: accepted': v5
      ? { cmd: 'connack', sessionPresent: false, reasonCode: 0 }
      : { cmd: 'connack', sessionPresent: false, returnCode: 0 },
    // MQTT 3.1 has no session present flag (its first CONNACK byte is "reserved, not used"), so
    // we read it as false there; mqtt-packet reads the bit in every version. Not compared for 3.1.
    ...(version === 3
      ? {}
      : {
          'connack: session present': v5
            ? { cmd: 'connack', sessionPresent: true, reasonCode: 0 }
            : { cmd: 'connack', sessionPresent: true, returnCode: 0 },
        }),
    'connack: refused': v5
      ? { cmd: 'connack', sessionPresent: false, reasonCode: 0x86, properties: { reasonString: 'bad password' } }
      : { cmd: 'connack', sessionPresent: false, returnCode: 5 },
    'publish: QoS 0, empty payload': { cmd: 'publish', topic: 'a/b', payload: Buffer.alloc(0), qos: 0, retain: false, dup: false },
    'publish: QoS 1 retained': { cmd: 'publish', topic: 'a', payload: Buffer.from('hi'), qos: 1, messageId: 1, retain: true, dup: false },
    'publish: QoS 2 DUP, id 65535': {
      cmd: 'publish',
      topic: '$SYS/猫/😀',
      payload: Buffer.from([0, 1, 2, 255]),
      qos: 2,
      messageId: 65535,
      retain: false,
      dup: true,
    },
    'publish: 200 bytes (2-byte remaining length)': { cmd: 'publish', topic: 't', payload: Buffer.alloc(200, 7), qos: 0 },
    'publish: 20000 bytes (3-byte remaining length)': { cmd: 'publish', topic: 't', payload: Buffer.alloc(20000, 0x5a), qos: 1, messageId: 9 },
    // The remaining length is read the same way in every version: one 2 MB packet is enough.
    ...(version === 4
      ? { 'publish: 2.1 MB (4-byte remaining length)': { cmd: 'publish', topic: 't', payload: Buffer.alloc(2_100_000, 0xa5), qos: 0 } }
      : {}),
    'puback': { cmd: 'puback', messageId: 1 },
    'pubrec': { cmd: 'pubrec', messageId: 0x1234 },
    'pubrel': { cmd: 'pubrel', messageId: 65535 },
    'pubcomp': { cmd: 'pubcomp', messageId: 7 },
    'subscribe: one filter': { cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'a/+/c', qos: 0 }] },
    'subscribe: several': {
      cmd: 'subscribe',
      messageId: 300,
      subscriptions: [
        { topic: '#', qos: 2 },
        { topic: 'sensors/+/温度', qos: 1 },
        { topic: '$share/group/x/#', qos: 0 },
      ],
    },
    'suback': { cmd: 'suback', messageId: 300, granted: [2, 1, 0, 0x80] },
    'unsubscribe': { cmd: 'unsubscribe', messageId: 2, unsubscriptions: ['a/+/c', '#', '温度'] },
    'unsuback': v5 ? { cmd: 'unsuback', messageId: 2, granted: [0] } : { cmd: 'unsuback', messageId: 2 },
    'pingreq': { cmd: 'pingreq' },
    'pingresp': { cmd: 'pingresp' },
    'disconnect': v5 ? { cmd: 'disconnect', reasonCode: 0 } : { cmd: 'disconnect' },
  };
  if (!v5) return cases;

  Object.assign(cases, {
    'connect: MQTT 5 without properties': { cmd: 'connect', ...protocol, clean: true, keepalive: 10, clientId: '' },
    'connack: every CONNACK property': {
      cmd: 'connack',
      sessionPresent: false,
      reasonCode: 0,
      properties: {
        sessionExpiryInterval: 120,
        receiveMaximum: 100,
        maximumQoS: 1,
        retainAvailable: false,
        maximumPacketSize: 65536,
        assignedClientIdentifier: 'auto-1234',
        topicAliasMaximum: 16,
        reasonString: 'welcome',
        userProperties: { region: 'cn', tier: ['free', 'guest'] },
        wildcardSubscriptionAvailable: true,
        subscriptionIdentifiersAvailable: true,
        sharedSubscriptionAvailable: false,
        serverKeepAlive: 30,
        responseInformation: 'resp/',
        serverReference: 'other.example:1883',
        authenticationMethod: 'SCRAM-SHA-1',
        authenticationData: Buffer.from('server-first'),
      },
    },
    'connack: connection rate exceeded': { cmd: 'connack', sessionPresent: false, reasonCode: 0x9f },
    'publish: every PUBLISH property': {
      cmd: 'publish',
      topic: 'data/json',
      payload: Buffer.from('{"t":21.5}'),
      qos: 1,
      messageId: 42,
      properties: {
        payloadFormatIndicator: true,
        messageExpiryInterval: 60,
        topicAlias: 3,
        responseTopic: 'data/reply',
        correlationData: Buffer.from([9, 8, 7]),
        userProperties: { a: '1', b: ['2', '3'], 空: '' },
        subscriptionIdentifier: [1, 268435455, 300],
        contentType: 'application/json',
      },
    },
    'publish: topic alias with an empty topic': {
      cmd: 'publish',
      topic: '',
      payload: Buffer.from('x'),
      qos: 0,
      properties: { topicAlias: 65535 },
    },
    'publish: one subscription identifier': {
      cmd: 'publish',
      topic: 'x',
      payload: Buffer.from('y'),
      qos: 0,
      properties: { subscriptionIdentifier: 16384 },
    },
    'puback: reason code only': { cmd: 'puback', messageId: 5, reasonCode: 0x10 },
    'puback: failure with reason string and user properties': {
      cmd: 'puback',
      messageId: 5,
      reasonCode: 0x97,
      properties: { reasonString: 'quota', userProperties: { k: 'v' } },
    },
    'puback: success with empty properties': { cmd: 'puback', messageId: 6, reasonCode: 0, properties: {} },
    'pubrec: failure': { cmd: 'pubrec', messageId: 1, reasonCode: 0x80 },
    'pubrel: packet id not found': { cmd: 'pubrel', messageId: 1, reasonCode: 0x92, properties: { reasonString: '?' } },
    'pubcomp: with user property': { cmd: 'pubcomp', messageId: 1, reasonCode: 0, properties: { userProperties: { x: 'y' } } },
    'subscribe: MQTT 5 options and identifier': {
      cmd: 'subscribe',
      messageId: 10,
      properties: { subscriptionIdentifier: 268435455, userProperties: { who: 'scratch' } },
      subscriptions: [
        { topic: 'a', qos: 2, nl: true, rap: true, rh: 2 },
        { topic: 'b/#', qos: 1, nl: false, rap: true, rh: 1 },
        { topic: 'c', qos: 0, nl: true, rap: false, rh: 0 },
      ],
    },
    'suback: MQTT 5 failure codes': {
      cmd: 'suback',
      messageId: 10,
      granted: [0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8f, 0x91, 0x97, 0x9e, 0xa1, 0xa2],
      properties: { reasonString: 'mixed', userProperties: { n: '12' } },
    },
    'unsubscribe: with user properties': {
      cmd: 'unsubscribe',
      messageId: 11,
      unsubscriptions: ['a', 'b/#'],
      properties: { userProperties: { x: ['1', '2'] } },
    },
    'unsuback: MQTT 5 codes': {
      cmd: 'unsuback',
      messageId: 11,
      granted: [0x00, 0x11, 0x80, 0x83, 0x87, 0x8f, 0x91],
      properties: { reasonString: 'done' },
    },
    'disconnect: every DISCONNECT property': {
      cmd: 'disconnect',
      reasonCode: 0x9c,
      properties: {
        sessionExpiryInterval: 0,
        reasonString: 'moving',
        userProperties: { why: 'maintenance' },
        serverReference: 'backup.example',
      },
    },
    'disconnect: with will message': { cmd: 'disconnect', reasonCode: 0x04 },
    'auth: continue': {
      cmd: 'auth',
      reasonCode: 0x18,
      properties: { authenticationMethod: 'SCRAM-SHA-1', authenticationData: Buffer.from('client-final') },
    },
    'auth: re-authenticate with everything': {
      cmd: 'auth',
      reasonCode: 0x19,
      properties: {
        authenticationMethod: 'X',
        authenticationData: Buffer.alloc(0),
        reasonString: 'again',
        userProperties: { a: 'b' },
      },
    },
  });
  return cases;
}

// ---- seeded random packets ----

function rng(seed) {
  // mulberry32
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Characters from 1-, 2-, 3- and 4-byte UTF-8, no U+0000 and no lone surrogates.
const ALPHABET = ['a', 'Z', '0', '-', '_', ' ', '$', 'é', 'ß', '猫', '温', '😀', '𝄞', '\u{7f}', '\u{fffd}'];
const CONNACK_V5_CODES = [0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8c, 0x90, 0x95, 0x97, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9f];
const PUBACK_V5_CODES = [0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99];
const PUBREL_V5_CODES = [0x00, 0x92];
const SUBACK_V5_CODES = [0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8f, 0x91, 0x97, 0x9e, 0xa1, 0xa2];
const UNSUBACK_V5_CODES = [0x00, 0x11, 0x80, 0x83, 0x87, 0x8f, 0x91];
const DISCONNECT_V5_CODES = [0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8b, 0x8d, 0x8e, 0x8f, 0x90, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9e, 0x9f, 0xa0, 0xa1, 0xa2];
const AUTH_V5_CODES = [0x00, 0x18, 0x19];

function randomPackets(version, seed) {
  const r = rng(seed);
  const int = (lo, hi) => lo + Math.floor(r() * (hi - lo + 1));
  const pick = (list) => list[int(0, list.length - 1)];
  const chance = (p) => r() < p;
  const str = (min, max) => Array.from({ length: int(min, max) }, () => pick(ALPHABET)).join('');
  const ascii = (min, max) => Array.from({ length: int(min, max) }, () => String.fromCharCode(int(0x21, 0x7e))).join('');
  const bytes = (max) => Buffer.from(Array.from({ length: int(0, max) }, () => int(0, 255)));
  const level = () => str(1, 6).replaceAll('/', '');
  const topicName = () => Array.from({ length: int(1, 4) }, level).join('/');
  const topicFilter = () => {
    const levels = Array.from({ length: int(1, 4) }, () => (chance(0.2) ? '+' : level()));
    if (chance(0.2)) levels.push('#');
    const filter = levels.join('/');
    return chance(0.1) ? `$share/${level()}/${filter}` : filter;
  };
  const packetId = () => (chance(0.1) ? pick([1, 65535]) : int(1, 65535));
  const qos = () => int(0, 2);
  const u32 = () => (chance(0.2) ? pick([0, 0xffffffff]) : int(0, 0xffffffff));
  const u16 = (min = 0) => (chance(0.2) ? pick([min, 0xffff]) : int(min, 0xffff));
  const varint = () => pick([1, 127, 128, 16383, 16384, 2097151, 2097152, 268435455, int(1, 268435455)]);

  const userProperties = () => {
    const out = {};
    for (let i = int(1, 4); i > 0; i--) {
      const name = str(0, 5);
      const value = str(0, 8);
      // mqtt-packet's parser tests the first value of a name for truthiness before appending
      // a second one, so a repeated name whose first value is '' loses that value (it reads
      // [a: '', a: 'x'] as {a: 'x'}). We keep both; such pairs are not generated.
      if (!(name in out)) out[name] = value;
      else if ([].concat(out[name])[0] !== '') out[name] = [].concat(out[name], value);
    }
    return out;
  };
  // Each name maps to a value maker; a random subset is used.
  const some = (makers) => {
    const out = {};
    for (const [name, make] of Object.entries(makers)) if (chance(0.4)) out[name] = make();
    return out;
  };
  const v5 = version === 5;
  const withProps = (packet, makers) => {
    if (v5 && chance(0.8)) {
      packet.properties = some(makers);
      // Authentication data without a method is a protocol error (MQTT 5 section 3.1.2.11.10).
      if ('authenticationData' in packet.properties && !('authenticationMethod' in packet.properties)) {
        packet.properties.authenticationMethod = str(1, 10);
      }
    }
    return packet;
  };
  const ackProps = { reasonString: () => str(0, 10), userProperties };

  const makers = {
    connect: () => {
      const protocol = version === 3 ? { protocolId: 'MQIsdp', protocolVersion: 3 } : { protocolId: 'MQTT', protocolVersion: version };
      // 3.1 allows 1 to 23 characters; keep those ASCII so that bytes and characters agree.
      const clientId = version === 3 ? ascii(1, 23) : chance(0.8) ? str(1, 23) : '';
      const packet = { cmd: 'connect', ...protocol, clean: clientId === '' || chance(0.5), keepalive: u16(), clientId };
      if (chance(0.5)) {
        packet.will = { topic: topicName(), payload: bytes(20), qos: qos(), retain: chance(0.5) };
        if (v5 && chance(0.7)) {
          packet.will.properties = some({
            willDelayInterval: u32,
            payloadFormatIndicator: () => chance(0.5),
            messageExpiryInterval: u32,
            contentType: () => str(0, 10),
            responseTopic: topicName,
            correlationData: () => bytes(10),
            userProperties,
          });
        }
      }
      if (chance(0.5)) {
        packet.username = str(0, 10);
        if (chance(0.5)) packet.password = bytes(12);
      }
      return withProps(packet, {
        sessionExpiryInterval: u32,
        receiveMaximum: () => u16(1),
        maximumPacketSize: () => int(1, 0xffffffff),
        topicAliasMaximum: u16,
        requestResponseInformation: () => chance(0.5),
        requestProblemInformation: () => chance(0.5),
        userProperties,
        authenticationMethod: () => str(1, 10),
        authenticationData: () => bytes(10),
      });
    },
    connack: () => {
      // Session present is 0 whenever the connection is refused (MQTT-3.2.2-4, MQTT-3.2.2-6).
      const code = v5 ? pick(CONNACK_V5_CODES) : int(0, 5);
      // 3.1 has no session present flag (see the fixed cases).
      const sessionPresent = code === 0 && version !== 3 && chance(0.5);
      const packet = v5
        ? { cmd: 'connack', sessionPresent, reasonCode: code }
        : { cmd: 'connack', sessionPresent, returnCode: code };
      return withProps(packet, {
        sessionExpiryInterval: u32,
        receiveMaximum: () => u16(1),
        maximumQoS: () => int(0, 1),
        retainAvailable: () => chance(0.5),
        maximumPacketSize: () => int(1, 0xffffffff),
        assignedClientIdentifier: () => str(1, 20),
        topicAliasMaximum: u16,
        reasonString: () => str(0, 10),
        userProperties,
        wildcardSubscriptionAvailable: () => chance(0.5),
        subscriptionIdentifiersAvailable: () => chance(0.5),
        sharedSubscriptionAvailable: () => chance(0.5),
        serverKeepAlive: u16,
        responseInformation: () => str(0, 10),
        serverReference: () => str(0, 10),
        authenticationMethod: () => str(1, 10),
        authenticationData: () => bytes(10),
      });
    },
    publish: () => {
      const q = qos();
      const packet = { cmd: 'publish', topic: topicName(), payload: bytes(chance(0.1) ? 400 : 30), qos: q, retain: chance(0.5), dup: q > 0 && chance(0.3) };
      if (q > 0) packet.messageId = packetId();
      return withProps(packet, {
        payloadFormatIndicator: () => chance(0.5),
        messageExpiryInterval: u32,
        topicAlias: () => u16(1),
        responseTopic: topicName,
        correlationData: () => bytes(10),
        userProperties,
        subscriptionIdentifier: () => (chance(0.5) ? varint() : Array.from({ length: int(2, 4) }, varint)),
        contentType: () => str(0, 10),
      });
    },
    ...Object.fromEntries(
      ['puback', 'pubrec', 'pubrel', 'pubcomp'].map((cmd) => [
        cmd,
        () => {
          const packet = { cmd, messageId: packetId() };
          if (v5) {
            packet.reasonCode = pick(cmd === 'puback' || cmd === 'pubrec' ? PUBACK_V5_CODES : PUBREL_V5_CODES);
          }
          return withProps(packet, ackProps);
        },
      ]),
    ),
    subscribe: () => {
      const subscriptions = Array.from({ length: int(1, 4) }, () => {
        const sub = { topic: topicFilter(), qos: qos() };
        // No Local on a shared subscription is a protocol error (MQTT-3.8.3-4).
        const shared = sub.topic.startsWith('$share/');
        if (v5) Object.assign(sub, { nl: !shared && chance(0.5), rap: chance(0.5), rh: int(0, 2) });
        return sub;
      });
      return withProps({ cmd: 'subscribe', messageId: packetId(), subscriptions }, {
        subscriptionIdentifier: varint,
        userProperties,
      });
    },
    suback: () => {
      const granted = Array.from({ length: int(1, 5) }, () => (v5 ? pick(SUBACK_V5_CODES) : pick([0, 1, 2, 0x80])));
      return withProps({ cmd: 'suback', messageId: packetId(), granted }, ackProps);
    },
    unsubscribe: () => {
      const unsubscriptions = Array.from({ length: int(1, 4) }, topicFilter);
      return withProps({ cmd: 'unsubscribe', messageId: packetId(), unsubscriptions }, { userProperties });
    },
    unsuback: () => {
      const packet = { cmd: 'unsuback', messageId: packetId() };
      if (v5) packet.granted = Array.from({ length: int(1, 5) }, () => pick(UNSUBACK_V5_CODES));
      return withProps(packet, ackProps);
    },
    pingreq: () => ({ cmd: 'pingreq' }),
    pingresp: () => ({ cmd: 'pingresp' }),
    disconnect: () =>
      v5
        ? withProps({ cmd: 'disconnect', reasonCode: pick(DISCONNECT_V5_CODES) }, {
            sessionExpiryInterval: u32,
            reasonString: () => str(0, 10),
            userProperties,
            serverReference: () => str(0, 10),
          })
        : { cmd: 'disconnect' },
  };
  if (v5) {
    // mqtt-packet's parser reads a reason code even when AUTH's remaining length is 0 (which the
    // spec allows for "success, no properties"), so random AUTH packets always carry properties.
    makers.auth = () => ({
      cmd: 'auth',
      reasonCode: pick(AUTH_V5_CODES),
      properties: { authenticationMethod: str(1, 10), ...some({ authenticationData: () => bytes(10), reasonString: () => str(0, 10), userProperties }) },
    });
  }
  return makers;
}

// ---- the tests ----

const VERSIONS = [
  [3, 'MQTT 3.1'],
  [4, 'MQTT 3.1.1'],
  [5, 'MQTT 5.0'],
];

for (const [version, name] of VERSIONS) {
  describe(`${name}: mqtt-packet and our codec agree`, () => {
    for (const [caseName, packet] of Object.entries(fixedCases(version))) {
      test(caseName, async () => {
        await roundTrip(version, packet);
      });
    }

    const makers = randomPackets(version, SEED + version);
    for (const cmd of Object.keys(makers)) {
      test(`${cmd}: ${RANDOM_PER_TYPE} random packets (seed ${SEED})`, async (t) => {
        let identical = 0;
        const results = [];
        for (let i = 0; i < RANDOM_PER_TYPE; i++) results.push(roundTrip(version, makers[cmd]()));
        for (const result of await Promise.all(results)) identical += result ? 1 : 0;
        t.diagnostic(`${identical}/${RANDOM_PER_TYPE} byte-identical to mqtt-packet's encoding`);
      });
    }
  });
}

// ---- malformed input ----
// [name, version, hex, our error, does mqtt-packet reject it too]. Where mqtt-packet accepts,
// the comment says which rule it does not check: a quirk of mqtt-packet, recorded here so that a
// change on its side shows up.

const MALFORMED = [
  ['PUBLISH with QoS bits 11', 4, '36 05 0001 61 0001', 'InvalidQos', true],
  ['PUBREL with flags 0000', 4, '60 02 0001', 'InvalidHeaderFlags', true],
  ['SUBSCRIBE with flags 0000', 4, '80 06 0001 0001 61 00', 'InvalidHeaderFlags', true],
  ['UNSUBSCRIBE with flags 0000', 4, 'a0 05 0001 0001 61', 'InvalidHeaderFlags', true],
  ['PINGREQ with flags 0001', 4, 'c1 00', 'InvalidHeaderFlags', true],
  ['remaining length of 5 bytes', 4, '30 ff ff ff ff 01', 'RemainingLengthTooLong', true],
  ['packet type 0', 4, '00 00', 'InvalidPacketType', true],
  ['AUTH before MQTT 5', 4, 'f0 00', 'InvalidPacketType', true],
  ['CONNECT reserved flag set', 4, '10 0d 0004 4d515454 04 03 0000 0001 61', 'InvalidConnectFlags', true],
  ['CONNECT will QoS without will flag', 4, '10 0d 0004 4d515454 04 0a 0000 0001 61', 'InvalidConnectFlags', true],
  ['CONNECT protocol name "MQTX"', 4, '10 0d 0004 4d515458 04 02 0000 0001 61', 'InvalidProtocolName', true],
  ['CONNECT protocol level 6', 4, '10 0d 0004 4d515454 06 02 0000 0001 61', 'UnsupportedProtocolLevel', true],
  ['CONNACK reserved flag bits', 4, '20 02 02 00', 'InvalidConnAckFlags', true],
  ['SUBSCRIBE options with reserved bits (3.1.1)', 4, '82 06 0001 0001 61 04', 'InvalidSubscriptionOptions', true],
  ['SUBSCRIBE retain handling 3', 5, '82 07 0001 00 0001 61 30', 'InvalidSubscriptionOptions', true],
  ['SUBSCRIBE requested QoS 3', 4, '82 06 0001 0001 61 03', 'InvalidQos', true],
  ['unknown property 0x7f', 5, '40 06 0001 00 02 7f00', 'UnknownProperty', true],

  // mqtt-packet does not check DUP=0 on QoS 0 (MQTT-3.3.1-2).
  ['PUBLISH QoS 0 with DUP', 4, '38 03 0001 61', 'DupOnQos0', false],
  // mqtt-packet turns a repeated single-valued property into an array (MQTT 5 section 2.2.2.2).
  ['duplicate topic alias', 5, '30 0b 0001 61 06 2300 01 2300 02 78', 'DuplicateProperty', false],
  // mqtt-packet decodes ill-formed UTF-8 with U+FFFD replacements (MQTT-1.5.4-1).
  ['topic with ill-formed UTF-8', 4, '30 05 0002 c328 78', 'InvalidUtf8', false],
  ['topic with an encoded surrogate', 4, '30 06 0003 eda080 78', 'InvalidUtf8', false],
  // mqtt-packet does not look for U+0000 (MQTT-1.5.4-2).
  ['topic with U+0000', 4, '30 05 0002 6100 78', 'NullCharacter', false],
  // mqtt-packet accepts a non-minimal remaining length (MQTT 5 section 1.5.5).
  ['MQTT 5 remaining length 0 in two bytes', 5, 'c0 80 00', 'NonMinimalVarInt', false],
  // mqtt-packet does not check for packet identifier 0 (MQTT-2.3.1-1).
  ['PUBACK with packet identifier 0', 4, '40 02 0000', 'ZeroPacketId', false],
  ['QoS 1 PUBLISH with packet identifier 0', 4, '32 05 0001 61 0000', 'ZeroPacketId', false],
  // mqtt-packet accepts a SUBSCRIBE with no topic filter (MQTT-3.8.3-3).
  ['SUBSCRIBE without a topic filter', 4, '82 02 0001', 'NoTopicFilters', false],
  ['UNSUBSCRIBE without a topic filter', 4, 'a2 02 0001', 'NoTopicFilters', false],
  // mqtt-packet does not check which packet may carry which property (MQTT 5 section 2.2.2.2).
  ['PUBACK with a topic alias property', 5, '40 07 0001 00 03 230001', 'PropertyNotAllowed', false],
  // mqtt-packet does not check property values: topic alias 0 (MQTT-3.3.2-8), a byte
  // property other than 0 or 1, a subscription identifier of 0 (MQTT 5 section 3.3.2.3.8).
  ['topic alias 0', 5, '30 07 0001 61 03 230000', 'InvalidPropertyValue', false],
  ['payload format indicator 2', 5, '30 06 0001 61 02 0102', 'InvalidPropertyValue', false],
  ['subscription identifier 0', 5, '30 06 0001 61 02 0b00', 'InvalidPropertyValue', false],
  // mqtt-packet accepts wildcards in a PUBLISH topic name (MQTT-3.3.2-2).
  ['PUBLISH topic with a wildcard', 4, '30 05 0003 612f23', 'InvalidTopicName', false],
  // mqtt-packet ignores bytes left after a 3.1.1 PUBACK's packet identifier (MQTT 3.1.1 3.4.1).
  ['3.1.1 PUBACK with a trailing byte', 4, '40 03 0001 00', 'TrailingBytes', false],
];

describe('malformed packets: we reject each with the error that names the rule', () => {
  for (const [name, version, spacedHex, ourError, theyReject] of MALFORMED) {
    test(name, async () => {
      const bytes = Buffer.from(spacedHex.replaceAll(' ', ''), 'hex');
      const ours = await bridge.decode(version, bytes);
      assert.equal(ours.ok, false, `we accept ${spacedHex}: ${JSON.stringify(ours)}`);
      assert.equal(ours.error.replace(/[ ({].*$/, ''), ourError, `${spacedHex}: ${ours.message}`);
      const theirs = mqttPacketParse(bytes, version);
      const rejected = theirs.errors.length > 0 || theirs.packets.length === 0;
      assert.equal(rejected, theyReject, `mqtt-packet ${rejected ? 'rejects' : 'accepts'} ${spacedHex} now`);
    });
  }
});

describe('a stream split anywhere decodes to the same packets', () => {
  test('every split point of three back-to-back packets', async () => {
    const packets = [
      { cmd: 'publish', topic: 'a/b', payload: Buffer.from('hello'), qos: 1, messageId: 7 },
      { cmd: 'pingresp' },
      { cmd: 'suback', messageId: 7, granted: [1] },
    ];
    const stream = Buffer.concat(packets.map((p) => mqtt.generate(p)));
    const expected = packets.map((p) => comparable(mqttPacketParseOne(mqtt.generate(p), 4)));
    for (let split = 0; split <= stream.length; split++) {
      const got = [];
      let buffer = Buffer.alloc(0);
      for (const chunk of [stream.subarray(0, split), stream.subarray(split)]) {
        buffer = Buffer.concat([buffer, chunk]);
        for (;;) {
          const answer = await bridge.decode(4, buffer);
          assert.equal(answer.ok, true, `split ${split}: ${answer.error}`);
          if (answer.incomplete) break;
          got.push(comparable(answer.packet));
          buffer = buffer.subarray(answer.consumed);
        }
      }
      assert.deepEqual(got, expected, `split at ${split}`);
      assert.equal(buffer.length, 0);
    }
  });
});

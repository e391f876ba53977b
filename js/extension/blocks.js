// The blocks classes: `mqtt` (ours) and `iot` (CodeLab's old IoT blocks, same opcodes and argument
// ids, backed by the same engine). They only cast arguments and call the engine; every block
// catches what could go wrong, so nothing ever throws into the VM.
//
// Block ids, opcodes, argument ids and block types are frozen: projects store them.

import { MqttEngine } from './engine.js';
import { jsonGet, toText } from './casts.js';
import { translate } from './i18n.js';
import { BLOCK_ICON, menuIcon } from './icons.js';

export const DEFAULT_URL = 'wss://mqtt.longan.link:8084/mqtt';
const MQTT_COLOR = '#5C6BC0';
const IOT_COLOR = '#0FBD8C';
export const IOT_DEFAULT_URL = 'wss://guest:test@mqtt.longan.link:8084/mqtt';

// scratch-vm's ArgumentType / BlockType values (the same strings in every Scratch 3 editor).
const T = { string: 'string', command: 'command', reporter: 'reporter', boolean: 'Boolean', hat: 'hat' };

function safe(fn, fallback) {
  try {
    const result = fn();
    if (result && typeof result.then === 'function') {
      return result.then(
        (value) => value ?? fallback,
        (error) => {
          console.error('scratch-mqtt: a block failed', error);
          return fallback;
        },
      );
    }
    return result ?? fallback;
  } catch (error) {
    console.error('scratch-mqtt: a block failed', error);
    return fallback;
  }
}

/**
 * @param {object} runtime  scratch-vm Runtime
 * @param {object} options  { client: {load, MqttClient, filterMatcher, filterProblem, topicProblem}, getLocale, canConnect }
 */
function engineFor(runtime, options) {
  const engine = MqttEngine.of(runtime, options);
  engine.addHat('mqtt_whenMessage', 'TOPIC');
  engine.addHat('iot_whenMessage', 'topic');
  return engine;
}

export class MqttBlocks {
  constructor(runtime, options = {}) {
    this.runtime = runtime;
    this.engine = engineFor(runtime, options);
    this.polled = Boolean(options.polled);
    this.docsURI = options.docsURI || null;
  }

  t(key) {
    return this.engine.t(key);
  }

  getInfo() {
    const t = (key) => this.t(key);
    const arg = (defaultValue) => ({ type: T.string, defaultValue });
    const menuArg = (menu, defaultValue) => ({ type: T.string, menu, defaultValue });
    return {
      id: 'mqtt',
      name: t('mqtt.name'),
      color1: MQTT_COLOR,
      color2: '#4B59AD',
      color3: '#3C4894',
      ...(this.docsURI ? { docsURI: this.docsURI } : {}),
      blockIconURI: BLOCK_ICON,
      menuIconURI: menuIcon(MQTT_COLOR),
      blocks: [
        {
          opcode: 'connect',
          blockType: T.command,
          text: t('mqtt.connect'),
          arguments: { URL: arg(DEFAULT_URL), USER: arg('guest'), PASS: arg('test') },
        },
        { opcode: 'disconnect', blockType: T.command, text: t('mqtt.disconnect') },
        { opcode: 'isConnected', blockType: T.boolean, text: t('mqtt.isConnected') },
        { opcode: 'status', blockType: T.reporter, text: t('mqtt.status') },
        '---',
        {
          opcode: 'subscribe',
          blockType: T.command,
          text: t('mqtt.subscribe'),
          arguments: { TOPIC: arg('scratch'), QOS: menuArg('qos', '0') },
        },
        { opcode: 'unsubscribe', blockType: T.command, text: t('mqtt.unsubscribe'), arguments: { TOPIC: arg('scratch') } },
        '---',
        {
          opcode: 'publish',
          blockType: T.command,
          text: t('mqtt.publish'),
          arguments: { PAYLOAD: arg('Hello!'), TOPIC: arg('microblocks') },
        },
        {
          opcode: 'publishWith',
          blockType: T.command,
          text: t('mqtt.publishWith'),
          arguments: {
            PAYLOAD: arg('Hello!'),
            TOPIC: arg('microblocks'),
            QOS: menuArg('qos', '1'),
            RETAIN: menuArg('retain', 'false'),
          },
        },
        '---',
        {
          opcode: 'whenMessage',
          blockType: T.hat,
          isEdgeActivated: this.polled,
          shouldRestartExistingThreads: false,
          text: t('mqtt.whenMessage'),
          arguments: { TOPIC: arg('scratch') },
        },
        { opcode: 'message', blockType: T.reporter, text: t('mqtt.message') },
        { opcode: 'messageTopic', blockType: T.reporter, text: t('mqtt.messageTopic') },
        {
          opcode: 'jsonGet',
          blockType: T.reporter,
          text: t('mqtt.jsonGet'),
          arguments: { PATH: arg('temperature'), JSON: arg('{"temperature": 21.5}') },
        },
      ],
      menus: {
        qos: {
          acceptReporters: true,
          items: [
            { text: t('mqtt.qos0'), value: '0' },
            { text: t('mqtt.qos1'), value: '1' },
            { text: t('mqtt.qos2'), value: '2' },
          ],
        },
        retain: {
          acceptReporters: true,
          items: [
            { text: t('mqtt.retainNo'), value: 'false' },
            { text: t('mqtt.retainYes'), value: 'true' },
          ],
        },
      },
    };
  }

  connect(args) {
    return safe(() => this.engine.connect(args?.URL, args?.USER, args?.PASS));
  }

  disconnect() {
    return safe(() => this.engine.disconnect());
  }

  isConnected() {
    return safe(() => this.engine.connected, false);
  }

  status() {
    return safe(() => this.engine.statusText(), '');
  }

  subscribe(args) {
    return safe(() => this.engine.subscribe(args?.TOPIC, args?.QOS));
  }

  unsubscribe(args) {
    return safe(() => this.engine.unsubscribe(args?.TOPIC));
  }

  publish(args) {
    return safe(() => this.engine.publish(args?.PAYLOAD, args?.TOPIC, 0, false));
  }

  publishWith(args) {
    return safe(() => this.engine.publish(args?.PAYLOAD, args?.TOPIC, args?.QOS, args?.RETAIN));
  }

  whenMessage(args, util) {
    return safe(() => this.engine.hatPredicate('mqtt_whenMessage', args?.TOPIC, util, this.polled), false);
  }

  message(args, util) {
    return safe(() => this.engine.messageFor(util)?.payload ?? '', '');
  }

  messageTopic(args, util) {
    return safe(() => this.engine.messageFor(util)?.topic ?? '', '');
  }

  jsonGet(args) {
    return safe(() => jsonGet(args?.PATH, args?.JSON), '');
  }
}

/** CodeLab's "IoT" extension (CodeLabClub/scratch3_iot), same id, opcodes and argument ids. */
export class IotBlocks {
  constructor(runtime, options = {}) {
    this.runtime = runtime;
    this.engine = engineFor(runtime, options);
    this.polled = Boolean(options.polled);
  }

  getInfo() {
    const t = (key) => this.engine.t(key);
    const arg = (defaultValue) => ({ type: T.string, defaultValue });
    return {
      id: 'iot',
      name: t('iot.name'),
      color1: IOT_COLOR,
      color2: '#0DA57A',
      color3: '#0B8E69',
      blockIconURI: BLOCK_ICON,
      menuIconURI: menuIcon(IOT_COLOR),
      blocks: [
        {
          opcode: 'connect_to_mqtt',
          blockType: T.command,
          text: t('iot.connect_to_mqtt'),
          arguments: { mqtt_uri: arg(IOT_DEFAULT_URL) },
        },
        { opcode: 'mqtt_is_connected', blockType: T.boolean, text: t('iot.mqtt_is_connected') },
        { opcode: 'subTopic', blockType: T.command, text: t('iot.subTopic'), arguments: { topic: arg('/scratch3_sub') } },
        {
          opcode: 'whenMessage',
          blockType: T.hat,
          isEdgeActivated: this.polled,
          shouldRestartExistingThreads: false,
          text: t('iot.whenMessage'),
          arguments: { topic: arg('/scratch3_sub') },
        },
        { opcode: 'getComingMessage', blockType: T.reporter, text: t('iot.getComingMessage') },
        {
          opcode: 'pubMessage',
          blockType: T.command,
          text: t('iot.pubMessage'),
          arguments: { topic: arg('/scratch3_pub'), message: arg('hello') },
        },
      ],
    };
  }

  connect_to_mqtt(args) {
    // Credentials travel in the URL's userinfo (wss://user:pass@host…); the client reads them.
    return safe(() => this.engine.connect(args?.mqtt_uri, '', ''));
  }

  mqtt_is_connected() {
    return safe(() => this.engine.connected, false);
  }

  subTopic(args) {
    return safe(() => this.engine.subscribe(args?.topic, 0));
  }

  whenMessage(args, util) {
    return safe(() => this.engine.hatPredicate('iot_whenMessage', args?.topic, util, this.polled), false);
  }

  getComingMessage(args, util) {
    return safe(() => this.engine.messageFor(util)?.payload ?? '', '');
  }

  pubMessage(args) {
    return safe(() => this.engine.publish(args?.message, args?.topic, 0, false));
  }
}

/** The editor's locale: scratch-vm's `vm.getLocale()`, TurboWarp's `Scratch.translate`, the browser's. */
export function localeGetter(Scratch) {
  return () =>
    Scratch?.vm?.getLocale?.() ?? Scratch?.translate?.language ?? globalThis.navigator?.language ?? 'en';
}

export { translate, toText };

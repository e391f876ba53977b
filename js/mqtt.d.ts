// Types of the Scratch MQTT page API (js/mqtt.js). Shaped like MQTT.js where the two agree.

export type QoS = 0 | 1 | 2;

/** What a payload may be given as: text is sent as UTF-8. */
export type PayloadInput = string | Uint8Array | ArrayBuffer | ArrayBufferView;

/**
 * A received payload: the bytes, with `text()`/`toString()` decoding UTF-8. The messages of one
 * WebSocket frame share one buffer, so read the bytes through this view (or `payload.slice()` for
 * a copy of its own), never `payload.buffer` alone.
 */
export interface Payload extends Uint8Array {
  text(): string;
  /** UTF-8 text by default; `'hex'` and `'base64'` as Node's Buffer gives them. */
  toString(encoding?: 'utf8' | 'utf-8' | 'hex' | 'base64'): string;
}

/** MQTT 5 message properties, named as MQTT.js names them. */
export interface PublishProperties {
  payloadFormatIndicator?: boolean;
  messageExpiryInterval?: number;
  contentType?: string;
  responseTopic?: string;
  correlationData?: Uint8Array | string;
  /** A repeated name carries a list of values. */
  userProperties?: Record<string, string | string[]>;
}

export interface ReceivedProperties extends PublishProperties {
  topicAlias?: number;
  subscriptionIdentifier?: number[];
  reasonString?: string;
}

export interface Will {
  topic: string;
  payload?: string | Uint8Array;
  qos?: QoS;
  retain?: boolean;
  properties?: PublishProperties & { willDelayInterval?: number };
}

export interface ConnectOptions {
  /** Generated (`scratch-mqtt-…`) when empty; MQTT 5 lets the server assign one. */
  clientId?: string;
  /** Also taken from the URL's userinfo: `wss://guest:test@host:8084/mqtt`. */
  username?: string;
  password?: string | Uint8Array;
  /** Seconds between keepalive pings (default 60, 0 turns them off). */
  keepalive?: number;
  /** Clean session / clean start (default true). */
  clean?: boolean;
  /** 3 = MQTT 3.1, 4 = 3.1.1 (default), 5 = 5.0. */
  protocolVersion?: 3 | 4 | 5;
  will?: Will;
  /** Reconnect with exponential backoff and jitter (default on; delays in milliseconds). */
  reconnect?: boolean | {
    /** Milliseconds before the first retry (default 1000); each failed attempt doubles it, less up to 25 % jitter. */
    initialDelay?: number;
    /** The delay never grows beyond this (default 30000). */
    maxDelay?: number;
    /** A connection that stays up this long (ms, default 20000) starts the delays over. */
    stableAfter?: number;
  };
  /** MQTT.js's name for the first reconnect delay; 0 turns reconnecting off. */
  reconnectPeriod?: number;
  /**
   * `false`: when the very first attempt fails (the client never connected), the client ends
   * (`error`, `close`, `end`) instead of retrying. Default `true`; `connectAsync` uses `false`.
   */
  retryFirstAttempt?: boolean;
  /** Milliseconds to wait for CONNACK (default 30000). */
  connectTimeout?: number;
  /**
   * Milliseconds to wait for PINGRESP before the link counts as dead (default and maximum: half
   * the keepalive, so a dead link is noticed within 1.5 × keepalive).
   */
  pingTimeout?: number;
  /**
   * QoS 1/2 publishes sent and not yet acknowledged, at most. Default 20 for MQTT 3.1/3.1.1 (a
   * 3.1.1 broker that takes fewer drops the rest while acknowledging them; mosquitto takes 20);
   * in MQTT 5 the broker's Receive Maximum. More wait in order and go as acknowledgements return.
   */
  maxInflight?: number;
  /** Publishes and subscribes made while offline wait here, in order (default 256). */
  offlineQueueSize?: number;
  sessionExpiryInterval?: number;
  receiveMaximum?: number;
  maximumPacketSize?: number;
  topicAliasMaximum?: number;
  /** MQTT 5 CONNECT properties, MQTT.js style (the same keys as above are also accepted here). */
  properties?: {
    sessionExpiryInterval?: number;
    receiveMaximum?: number;
    maximumPacketSize?: number;
    topicAliasMaximum?: number;
    requestResponseInformation?: boolean;
    requestProblemInformation?: boolean;
    userProperties?: Record<string, string>;
  };
}

export interface SubscribeOptions {
  qos?: QoS;
  /** MQTT 5: no local. */
  nl?: boolean;
  /** MQTT 5: retain as published. */
  rap?: boolean;
  /** MQTT 5: retain handling (0 send, 1 send if new, 2 never). */
  rh?: 0 | 1 | 2;
}

export interface PublishOptions {
  qos?: QoS;
  retain?: boolean;
  properties?: PublishProperties;
}

export interface Granted {
  topic: string;
  /** 128 (0x80) when refused. */
  qos: number;
  reasonCode?: number;
}

export interface MessagePacket {
  cmd: 'publish';
  topic: string;
  payload: Payload;
  qos: QoS;
  retain: boolean;
  dup: boolean;
  properties?: ReceivedProperties;
}

/** The CONNACK, as MQTT.js gives it to `connect` listeners, with the client id in use. */
export interface ConnectDetails {
  cmd: 'connack';
  returnCode: 0;
  reasonCode: 0;
  sessionPresent: boolean;
  clientId: string;
  properties?: ReceivedProperties;
}

/**
 * Every failure: an `Error` named `MqttError` with a stable `code`, e.g. `ERR_BAD_URL`,
 * `ERR_MIXED_CONTENT`, `ERR_BAD_OPTIONS`, `ERR_NOT_AUTHORIZED`, `ERR_BAD_USER_NAME_OR_PASSWORD`
 * (each CONNACK refusal by its reason-code name), `ERR_UNREACHABLE`, `ERR_TOPIC_INVALID`,
 * `ERR_BAD_QOS`, `ERR_BAD_PAYLOAD`, `ERR_PACKET_TOO_LARGE`, `ERR_QUEUE_FULL`, `ERR_TIMEOUT`,
 * `ERR_CLOSED`.
 */
/**
 * The codes the client gives its own failures: `src/wasm/errors.rs` `ErrorCode`, and
 * `ERR_NOT_LOADED` (the library could not load). Kept equal by tests/build/types.test.mjs.
 */
export type OwnErrorCode =
  | 'ERR_BAD_URL'
  | 'ERR_MIXED_CONTENT'
  | 'ERR_BAD_OPTIONS'
  | 'ERR_BAD_INPUT'
  | 'ERR_BAD_PAYLOAD'
  | 'ERR_BAD_QOS'
  | 'ERR_CLOSED'
  | 'ERR_CONNECTION_CLOSED'
  | 'ERR_UNREACHABLE'
  | 'ERR_TIMEOUT'
  | 'ERR_PROTOCOL'
  | 'ERR_TOPIC_INVALID'
  | 'ERR_PACKET_TOO_LARGE'
  | 'ERR_QUEUE_FULL'
  | 'ERR_QOS_NOT_SUPPORTED'
  | 'ERR_RETAIN_NOT_SUPPORTED'
  | 'ERR_WILDCARD_NOT_SUPPORTED'
  | 'ERR_SHARED_SUBSCRIPTION_NOT_SUPPORTED'
  | 'ERR_SUBSCRIPTION_ID_NOT_SUPPORTED'
  | 'ERR_SUBSCRIBE_REFUSED'
  | 'ERR_NOT_LOADED';

/**
 * Every `MqttError.code`: one of ours, or a broker's refusal named after its reason code
 * (`ERR_NOT_AUTHORIZED`, `ERR_BAD_USER_NAME_OR_PASSWORD`, `ERR_UNSUPPORTED_PROTOCOL_VERSION`,
 * `ERR_SERVER_SHUTTING_DOWN`, …; `ERR_REASON_0xNN` for a code without a name).
 */
export type ErrorCode = OwnErrorCode | `ERR_${string}`;

export interface MqttError extends Error {
  name: 'MqttError';
  code: ErrorCode;
  /** For a refused subscribe: the whole answer, refused entries at qos 128. */
  granted?: Granted[];
}

export interface MqttClientEvents {
  connect: (details: ConnectDetails) => void;
  reconnect: (details: { attempt: number; delay: number }) => void;
  /** A connection closed: each lost link or failed attempt, and `end()` of a connected client. */
  close: () => void;
  /** The client went offline: once per outage, however many attempts fail before it is back. */
  offline: () => void;
  /** MQTT 5: the broker sent DISCONNECT (an `error` with its reason code and `close` follow). */
  disconnect: (packet: { cmd: 'disconnect'; reasonCode: number; properties?: { reasonString?: string } }) => void;
  error: (error: MqttError) => void;
  message: (topic: string, payload: Payload, packet: MessagePacket) => void;
  end: () => void;
  /** Each packet written to the broker (reported only while such a listener exists). */
  packetsend: (packet: Packet) => void;
  /** Each packet read from the broker, before the client acts on it. */
  packetreceive: (packet: Packet) => void;
}

/** A packet as `packetsend`/`packetreceive` give it, with MQTT.js's field names (never a password). */
export interface Packet {
  cmd: 'connect' | 'connack' | 'publish' | 'puback' | 'pubrec' | 'pubrel' | 'pubcomp' | 'subscribe' | 'suback' | 'unsubscribe' | 'unsuback' | 'pingreq' | 'pingresp' | 'disconnect' | 'auth';
  /** The fixed header's remaining length. */
  length: number;
  messageId?: number;
  /** connect */
  protocolVersion?: 3 | 4 | 5;
  clientId?: string;
  clean?: boolean;
  keepalive?: number;
  username?: string;
  /** connack */
  sessionPresent?: boolean;
  returnCode?: number;
  /** connack (MQTT 5), acks, disconnect, auth */
  reasonCode?: number;
  /** publish */
  topic?: string;
  payload?: Uint8Array;
  qos?: QoS;
  retain?: boolean;
  dup?: boolean;
  /** subscribe / suback / unsubscribe */
  subscriptions?: { topic: string; qos: QoS }[];
  granted?: number[];
  unsubscriptions?: string[];
}

/** `client.options`: what the client runs with, under MQTT.js's names (never the password). */
export interface EffectiveOptions {
  href?: string;
  protocolVersion?: 3 | 4 | 5;
  clientId?: string;
  clean?: boolean;
  keepalive?: number;
  username?: string;
  connectTimeout?: number;
  /** The first reconnect delay in milliseconds; 0 when reconnecting is off. */
  reconnectPeriod?: number;
  maxInflight?: number;
  offlineQueueSize?: number;
}

export class MqttClient {
  constructor(url: string, options?: ConnectOptions);
  readonly connected: boolean;
  /** True while a lost connection is being re-established (a retry is waiting or under way). */
  readonly reconnecting: boolean;
  /** True from `end()` until the client has ended. */
  readonly disconnecting: boolean;
  /** The options in effect, defaults filled in; `{}` until the library has loaded. */
  readonly options: EffectiveOptions;
  readonly clientId: string;
  start(): this;
  on<E extends keyof MqttClientEvents>(event: E, listener: MqttClientEvents[E]): this;
  once<E extends keyof MqttClientEvents>(event: E, listener: MqttClientEvents[E]): this;
  off<E extends keyof MqttClientEvents>(event: E, listener: MqttClientEvents[E]): this;
  addListener<E extends keyof MqttClientEvents>(event: E, listener: MqttClientEvents[E]): this;
  removeListener<E extends keyof MqttClientEvents>(event: E, listener: MqttClientEvents[E]): this;
  /** Every listener of `event`, or of every event. */
  removeAllListeners(event?: keyof MqttClientEvents): this;
  listenerCount(event: keyof MqttClientEvents): number;
  /** Resolves with the granted list; `filters` may also map each filter to its own options. */
  subscribe(filters: string | string[] | Record<string, SubscribeOptions>, options?: SubscribeOptions): Promise<Granted[]>;
  /** MQTT.js style: the callback gets (error) or (null, granted); returns the client. */
  subscribe(filters: string | string[] | Record<string, SubscribeOptions>, callback: Callback<Granted[]>): this;
  subscribe(filters: string | string[] | Record<string, SubscribeOptions>, options: SubscribeOptions, callback: Callback<Granted[]>): this;
  subscribeAsync(filters: string | string[] | Record<string, SubscribeOptions>, options?: SubscribeOptions): Promise<Granted[]>;
  unsubscribe(filters: string | string[]): Promise<void>;
  unsubscribe(filters: string | string[], callback: Callback<void>): this;
  unsubscribe(filters: string | string[], options: object, callback: Callback<void>): this;
  unsubscribeAsync(filters: string | string[]): Promise<void>;
  /** Settles when the message is handed over (QoS 0) or acknowledged (QoS 1: PUBACK, QoS 2: PUBCOMP). */
  publish(topic: string, payload: PayloadInput, options?: PublishOptions): Promise<void>;
  publish(topic: string, payload: PayloadInput, callback: Callback<void>): this;
  publish(topic: string, payload: PayloadInput, options: PublishOptions, callback: Callback<void>): this;
  publishAsync(topic: string, payload: PayloadInput, options?: PublishOptions): Promise<void>;
  /** Disconnects cleanly; operations still waiting reject with ERR_CLOSED. */
  end(force?: boolean): Promise<void>;
  end(callback: () => void): this;
  end(force: boolean, callback: () => void): this;
  end(force: boolean, options: object, callback: () => void): this;
  endAsync(): Promise<void>;
}

/** Called once: with the error, or with null and the result. */
export type Callback<T> = (error: MqttError | null, result?: T) => void;

/**
 * Loads the wasm once. Optional: a client made before the library has loaded loads it itself
 * (its operations wait; a bad URL or option then arrives as an `error` event instead of a throw).
 */
export function load(source?: string | URL | Response | BufferSource | WebAssembly.Module): Promise<unknown>;
/** MQTT.js's other way to name the broker: `ws` or `wss`, a host, a port, a path (default `/mqtt`). */
export interface BrokerAddress {
  protocol?: 'ws' | 'wss';
  host?: string;
  hostname?: string;
  port?: number;
  path?: string;
}
/** Creates a client and starts connecting; listen for `connect`, `error`, `message`… */
export function connect(url: string, options?: ConnectOptions): MqttClient;
export function connect(options: ConnectOptions & BrokerAddress): MqttClient;
/** Resolves with a connected client, or rejects with the first attempt's error (and ends the client). */
export function connectAsync(url: string, options?: ConnectOptions): Promise<MqttClient>;
export function connectAsync(options: ConnectOptions & BrokerAddress): Promise<MqttClient>;
/** The library's version. */
export function version(): string;
/** Whether a message on topic `name` matches `filter` (the client's own rule: +, #, $-topics, $share); false when either is invalid. */
export function topicMatches(filter: string, name: string): boolean;
/**
 * A function telling whether a received topic matches `filter`, the filter checked once by the
 * client's rules (one it refuses matches nothing): for matching many messages against the same
 * filters without a call into wasm per match. Needs the library loaded.
 */
export function filterMatcher(filter: string): (topic: string) => boolean;
/** Why `filter` is not a valid subscription filter, or undefined. */
export function filterProblem(filter: string): string | undefined;
/** Why `name` is not a valid topic to publish to, or undefined. */
export function topicProblem(name: string): string | undefined;

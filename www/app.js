// The demo console: a thin page over the library's public API (dist/scratch-mqtt.js), written as
// an example of using it. No framework and no build step.
//
// Everything a broker sends is shown with textContent, never parsed as HTML.

import { setupCheckPanel } from './check-panel.js';
import { STRINGS } from './i18n.js';

// Beside the page (npm start serves dist/ at /dist/, the hosted site copies it there): relative,
// so the page works from any path.
const LIBRARY_URL = './dist/scratch-mqtt.js';
const LOG_LIMIT = 500;
const PRESETS = {
  local: { url: 'ws://localhost:8083/', username: '', password: '' },
  codelab: { url: 'wss://mqtt.longan.link:8084/mqtt', username: 'guest', password: 'test' },
};

const params = new URLSearchParams(location.search);
let lang = pickLanguage();

function pickLanguage() {
  const wanted = params.get('lang') ?? localStorage.getItem('scratch-mqtt.lang') ?? navigator.language ?? 'en';
  return /^zh\b/i.test(wanted) ? 'zh-CN' : 'en';
}

/** The string for `key` in the current language, with {name} placeholders filled in. */
function t(key, vars = {}) {
  const text = STRINGS[lang][key] ?? STRINGS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ''));
}

function applyLanguage() {
  document.documentElement.lang = lang;
  document.title = `Scratch MQTT · ${t('subtitle')}`;
  // data-* attributes double as placeholders: <span data-i18n="log.bytes" data-n="3"> → "3 bytes".
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n, el.dataset);
  for (const el of document.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of document.querySelectorAll('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle);
  for (const el of document.querySelectorAll('[data-i18n-aria-label]')) el.setAttribute('aria-label', t(el.dataset.i18nAriaLabel));
  $('lang-toggle').dataset.lang = lang;
  renderStatus();
  renderSubscriptions();
  renderCount();
  checkPanel?.render();
  if (lastError) showError(lastError.titleKey, lastError.err);
}

// ---------------------------------------------------------------- page state

const $ = (id) => document.getElementById(id);
let lib = null;
let client = null;
let state = 'disconnected';
let lastError = null;
/** The "Check this broker" panel (check-panel.js); set up in start(). */
let checkPanel = null;
/** filter → { qos, granted: number|null (null while pending) } */
const subscriptions = new Map();

function setState(next) {
  state = next;
  renderStatus();
  const live = state === 'connected';
  const busy = state === 'connecting' || state === 'reconnecting' || state === 'offline';
  $('connect').disabled = !lib || live || busy;
  $('disconnect').disabled = !(live || busy);
  $('subscribe').disabled = !live;
  $('publish').disabled = !live;
  // A check runs with clients of its own, connected or not; it only needs the library.
  if (!checkPanel?.running) $('check').disabled = !lib;
  for (const id of ['preset', 'url', 'username', 'password', 'protocol', 'client-id']) $(id).disabled = live || busy;
}

function renderStatus() {
  const status = $('status');
  status.dataset.state = state;
  $('status-text').textContent = t(`state.${state}`);
}

// ---------------------------------------------------------------- errors

/** Shows an error in words: a known `code` gets its own sentence, anything else its message. */
function showError(titleKey, err) {
  lastError = { titleKey, err };
  const code = err?.code;
  const known = code && (STRINGS[lang][code] ?? STRINGS.en[code]);
  $('error-title').textContent = t(titleKey);
  // The library's own words where only it knows the detail (which topic rule was broken).
  $('error-detail').textContent = known ? t(code, { detail: err?.message ?? '' }) : String(err?.message ?? err);
  $('error').dataset.code = code ?? '';
  $('error').hidden = false;
  $('error').scrollIntoView({ block: 'nearest' });
}

function clearError() {
  lastError = null;
  $('error').hidden = true;
  $('error').dataset.code = '';
}

// ---------------------------------------------------------------- connection

function connectionOptions() {
  const options = {
    protocolVersion: Number($('protocol').value),
    clean: true,
    keepalive: 30,
    connectTimeout: 10000,
    reconnect: { initialDelay: 1000, maxDelay: 30000 },
  };
  const username = $('username').value;
  const password = $('password').value;
  const clientId = $('client-id').value.trim();
  if (username) options.username = username;
  if (password) options.password = password;
  if (clientId) options.clientId = clientId;
  return options;
}

function connect() {
  clearError();
  const url = $('url').value.trim();
  if (!url) return showError('err.connect', { message: t('err.url.empty') });
  let c;
  try {
    c = lib.connect(url, connectionOptions());
  } catch (err) {
    // Bad input (ERR_BAD_URL, ERR_MIXED_CONTENT) is reported before any socket opens.
    return showError('err.connect', err);
  }
  client = c;
  let everConnected = false;
  setState('connecting');

  // Listeners are attached before the first event can fire, so no message is missed.
  c.on('connect', () => {
    if (client !== c) return;
    everConnected = true;
    clearError();
    setState('connected');
    // The library resubscribes after a reconnect; mark what it reports as granted.
    for (const sub of subscriptions.values()) if (sub.granted === null) sub.granted = sub.qos;
    renderSubscriptions();
  });
  c.on('reconnect', () => client === c && setState('reconnecting'));
  c.on('offline', () => client === c && setState(everConnected ? 'reconnecting' : 'connecting'));
  c.on('error', (err) => {
    if (client !== c) return;
    if (!everConnected) {
      // A refused first login will not get better by retrying: stop and say why.
      showError('err.connect', err);
      client = null;
      c.end().catch(() => {});
      setState('disconnected');
    } else {
      showError('err.connection', err);
    }
  });
  c.on('close', () => {
    if (client !== c) return;
    if (state === 'connected') setState('reconnecting');
  });
  c.on('message', (topic, payload, packet) => {
    if (client === c) logMessage('in', topic, payload, packet?.qos ?? 0, Boolean(packet?.retain), Boolean(packet?.dup));
  });
}

async function disconnect() {
  const c = client;
  client = null;
  setState('disconnected');
  for (const sub of subscriptions.values()) sub.granted = null;
  subscriptions.clear();
  renderSubscriptions();
  if (c) await c.end().catch(() => {});
}

// ---------------------------------------------------------------- subscriptions

/** The granted QoS from whatever shape subscribe() resolves with (number, array, or objects). */
function grantedQos(granted) {
  const first = Array.isArray(granted) ? granted[0] : granted;
  const qos = typeof first === 'object' && first !== null ? first.qos : first;
  return typeof qos === 'number' ? qos : null;
}

async function subscribe() {
  const filter = $('sub-topic').value;
  const qos = Number($('sub-qos').value);
  if (!client || !filter) return;
  const c = client;
  subscriptions.set(filter, { qos, granted: null });
  renderSubscriptions();
  try {
    const granted = grantedQos(await c.subscribe(filter, { qos }));
    if (client !== c) return;
    clearError();
    subscriptions.set(filter, { qos, granted: granted ?? qos });
  } catch (err) {
    subscriptions.delete(filter);
    showError('err.subscribe', err);
  }
  renderSubscriptions();
}

async function unsubscribe(filter) {
  const c = client;
  subscriptions.delete(filter);
  renderSubscriptions();
  if (!c) return;
  try {
    await c.unsubscribe(filter);
  } catch (err) {
    showError('err.unsubscribe', err);
  }
}

function renderSubscriptions() {
  const list = $('sub-list');
  list.replaceChildren();
  for (const [filter, sub] of subscriptions) {
    const li = document.createElement('li');
    li.dataset.testid = 'subscription';
    li.dataset.topic = filter;
    const refused = sub.granted !== null && sub.granted >= 0x80;
    li.dataset.state = sub.granted === null ? 'pending' : refused ? 'refused' : 'granted';
    const name = document.createElement('code');
    name.className = 'topic';
    name.textContent = filter;
    const badge = document.createElement('span');
    badge.className = 'badge';
    badge.textContent =
      sub.granted === null ? t('sub.pending') : refused ? t('sub.refused') : t('sub.granted', { qos: sub.granted });
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'icon-button';
    remove.dataset.testid = 'unsubscribe';
    remove.setAttribute('aria-label', t('sub.remove', { topic: filter }));
    remove.title = t('sub.remove', { topic: filter });
    remove.textContent = '×';
    remove.addEventListener('click', () => unsubscribe(filter));
    li.append(name, badge, remove);
    list.append(li);
  }
  $('sub-empty').hidden = subscriptions.size > 0;
}

// ---------------------------------------------------------------- publishing

function parseHex(text) {
  const digits = text.replace(/0x|[\s,:]/gi, '');
  if (digits.length % 2 !== 0 || /[^0-9a-f]/i.test(digits)) return null;
  const bytes = new Uint8Array(digits.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(digits.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

/** Text as hex pairs (UTF-8), for switching the payload box from Text to Hex. */
function hexOfText(text) {
  return [...new TextEncoder().encode(text)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
}

/** Converts what is in the payload box when the format changes, so the bytes stay the same. */
function switchPayloadFormat(format) {
  const box = $('pub-payload');
  if (format === 'hex') {
    box.value = hexOfText(box.value);
    return;
  }
  const bytes = parseHex(box.value);
  if (bytes === null) return showError('err.publish', { message: t('err.hex') });
  const decoded = new TextDecoder('utf-8', { fatal: true });
  try {
    box.value = decoded.decode(bytes);
  } catch {
    // Not UTF-8 text: keep the hex, and say why.
    document.querySelector('input[name="pub-format"][value="hex"]').checked = true;
    showError('err.publish', { message: t('err.notText') });
  }
}

async function publish() {
  const c = client;
  if (!c) return;
  const topic = $('pub-topic').value;
  const qos = Number($('pub-qos').value);
  const retain = $('pub-retain').checked;
  const asHex = document.querySelector('input[name="pub-format"]:checked').value === 'hex';
  const text = $('pub-payload').value;
  const payload = asHex ? parseHex(text) : text;
  if (payload === null) return showError('err.publish', { message: t('err.hex') });
  try {
    await c.publish(topic, payload, { qos, retain });
    clearError();
    const bytes = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload;
    logMessage('out', topic, bytes, qos, retain, false);
  } catch (err) {
    showError('err.publish', err);
  }
}

// ---------------------------------------------------------------- the message log
// Messages are queued and drawn once per animation frame, at most LOG_LIMIT of them, so a
// firehose costs one DOM update per frame instead of one per message.

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const lenientUtf8 = new TextDecoder('utf-8');
let queue = [];
let dropped = 0;
let total = 0;
let frameRequested = false;

function logMessage(direction, topic, payload, qos, retain, dup) {
  total++;
  queue.push({ direction, topic, payload: toBytes(payload), qos, retain, dup, time: new Date() });
  if (queue.length > LOG_LIMIT) {
    dropped += queue.length - LOG_LIMIT;
    queue = queue.slice(-LOG_LIMIT);
  }
  if (!frameRequested) {
    frameRequested = true;
    requestAnimationFrame(flushLog);
  }
}

function toBytes(payload) {
  if (payload instanceof Uint8Array) return payload;
  if (typeof payload === 'string') return new TextEncoder().encode(payload);
  if (payload instanceof ArrayBuffer) return new Uint8Array(payload);
  return new Uint8Array(0);
}

function flushLog() {
  frameRequested = false;
  renderCount();
  if ($('log-pause').checked) return;
  const batch = queue;
  queue = [];
  const body = $('log');
  const fragment = document.createDocumentFragment();
  // Newest first: the latest message is always in view without scrolling.
  for (let i = batch.length - 1; i >= 0; i--) fragment.append(renderRow(batch[i]));
  body.prepend(fragment);
  while (body.rows.length > LOG_LIMIT) body.lastElementChild.remove();
  $('log-empty').hidden = body.rows.length > 0;
  if (dropped) {
    console.info(t('log.dropped', { n: dropped }));
    dropped = 0;
  }
}

/** Text when the bytes are valid UTF-8 without control characters; otherwise binary. */
function describePayload(bytes) {
  try {
    const text = strictUtf8.decode(bytes);
    // eslint-disable-next-line no-control-regex
    if (!/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text)) return { text, binary: false };
  } catch {
    // not UTF-8
  }
  // Shown lossily, with control characters as visible symbols, beside the exact hex.
  const text = lenientUtf8.decode(bytes).replace(/[\u0000-\u001f\u007f]/g, (c) =>
    c === '\u007f' ? '\u2421' : String.fromCharCode(0x2400 + c.charCodeAt(0)),
  );
  return { text, binary: true };
}

function hexOf(bytes, limit = 256) {
  let out = '';
  const n = Math.min(bytes.length, limit);
  for (let i = 0; i < n; i++) out += (i ? ' ' : '') + bytes[i].toString(16).padStart(2, '0');
  return bytes.length > limit ? `${out} …` : out;
}

/** Sets a translated text or title and marks it, so a language switch re-translates it. */
function translated(el, what, key) {
  if (what === 'title') {
    el.dataset.i18nTitle = key;
    el.title = t(key, el.dataset);
  } else {
    el.dataset.i18n = key;
    el.textContent = t(key, el.dataset);
  }
}

function cell(className, text) {
  const td = document.createElement('td');
  td.className = className;
  if (text !== undefined) td.textContent = text;
  return td;
}

function renderRow(m) {
  const tr = document.createElement('tr');
  tr.dataset.testid = 'message';
  tr.dataset.direction = m.direction;
  tr.dataset.topic = m.topic;

  const time = cell('c-time');
  const arrow = document.createElement('span');
  arrow.className = `dir dir-${m.direction}`;
  arrow.textContent = m.direction === 'in' ? '↓' : '↑';
  translated(arrow, 'title', m.direction === 'in' ? 'log.in' : 'log.out');
  const clock = document.createElement('time');
  clock.dateTime = m.time.toISOString();
  clock.textContent = `${m.time.toLocaleTimeString(lang, { hour12: false })}.${String(m.time.getMilliseconds()).padStart(3, '0')}`;
  time.append(arrow, clock);

  const topic = cell('c-topic');
  const topicCode = document.createElement('code');
  topicCode.textContent = m.topic;
  topic.append(topicCode);

  const { text, binary } = describePayload(m.payload);
  const payload = cell('c-payload');
  payload.dataset.binary = String(binary);
  const textEl = document.createElement('div');
  textEl.className = 'payload-text';
  if (m.payload.length === 0) {
    textEl.classList.add('muted');
    translated(textEl, 'text', 'log.empty-payload');
  } else {
    textEl.textContent = text;
  }
  if (binary) {
    // The exact bytes first; the lossy text after it, dimmed, as a hint of what they hold.
    const hex = document.createElement('div');
    hex.className = 'payload-hex';
    hex.textContent = hexOf(m.payload);
    payload.append(hex);
  }
  payload.append(textEl);
  const size = document.createElement('div');
  size.className = 'payload-size';
  size.dataset.n = String(m.payload.length);
  translated(size, 'text', binary ? 'log.binary' : 'log.bytes');
  payload.append(size);

  const qos = cell('c-qos', String(m.qos));
  const flags = cell('c-flags');
  if (m.retain) {
    const badge = document.createElement('span');
    badge.className = 'badge retain';
    badge.dataset.testid = 'retain';
    translated(badge, 'text', 'log.retained');
    flags.append(badge);
  }
  if (m.dup) {
    const badge = document.createElement('span');
    badge.className = 'badge';
    badge.textContent = 'dup';
    flags.append(badge);
  }
  tr.append(time, topic, payload, qos, flags);
  return tr;
}

function renderCount() {
  $('log-count').textContent = t('log.count', { n: total });
  $('log-count').dataset.total = String(total);
}

function clearLog() {
  queue = [];
  total = 0;
  $('log').replaceChildren();
  $('log-empty').hidden = false;
  renderCount();
}

// ---------------------------------------------------------------- start-up

function applyPreset(name) {
  const preset = PRESETS[name];
  if (!preset) return;
  $('url').value = preset.url;
  $('username').value = preset.username;
  $('password').value = preset.password;
}

async function loadLocalBroker() {
  // `npm start` tells the page where its embedded broker listens.
  try {
    const res = await fetch('/local-broker.json', { cache: 'no-store' });
    if (res.ok) {
      const info = await res.json();
      if (typeof info.url === 'string') PRESETS.local = { url: info.url, username: info.username ?? '', password: info.password ?? '' };
    }
  } catch {
    // served by something else: keep the default
  }
}

async function start() {
  applyLanguage();
  $('lang-toggle').addEventListener('click', () => {
    lang = lang === 'en' ? 'zh-CN' : 'en';
    localStorage.setItem('scratch-mqtt.lang', lang);
    applyLanguage();
  });
  $('error-close').addEventListener('click', clearError);
  $('preset').addEventListener('change', (e) => applyPreset(e.target.value));
  for (const radio of document.querySelectorAll('input[name="pub-format"]')) {
    radio.addEventListener('change', (e) => e.target.checked && switchPayloadFormat(e.target.value));
  }
  for (const id of ['url', 'username', 'password']) $(id).addEventListener('input', () => ($('preset').value = 'custom'));
  $('connect-form').addEventListener('submit', (e) => {
    e.preventDefault();
    connect();
  });
  $('disconnect').addEventListener('click', disconnect);
  checkPanel = setupCheckPanel({
    settings: () => ({ url: $('url').value.trim(), username: $('username').value, password: $('password').value }),
    language: () => lang,
    t,
  });
  $('subscribe-form').addEventListener('submit', (e) => {
    e.preventDefault();
    subscribe();
  });
  $('publish-form').addEventListener('submit', (e) => {
    e.preventDefault();
    publish();
  });
  $('clear-log').addEventListener('click', clearLog);
  $('log-pause').addEventListener('change', () => !$('log-pause').checked && flushLog());

  // Fields: ?url=&username=&password=&protocol= override the preset (handy for links and tests).
  await loadLocalBroker();
  const presetName = params.get('preset') ?? (params.has('url') ? 'custom' : 'local');
  $('preset').value = PRESETS[presetName] || presetName === 'custom' ? presetName : 'local';
  applyPreset($('preset').value);
  for (const [param, id] of [
    ['url', 'url'],
    ['username', 'username'],
    ['password', 'password'],
    ['protocol', 'protocol'],
    ['clientId', 'client-id'],
  ]) {
    if (params.has(param)) $(id).value = params.get(param);
  }

  try {
    lib = await import(LIBRARY_URL);
    if (typeof lib.connect !== 'function') throw new Error(`${LIBRARY_URL} has no connect()`);
    // The library fetches and compiles its wasm once, before the first client.
    if (typeof lib.load === 'function') await lib.load();
    if (typeof lib.version === 'function') $('lib-version').textContent = `v${lib.version()}`;
    setState('disconnected');
  } catch (err) {
    console.warn(`The demo needs ${LIBRARY_URL}:`, err);
    lib = null;
    setState('unavailable');
    // Not built (404) is the common case; anything else is a real failure worth its message.
    const probe = await fetch(new URL(LIBRARY_URL, import.meta.url), { method: 'HEAD' }).catch(() => null);
    if (probe && probe.status === 404) $('lib-missing').hidden = false;
    else showError('lib.failed', err);
  }
  document.body.dataset.ready = 'true';
}

start();

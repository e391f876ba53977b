// The words of the check: both languages say everything, with the same placeholders, and the
// Node probe's findings turn into the right sentence (explain.mjs) for the certificate problems
// no test broker here can show (expired, wrong host name, missing intermediate).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LANGUAGES, ROW_IDS, SENTENCES, pickLanguage, say } from '../../js/check/sentences.js';
import { explainRows } from '../../bin/check/explain.mjs';
import { displayWidth } from '../../bin/check/report.mjs';

const placeholders = (text) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

test('en and zh-cn have the same keys, each with the same placeholders, and a title per row', () => {
  const [en, zh] = LANGUAGES.map((lang) => SENTENCES[lang]);
  assert.deepEqual(Object.keys(zh).sort(), Object.keys(en).sort());
  for (const key of Object.keys(en)) assert.deepEqual(placeholders(zh[key]), placeholders(en[key]), key);
  for (const id of ROW_IDS) for (const lang of LANGUAGES) assert.ok(SENTENCES[lang][`title.${id}`], `${lang} title.${id}`);
});

test('every sentence key the battery and explain.mjs use exists', async () => {
  const fs = await import('node:fs');
  const sources = ['js/check/battery.js', 'bin/check/explain.mjs'].map((f) => fs.readFileSync(new URL(`../../${f}`, import.meta.url), 'utf8'));
  const used = new Set(sources.flatMap((source) => [...source.matchAll(/'((?:ok|fail|skip)\.[\w.]+)'/g)].map((m) => m[1])));
  assert.ok(used.size > 40, `${used.size} keys found`);
  for (const key of used) assert.ok(SENTENCES.en[key], key);
});

test('the language comes from the locale name', () => {
  assert.equal(pickLanguage('zh_CN.UTF-8'), 'zh-cn');
  assert.equal(pickLanguage('zh-Hans'), 'zh-cn');
  assert.equal(pickLanguage('en_GB.UTF-8'), 'en');
  assert.equal(pickLanguage(''), 'en');
  assert.equal(say('zh-cn', 'fail.ws.dns', { host: 'mqtt.example' }), '找不到主机名 mqtt.example：请检查拼写');
});

test('Chinese characters take two columns in the table', () => {
  assert.equal(displayWidth('TLS 证书'), 8);
  assert.equal(displayWidth('✔ ok'), 4);
});

const wssUrl = 'wss://broker.example:8084/mqtt';
const browserRows = [
  { id: 'websocket', status: 'fail', source: 'browser', sentence: { key: 'fail.ws.browser', params: { url: wssUrl } } },
  { id: 'tls', status: 'skip', source: 'browser', sentence: { key: 'skip.tls.page', params: {} } },
];
const probeWith = (tls) => ({ host: 'broker.example', port: 8084, path: '/mqtt', secure: true, timeoutMs: 5000, tcp: { ok: true }, tls, http: { status: 101, protocol: 'mqtt' } });

for (const [code, key, expected] of [
  ['CERT_HAS_EXPIRED', 'fail.tls.expired', 'the certificate of broker.example expired on 2025-01-31: renew it (e.g. certbot renew) and restart the broker'],
  ['ERR_TLS_CERT_ALTNAME_INVALID', 'fail.tls.wrongHost', 'the certificate is for other.example, www.other.example, not for broker.example: connect with a name it lists, or get a certificate for broker.example'],
  ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'fail.tls.chain', 'the broker does not send the intermediate certificates: configure the full chain (fullchain.pem, not cert.pem)'],
  ['DEPTH_ZERO_SELF_SIGNED_CERT', 'fail.tls.selfSigned', null],
]) {
  test(`a certificate with ${code} → ${key}, and the WebSocket row points to the TLS row`, () => {
    const rows = explainRows(browserRows, probeWith({ ok: false, code, message: code, names: ['other.example', 'www.other.example'], validTo: '2025-01-31' }), wssUrl);
    const [websocket, tls] = rows;
    assert.equal(tls.status, 'fail');
    assert.equal(tls.source, 'node');
    assert.equal(tls.sentence.key, key);
    if (expected) assert.equal(say('en', tls.sentence.key, tls.sentence.params), expected);
    assert.equal(websocket.sentence.key, 'fail.ws.tls');
  });
}

test('a valid certificate: the TLS row says for whom, until when and by whom', () => {
  const rows = explainRows(
    [{ ...browserRows[0], status: 'pass', detail: { key: 'ok.websocket', params: { ms: 40 } } }, { id: 'tls', status: 'pass', source: 'browser', detail: { key: 'ok.tls.browser', params: {} } }],
    probeWith({ ok: true, names: ['broker.example'], issuer: "Let's Encrypt", validTo: '2027-03-01' }),
    wssUrl,
  );
  assert.equal(say('en', rows[1].detail.key, rows[1].detail.params), "valid for broker.example until 2027-03-01, issued by Let's Encrypt");
  assert.equal(say('en', rows[0].detail.key, rows[0].detail.params), 'opened in 40 ms (HTTP 101)');
});

test('a 404 on /mqtt itself suggests checking the path and port, not /mqtt again', () => {
  const [websocket] = explainRows(
    [{ ...browserRows[0] }],
    { host: 'h', port: 8083, path: '/mqtt', secure: false, timeoutMs: 5000, tcp: { ok: true }, http: { status: 404, protocol: null } },
    'ws://h:8083/mqtt',
  );
  assert.equal(
    say('en', websocket.sentence.key, websocket.sentence.params),
    'the server answered HTTP 404 on /mqtt instead of opening a WebSocket: check the path (often /mqtt) and the port',
  );
});

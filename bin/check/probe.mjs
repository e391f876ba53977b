// The same broker URL, probed from Node, outside the browser. A browser hides why a WebSocket
// failed (it just closes with 1006); Node can see it: the TCP error, the TLS certificate's
// problem, the HTTP status of the upgrade and the subprotocol the answer names. These findings
// only *explain* the browser's rows (explain.mjs); whether it works from a page is the browser's.

import crypto from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';

const PROBE_TIMEOUT_MS = 5000;

/**
 * `{ host, port, path, tcp: { ok, code? }, tls?: {...}, http?: { status, protocol } }`.
 * Never throws; every step is bounded by `timeoutMs`.
 */
export async function probeBroker(url, { timeoutMs = PROBE_TIMEOUT_MS } = {}) {
  const address = new URL(url);
  const secure = address.protocol === 'wss:';
  const host = address.hostname.replace(/^\[|\]$/g, '');
  const port = Number(address.port) || (secure ? 443 : 80);
  const result = { host, port, path: address.pathname + address.search, secure, timeoutMs };
  result.tcp = await reach(host, port, timeoutMs);
  if (!result.tcp.ok) return result;
  if (secure) result.tls = await certificate(host, port, timeoutMs);
  // The upgrade is asked for even when the certificate is bad, so the status is known too.
  result.http = await upgrade(address, host, port, secure, timeoutMs);
  return result;
}

function reach(host, port, timeoutMs) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (outcome) => {
      socket.destroy();
      resolve(outcome);
    };
    socket.setTimeout(timeoutMs, () => done({ ok: false, code: 'ETIMEDOUT' }));
    socket.once('connect', () => done({ ok: true }));
    socket.once('error', (error) => done({ ok: false, code: error.code ?? 'ERROR', message: error.message }));
  });
}

/** The certificate as a browser would judge it (Node's CA list, the host name checked). */
function certificate(host, port, timeoutMs) {
  return new Promise((resolve) => {
    const socket = tls.connect({
      host,
      port,
      // SNI takes a name, never an address.
      servername: net.isIP(host) ? undefined : host,
      rejectUnauthorized: true,
    });
    const done = (outcome) => {
      socket.destroy();
      resolve(outcome);
    };
    socket.setTimeout(timeoutMs, () => done({ ok: false, code: 'ETIMEDOUT', message: 'no TLS answer' }));
    socket.once('secureConnect', () => {
      const cert = socket.getPeerCertificate();
      done({ ok: true, ...describe(cert) });
    });
    socket.once('error', (error) => {
      // Read the certificate anyway, without trusting it, to name what is wrong with it.
      const code = error.code ?? 'ERROR';
      peek(host, port, timeoutMs).then((cert) => done({ ok: false, code, message: error.message, ...describe(cert) }));
    });
  });
}

function peek(host, port, timeoutMs) {
  return new Promise((resolve) => {
    const socket = tls.connect({ host, port, servername: net.isIP(host) ? undefined : host, rejectUnauthorized: false });
    const done = (cert) => {
      socket.destroy();
      resolve(cert);
    };
    socket.setTimeout(timeoutMs, () => done(null));
    socket.once('secureConnect', () => done(socket.getPeerCertificate()));
    socket.once('error', () => done(null));
  });
}

function describe(cert) {
  if (!cert || !cert.subject) return {};
  const names = (cert.subjectaltname ?? '')
    .split(/,\s*/)
    .filter(Boolean)
    .map((entry) => entry.replace(/^(DNS|IP Address):/, ''));
  return {
    subject: cert.subject.CN ?? '',
    names: names.length ? names : [cert.subject.CN].filter(Boolean),
    issuer: cert.issuer?.O ?? cert.issuer?.CN ?? '',
    validFrom: isoDate(cert.valid_from),
    validTo: isoDate(cert.valid_to),
  };
}

function isoDate(text) {
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? String(text ?? '') : date.toISOString().slice(0, 10);
}

/** The answer to a WebSocket upgrade asking for subprotocol `mqtt`: `{ status, protocol }` or `{ code }`. */
function upgrade(address, host, port, secure, timeoutMs) {
  return new Promise((resolve) => {
    const request = (secure ? https : http).request({
      host,
      port,
      path: address.pathname + address.search,
      servername: secure && !net.isIP(host) ? host : undefined,
      // The certificate is judged above; here only the HTTP answer matters.
      rejectUnauthorized: false,
      timeout: timeoutMs,
      headers: {
        Host: address.host,
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': crypto.randomBytes(16).toString('base64'),
        'Sec-WebSocket-Protocol': 'mqtt',
      },
    });
    let settled = false;
    const done = (outcome) => {
      if (settled) return;
      settled = true;
      request.destroy();
      resolve(outcome);
    };
    request.once('upgrade', (response, socket) => {
      socket.destroy();
      done({ status: response.statusCode, protocol: response.headers['sec-websocket-protocol'] ?? null });
    });
    request.once('response', (response) => {
      response.resume();
      done({ status: response.statusCode, protocol: null });
    });
    request.once('timeout', () => done({ code: 'ETIMEDOUT' }));
    request.once('error', (error) => done({ code: error.code ?? 'ERROR', message: error.message }));
    request.end();
  });
}

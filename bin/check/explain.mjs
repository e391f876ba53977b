// Turns the Node probe's findings (probe.mjs) into the plain sentences the browser could not
// give: why the WebSocket did not open (nothing listening, HTTP 404 on the wrong path, a plain
// MQTT port, a certificate) and what is wrong with a wss:// certificate. Rows changed here say
// `source: 'node'`, so the report can tell the reader where a finding came from.

/** Certificate errors (Node/OpenSSL codes) → sentence keys. */
const TLS_PROBLEMS = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'fail.tls.selfSigned',
  SELF_SIGNED_CERT_IN_CHAIN: 'fail.tls.selfSigned',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'fail.tls.untrusted',
  UNABLE_TO_GET_ISSUER_CERT: 'fail.tls.untrusted',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'fail.tls.chain',
  CERT_HAS_EXPIRED: 'fail.tls.expired',
  CERT_NOT_YET_VALID: 'fail.tls.notYetValid',
  ERR_TLS_CERT_ALTNAME_INVALID: 'fail.tls.wrongHost',
  ERR_SSL_WRONG_VERSION_NUMBER: 'fail.tls.plain',
};

/** The browser's rows with the probe's explanations put in; the rows given are not changed. */
export function explainRows(rows, probe, url) {
  return rows.map((row) => {
    if (row.id === 'tls') return explainTls(row, probe);
    if (row.id === 'websocket') return explainWebSocket(row, probe, url);
    return row;
  });
}

function explainTls(row, probe) {
  if (!probe?.secure || !probe.tls || row.sentence?.key === 'skip.notAsked') return row;
  const { tls, host, port } = probe;
  if (tls.ok) {
    return {
      ...row,
      status: 'pass',
      source: 'node',
      detail: { key: 'ok.tls', params: { host, date: tls.validTo, issuer: tls.issuer || '?' } },
      sentence: undefined,
    };
  }
  const key = TLS_PROBLEMS[tls.code] ?? (/wrong version number/i.test(tls.message ?? '') ? 'fail.tls.plain' : 'fail.tls.other');
  const params = {
    host,
    port,
    code: tls.code,
    message: tls.message ?? '',
    date: key === 'fail.tls.notYetValid' ? tls.validFrom : tls.validTo,
    names: (tls.names ?? []).join(', ') || '?',
  };
  // The page may still have opened it (a CA only the browser trusts): then the browser's word stands.
  if (row.status === 'pass') return { ...row, note: { key, params } };
  return { ...row, status: 'fail', source: 'node', sentence: { key, params }, detail: undefined };
}

function explainWebSocket(row, probe, url) {
  if (!probe) return row;
  if (row.status === 'pass') {
    if (probe.http?.status === 101) {
      return { ...row, detail: { key: 'ok.websocket.http', params: { ...row.detail.params, status: 101 } } };
    }
    return row;
  }
  // Only the browser's "could not open, no reason given" needs explaining.
  if (row.sentence?.key !== 'fail.ws.browser') return row;
  const because = (key, params = {}) => ({ ...row, source: 'node', sentence: { key, params } });
  const { host, port, path } = probe;
  if (!probe.tcp.ok) {
    if (probe.tcp.code === 'ECONNREFUSED') return because('fail.ws.refused', { host, port });
    if (probe.tcp.code === 'ENOTFOUND' || probe.tcp.code === 'EAI_AGAIN') return because('fail.ws.dns', { host });
    return because('fail.ws.timeout', { host, port, seconds: probe.timeoutMs / 1000 });
  }
  if (probe.tls && !probe.tls.ok) return because('fail.ws.tls');
  const status = probe.http?.status;
  if (status && status !== 101) {
    if (status === 404 && !/^\/mqtt\/?$/.test(path)) {
      const suggestion = new URL(url);
      suggestion.pathname = '/mqtt';
      suggestion.search = '';
      return because('fail.ws.http404', { path, suggestion: suggestion.href });
    }
    return because('fail.ws.http', { status, path });
  }
  if (probe.http?.code === 'ETIMEDOUT') return because('fail.ws.silent', { host, port, seconds: probe.timeoutMs / 1000 });
  if (probe.http?.code) return because('fail.ws.reset', { port });
  return row;
}

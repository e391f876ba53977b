// Throwaway TLS certificates for tests: self-signed, made with openssl, in a folder removed when
// the process exits (or by `remove()`).

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { forgetFolder, removeOnExit } from './cleanup.mjs';

/**
 * A self-signed certificate for `commonName` (an address or a host name, also put in the
 * subject alternative names): `{ keyFile, certFile, key, cert, remove() }`. The folder and files
 * are world-readable, so a broker that drops root (mosquitto) can read them.
 */
export function selfSignedCertificate({ commonName = '127.0.0.1', days = 1 } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smq-tls-'));
  removeOnExit(dir);
  const keyFile = path.join(dir, 'key.pem');
  const certFile = path.join(dir, 'cert.pem');
  const san = /^[\d.]+$|:/.test(commonName) ? `IP:${commonName}` : `DNS:${commonName}`;
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', String(days),
      '-subj', `/CN=${commonName}`, '-addext', `subjectAltName=${san}`],
    { stdio: 'ignore' },
  );
  fs.chmodSync(dir, 0o755);
  fs.chmodSync(keyFile, 0o644);
  return {
    keyFile,
    certFile,
    key: fs.readFileSync(keyFile),
    cert: fs.readFileSync(certFile),
    remove() {
      fs.rmSync(dir, { recursive: true, force: true });
      forgetFolder(dir);
    },
  };
}

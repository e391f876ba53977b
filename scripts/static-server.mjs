// A small static file server for the demo page, the library and the browser tests. It serves
// only the folders it is given (mounts), binds 127.0.0.1 by default, and never caches, so a
// rebuilt dist/ is what the next page load gets.

import http from 'node:http';
import https from 'node:https';
import fs from 'node:fs';
import path from 'node:path';

export const MIME_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  // WebAssembly.instantiateStreaming refuses any other type.
  '.wasm': 'application/wasm',
  '.ts': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.sb3': 'application/octet-stream',
};

/**
 * @param {object} options
 * @param {Record<string,string>} options.mounts  URL prefix ('/dist/') → folder; '/' is the fallback
 * @param {string} [options.host]
 * @param {number} [options.port]  0 picks a free port
 * @param {Record<string, () => unknown>} [options.json]  extra URL path → JSON value routes
 * @param {{ key: string|Buffer, cert: string|Buffer }} [options.tls]  serve https with this key and certificate
 * @returns {Promise<{ url: string, port: number, server: http.Server, close: () => Promise<void> }>}
 */
export async function startStaticServer({ mounts, host = '127.0.0.1', port = 0, json = {}, tls = null }) {
  const table = Object.entries(mounts)
    .map(([prefix, dir]) => [prefix.endsWith('/') ? prefix : `${prefix}/`, path.resolve(dir)])
    .sort((a, b) => b[0].length - a[0].length); // longest prefix first

  const sockets = new Set();
  // `tls` ({ key, cert }): served over https, as a hosted page is.
  const create = tls ? (handler) => https.createServer(tls, handler) : (handler) => http.createServer(handler);
  const server = create((req, res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', `server error: ${err.message}\n`);
      else res.destroy();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  async function handle(req, res) {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return send(res, 405, 'text/plain; charset=utf-8', 'only GET and HEAD\n', { Allow: 'GET, HEAD' });
    }
    let pathname;
    try {
      pathname = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    } catch {
      return send(res, 400, 'text/plain; charset=utf-8', 'bad URL\n');
    }
    if (pathname.includes('\0')) return send(res, 400, 'text/plain; charset=utf-8', 'bad URL\n');
    if (Object.hasOwn(json, pathname)) {
      return send(res, 200, MIME_TYPES['.json'], JSON.stringify(json[pathname](), null, 2) + '\n', {}, req.method);
    }
    const file = resolveFile(pathname);
    if (file === null) return send(res, 404, 'text/plain; charset=utf-8', `not found: ${pathname}\n`);
    let stat = await fs.promises.stat(file).catch(() => null);
    if (stat?.isDirectory()) {
      // A folder URL without its slash would resolve the page's relative links one level up.
      if (!pathname.endsWith('/')) return send(res, 301, 'text/plain; charset=utf-8', '', { Location: `${pathname}/` });
      const index = path.join(file, 'index.html');
      stat = await fs.promises.stat(index).catch(() => null);
      if (!stat) return send(res, 404, 'text/plain; charset=utf-8', `not found: ${pathname}\n`);
      return sendFile(req, res, index, stat);
    }
    if (!stat?.isFile()) {
      const hint = pathname.startsWith('/dist/') ? ' (the library is built by `npm run build`)' : '';
      return send(res, 404, 'text/plain; charset=utf-8', `not found: ${pathname}${hint}\n`);
    }
    return sendFile(req, res, file, stat);
  }

  /** The file a URL path names inside its mount, or null when it would escape the mount. */
  function resolveFile(pathname) {
    for (const [prefix, dir] of table) {
      const bare = prefix.slice(0, -1);
      if (pathname !== bare && !pathname.startsWith(prefix)) continue;
      const rest = pathname === bare ? '' : pathname.slice(prefix.length);
      const file = path.resolve(dir, `.${path.posix.sep}${rest}`);
      if (file !== dir && !file.startsWith(dir + path.sep)) return null;
      return file;
    }
    return null;
  }

  await new Promise((resolve, reject) => {
    server.once('error', (err) => {
      if (err.code === 'EADDRINUSE') {
        const e = new Error(`the HTTP port ${port} on ${host} is already in use`);
        e.code = 'EADDRINUSE';
        e.port = port;
        reject(e);
      } else reject(err);
    });
    server.listen(port, host, resolve);
  });
  const actual = server.address().port;
  return {
    server,
    port: actual,
    url: `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${actual}/`,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function sendFile(req, res, file, stat) {
  const type = MIME_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
  res.writeHead(200, { ...commonHeaders(type), 'Content-Length': stat.size });
  if (req.method === 'HEAD') return res.end();
  return new Promise((resolve, reject) => {
    fs.createReadStream(file).on('error', reject).on('end', resolve).pipe(res);
  });
}

function send(res, status, type, body, headers = {}, method = 'GET') {
  const bytes = Buffer.from(body, 'utf8');
  res.writeHead(status, { ...commonHeaders(type), 'Content-Length': bytes.length, ...headers });
  res.end(method === 'HEAD' ? undefined : bytes);
}

function commonHeaders(type) {
  return {
    'Content-Type': type,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    // The Scratch extension is loaded by editors on other origins (e.g. TurboWarp); the files
    // here are public, so any origin may read them.
    'Access-Control-Allow-Origin': '*',
  };
}

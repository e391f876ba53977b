// The static file server of `npm start`, the browser tests and the benchmark: sirv serves each
// mounted folder (no caching, so a rebuilt dist/ is what the next page load gets); this file only
// routes URL prefixes to folders, binds 127.0.0.1 by default, and adds the headers browsers need.

import http from 'node:http';
import https from 'node:https';
import fs from 'node:fs';
import path from 'node:path';
import sirv from 'sirv';

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
    .map(([prefix, dir]) => {
      const folder = path.resolve(dir);
      const serve = sirv(folder, { dev: true, extensions: ['html'], setHeaders: (res, pathname) => setCommonHeaders(res, pathname) });
      return { prefix: prefix.endsWith('/') ? prefix : `${prefix}/`, folder, serve };
    })
    .sort((a, b) => b.prefix.length - a.prefix.length); // longest prefix first

  const sockets = new Set();
  const create = tls ? (handler) => https.createServer(tls, handler) : (handler) => http.createServer(handler);
  const server = create((req, res) => {
    try {
      handle(req, res);
    } catch (err) {
      if (!res.headersSent) send(res, 500, `server error: ${err.message}\n`);
      else res.destroy();
    }
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  function handle(req, res) {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return send(res, 405, 'only GET and HEAD\n', { Allow: 'GET, HEAD' });
    }
    let pathname;
    try {
      pathname = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    } catch {
      return send(res, 400, 'bad URL\n');
    }
    if (pathname.includes('\0')) return send(res, 400, 'bad URL\n');
    if (Object.hasOwn(json, pathname)) {
      res.setHeader('Content-Type', MIME_TYPES['.json']);
      return send(res, 200, JSON.stringify(json[pathname](), null, 2) + '\n');
    }
    const mount = table.find(({ prefix }) => pathname === prefix.slice(0, -1) || pathname.startsWith(prefix));
    const rest = mount ? pathname.slice(mount.prefix.length - 1) || '/' : null;
    const file = mount ? path.resolve(mount.folder, `.${rest}`) : null;
    if (!file || (file !== mount.folder && !file.startsWith(mount.folder + path.sep))) {
      return send(res, 404, `not found: ${pathname}\n`);
    }
    // A folder URL without its slash would resolve the page's relative links one level up.
    if (!pathname.endsWith('/') && fs.statSync(file, { throwIfNoEntry: false })?.isDirectory()) {
      return send(res, 301, '', { Location: `${pathname}/` });
    }
    req.url = encodeURI(rest);
    mount.serve(req, res, () => {
      const hint = pathname.startsWith('/dist/') ? ' (the library is built by `npm run build`)' : '';
      send(res, 404, `not found: ${pathname}${hint}\n`);
    });
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

function setCommonHeaders(res, pathname) {
  // sirv answers a folder or an extensionless path only with its .html file.
  const extension = path.extname(pathname).toLowerCase() || '.html';
  res.setHeader('Content-Type', MIME_TYPES[extension] ?? 'application/octet-stream');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  // The Scratch extension is loaded by editors on other origins (e.g. TurboWarp); the files
  // here are public, so any origin may read them.
  res.setHeader('Access-Control-Allow-Origin', '*');
}

/** A short text answer (errors, redirects, the JSON routes). */
function send(res, status, body, headers = {}) {
  if (!res.getHeader('Content-Type')) res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  const type = res.getHeader('Content-Type');
  setCommonHeaders(res, '');
  res.setHeader('Content-Type', type);
  const bytes = Buffer.from(body, 'utf8');
  res.writeHead(status, { 'Content-Length': bytes.length, ...headers });
  res.end(res.req?.method === 'HEAD' ? undefined : bytes);
}

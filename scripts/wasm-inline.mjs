// The wasm module inlined into a single JS file (scripts/build.mjs for the library bundle,
// scripts/build-extension.mjs for the Scratch extension): one request loads everything.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

export function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The wasm-bindgen glue at `gluePath` with its default module URL
 * (`new URL('…_bg.wasm', import.meta.url)`) replaced by the inlined bytes of `wasmPath`, for an
 * esbuild `onLoad`. Fails when the glue no longer loads its module that way.
 */
export async function glueWithInlinedWasm(gluePath, wasmPath, name) {
  const source = fs.readFileSync(gluePath, 'utf8');
  const wasmName = escapeRegExp(path.basename(wasmPath));
  const pattern = new RegExp(`new URL\\(\\s*['"]${wasmName}['"]\\s*,\\s*import\\.meta\\.url\\s*\\)`, 'g');
  if (!pattern.test(source)) {
    throw new Error(`the glue no longer loads ${path.basename(wasmPath)} with new URL(…, import.meta.url)`);
  }
  const decoder = await wasmDecoder(fs.readFileSync(wasmPath), name);
  return `${source.replace(pattern, `${name}()`)}\n${decoder}`;
}

/**
 * JS that defines `name()`, returning a promise of the module's bytes. The module is inlined as
 * base64 of its raw DEFLATE stream, not of the module itself: base64 shifts every byte's bits by
 * 0, 2 or 4, so gzip finds few of the module's repeats in base64 of the module (about 1.33× the
 * module's own gzip size), while base64 of an already compressed stream gzips to about the
 * stream's size. The browser's own DecompressionStream inflates it (Chrome 103, Firefox 113,
 * Safari 16.4, every engine that runs the rest of the client); without it `name()` rejects with
 * an error that says so, which wasm-bindgen's init() passes on. The decoder runs here, at build
 * time, on the very bytes shipped, and the build fails unless it gives back the module exactly.
 */
export async function wasmDecoder(bytes, name) {
  const deflated = zlib.deflateRawSync(bytes, { level: 9 });
  const source =
    `function ${name}() {\n` +
    `  const s = ${JSON.stringify(deflated.toString('base64'))};\n` +
    `  if (typeof DecompressionStream !== 'function') {\n` +
    `    return Promise.reject(new Error('this browser is too old for Scratch MQTT: it lacks DecompressionStream (Chrome 103, Firefox 113, Safari 16.4 or newer)'));\n` +
    `  }\n` +
    `  let src;\n` +
    `  if (typeof Uint8Array.fromBase64 === 'function') src = Uint8Array.fromBase64(s);\n` +
    `  else {\n` +
    `    const bin = atob(s);\n` +
    `    src = new Uint8Array(bin.length);\n` +
    `    for (let i = 0; i < bin.length; i++) src[i] = bin.charCodeAt(i);\n` +
    `  }\n` +
    `  const stream = new Blob([src]).stream().pipeThrough(new DecompressionStream('deflate-raw'));\n` +
    `  return new Response(stream).arrayBuffer().then((b) => new Uint8Array(b));\n` +
    `}\n`;
  const decoded = await new Function(`${source}\nreturn ${name}();`)();
  if (!Buffer.from(decoded.buffer, decoded.byteOffset, decoded.byteLength).equals(bytes)) {
    throw new Error('the inlined wasm decoder does not give back the module: fix scripts/wasm-inline.mjs');
  }
  return source;
}

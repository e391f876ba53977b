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
 * JS that defines `name()`, returning the module's bytes (or a promise of them). The module is
 * inlined as base64 of its raw DEFLATE stream, not of the module itself: base64 shifts every
 * byte's bits by 0, 2 or 4, so gzip finds few of the module's repeats in base64 of the module
 * (about 1.33× the module's own gzip size), while base64 of an already compressed stream gzips
 * to about the stream's size. The browser's own DecompressionStream inflates it where it exists
 * (Chrome 103, Firefox 113, Safari 16.4; faster than JS on a cold page); elsewhere a small
 * inflater (after zlib's puff.c) does, synchronously. wasm-bindgen's init() awaits either. Both
 * paths run here, at build time, on the very bytes shipped, and the build fails unless each gives
 * back the module exactly.
 */
export async function wasmDecoder(bytes, name) {
  const deflated = zlib.deflateRawSync(bytes, { level: 9 });
  const source =
    `function ${name}() {\n` +
    `  const s = ${JSON.stringify(deflated.toString('base64'))};\n` +
    `  let src;\n` +
    `  if (typeof Uint8Array.fromBase64 === 'function') src = Uint8Array.fromBase64(s);\n` +
    `  else {\n` +
    `    const bin = atob(s);\n` +
    `    src = new Uint8Array(bin.length);\n` +
    `    for (let i = 0; i < bin.length; i++) src[i] = bin.charCodeAt(i);\n` +
    `  }\n` +
    `  if (typeof DecompressionStream === 'function') {\n` +
    `    try {\n` +
    `      const stream = new Blob([src]).stream().pipeThrough(new DecompressionStream('deflate-raw'));\n` +
    `      return new Response(stream).arrayBuffer().then((b) => new Uint8Array(b), () => __smqInflate(src, ${bytes.length}));\n` +
    `    } catch {}\n` +
    `  }\n` +
    `  return __smqInflate(src, ${bytes.length});\n` +
    `}\n` +
    INFLATE;
  const paths = { native: globalThis.DecompressionStream, js: undefined };
  for (const [path, stream] of Object.entries(paths)) {
    if (path === 'native' && typeof stream !== 'function') continue;
    const decoded = await new Function('DecompressionStream', `${source}\nreturn ${name}();`)(stream);
    if (!Buffer.from(decoded.buffer, decoded.byteOffset, decoded.byteLength).equals(bytes)) {
      throw new Error(`the inlined wasm decoder (${path} inflate) does not give back the module: fix scripts/wasm-inline.mjs`);
    }
  }
  return source;
}

/** Raw DEFLATE (RFC 1951) into a buffer of the known size; stored, fixed and dynamic blocks. */
const INFLATE = `
function __smqInflate(src, size) {
  const out = new Uint8Array(size);
  let pos = 0, bit = 0, n = 0;
  const bits = (k) => {
    let v = 0;
    for (let i = 0; i < k; i++) {
      v |= ((src[pos] >> bit) & 1) << i;
      if (++bit === 8) { bit = 0; pos++; }
    }
    return v;
  };
  // A canonical Huffman code from code lengths: [count per length, symbols in code order].
  const table = (lens) => {
    const count = new Uint16Array(16), offs = new Uint16Array(16), sym = new Uint16Array(lens.length);
    for (const l of lens) count[l]++;
    count[0] = 0;
    for (let i = 1; i < 16; i++) offs[i] = offs[i - 1] + count[i - 1];
    lens.forEach((l, i) => { if (l) sym[offs[l]++] = i; });
    return [count, sym];
  };
  const decode = ([count, sym]) => {
    let code = 0, first = 0, index = 0;
    for (let len = 1; len < 16; len++) {
      code |= bits(1);
      const c = count[len];
      if (code - first < c) return sym[index + code - first];
      index += c;
      first = (first + c) << 1;
      code <<= 1;
    }
    throw new Error('corrupt inlined wasm');
  };
  const LBASE = [], LEXT = [], DBASE = [], DEXT = [];
  for (let i = 0, b = 3; i < 29; i++) {
    const e = i < 8 || i === 28 ? 0 : (i >> 2) - 1;
    LBASE.push(i === 28 ? 258 : b);
    LEXT.push(e);
    b += 1 << e;
  }
  for (let i = 0, b = 1; i < 30; i++) {
    const e = i < 2 ? 0 : (i >> 1) - 1;
    DBASE.push(b);
    DEXT.push(e);
    b += 1 << e;
  }
  const ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];
  let last;
  do {
    last = bits(1);
    const type = bits(2);
    if (type === 0) {
      if (bit) { bit = 0; pos++; }
      const len = src[pos] | (src[pos + 1] << 8);
      pos += 4;
      out.set(src.subarray(pos, pos + len), n);
      n += len;
      pos += len;
      continue;
    }
    if (type === 3) throw new Error('corrupt inlined wasm');
    let lit, dist;
    if (type === 1) {
      lit = table(new Array(288).fill(8).fill(9, 144, 256).fill(7, 256, 280));
      dist = table(new Array(30).fill(5));
    } else {
      const nlen = bits(5) + 257, ndist = bits(5) + 1, ncode = bits(4) + 4;
      const cl = new Array(19).fill(0);
      for (let i = 0; i < ncode; i++) cl[ORDER[i]] = bits(3);
      const clt = table(cl);
      const lens = [];
      while (lens.length < nlen + ndist) {
        const sym = decode(clt);
        if (sym < 16) lens.push(sym);
        else {
          const value = sym === 16 ? lens[lens.length - 1] : 0;
          let rep = sym === 16 ? 3 + bits(2) : sym === 17 ? 3 + bits(3) : 11 + bits(7);
          while (rep--) lens.push(value);
        }
      }
      lit = table(lens.slice(0, nlen));
      dist = table(lens.slice(nlen));
    }
    for (;;) {
      let sym = decode(lit);
      if (sym < 256) out[n++] = sym;
      else if (sym === 256) break;
      else {
        sym -= 257;
        const len = LBASE[sym] + bits(LEXT[sym]);
        const d = decode(dist);
        const from = n - DBASE[d] - bits(DEXT[d]);
        for (let i = 0; i < len; i++) out[n++] = out[from + i];
      }
    }
  } while (!last);
  return out;
}
`;

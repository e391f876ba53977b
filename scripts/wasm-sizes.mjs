#!/usr/bin/env node
// Where the wasm's bytes go: the largest functions of a module that still has its name section,
// grouped by crate. For chasing the single file's 40 KB gzip target.
//
//   node scripts/wasm-sizes.mjs [--top 30]          builds a named copy in target/wasm-sizes/
//   node scripts/wasm-sizes.mjs file.wasm [--top N] reads a module you built yourself

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values, positionals } = parseArgs({ options: { top: { type: 'string', default: '30' } }, allowPositionals: true });
const top = Number(values.top);
let file = positionals[0];

if (!file) {
  // The release profile, but keeping symbol names (strip = none) in a target folder of its own.
  const targetDir = path.join(ROOT, 'target', 'wasm-sizes');
  const r = spawnSync('cargo', ['build', '--release', '-p', 'scratch-mqtt', '--target', 'wasm32-unknown-unknown', '--lib'], {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, CARGO_TARGET_DIR: targetDir, CARGO_PROFILE_RELEASE_STRIP: 'none', CARGO_PROFILE_RELEASE_DEBUG: '0' },
  });
  if (r.status !== 0) process.exit(1);
  file = path.join(targetDir, 'wasm32-unknown-unknown', 'release', 'scratch_mqtt.wasm');
}

const bytes = fs.readFileSync(file);
let pos = 8;
const leb = () => {
  let result = 0;
  let shift = 0;
  for (;;) {
    const b = bytes[pos++];
    result += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (b < 0x80) return result;
  }
};
let imported = 0;
const bodies = [];
const names = new Map();
const sections = [];
while (pos < bytes.length) {
  const id = bytes[pos++];
  const size = leb();
  const end = pos + size;
  if (id === 2) {
    for (let n = leb(); n > 0; n--) {
      // (`pos += leb()` would add to the position read before the length was.)
      const moduleLen = leb();
      pos += moduleLen;
      const nameLen = leb();
      pos += nameLen;
      const kind = bytes[pos++];
      if (kind === 0) {
        leb();
        imported++;
      } else if (kind === 1) {
        pos++;
        const flags = leb();
        leb();
        if (flags & 1) leb();
      } else if (kind === 2) {
        const flags = leb();
        leb();
        if (flags & 1) leb();
      } else if (kind === 3) pos += 2;
      else if (kind === 4) {
        pos++;
        leb();
      }
    }
  } else if (id === 10) {
    for (let n = leb(); n > 0; n--) {
      const len = leb();
      bodies.push(len);
      pos += len;
    }
  } else if (id === 0) {
    const nameLen = leb();
    const name = bytes.subarray(pos, pos + nameLen).toString();
    pos += nameLen;
    if (name === 'name') {
      while (pos < end) {
        const sub = bytes[pos++];
        const subEnd = leb() + pos;
        if (sub === 1) {
          for (let n = leb(); n > 0; n--) {
            const index = leb();
            const len = leb();
            names.set(index, bytes.subarray(pos, pos + len).toString());
            pos += len;
          }
        }
        pos = subEnd;
      }
    }
    sections.push([`custom:${name}`, size]);
  }
  if (id !== 0) sections.push([`section ${id}`, size]);
  pos = end;
}

/** Rust's legacy (_ZN…E) symbols, readable; v0 (_R…) symbols are left as they are. */
function demangle(sym) {
  const m = sym.match(/^_ZN(.*)E$/);
  if (!m) return sym;
  const parts = [];
  let rest = m[1];
  while (rest) {
    const len = rest.match(/^\d+/);
    if (!len) break;
    const n = Number(len[0]);
    parts.push(rest.slice(len[0].length, len[0].length + n));
    rest = rest.slice(len[0].length + n);
  }
  if (/^h[0-9a-f]{16}$/.test(parts.at(-1))) parts.pop();
  const codes = { LT: '<', GT: '>', RF: '&', BP: '*', C: ',', SP: '@', LP: '(', RP: ')' };
  return parts
    .join('::')
    .replace(/\$([A-Z]{1,2})\$/g, (_, c) => codes[c] ?? _)
    .replace(/\$u([0-9a-f]+)\$/g, (_, h) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/\.\./g, '::')
    .replace(/^_</, '<');
}

function crateOf(name, raw) {
  if (raw.startsWith('__wbindgen_describe')) return '(wasm-bindgen descriptors: removed by wasm-bindgen)';
  const v0 = raw.match(/^_R.*?C[s][0-9A-Za-z]*_(\d+)([A-Za-z_]\w*)/);
  if (v0) return v0[2].slice(0, Number(v0[1]));
  return name.match(/^[<&\s]*(?:mut |dyn )?([A-Za-z_]\w*)::/)?.[1] ?? '(other)';
}

const fns = bodies.map((size, i) => {
  const raw = names.get(imported + i) ?? `func[${imported + i}]`;
  const name = demangle(raw);
  return { size, name, crate: crateOf(name, raw) };
});
const total = fns.reduce((n, f) => n + f.size, 0);
console.log(`${path.relative(process.cwd(), file)}: ${bytes.length} bytes, code ${total} bytes in ${fns.length} functions\n`);
console.log('By crate (first path segment of the symbol):');
const byCrate = new Map();
for (const f of fns) {
  byCrate.set(f.crate, (byCrate.get(f.crate) ?? 0) + f.size);
}
for (const [crate, size] of [...byCrate].sort((a, b) => b[1] - a[1]).slice(0, 20)) {
  console.log(`  ${String(size).padStart(8)}  ${((100 * size) / total).toFixed(1).padStart(5)}%  ${crate}`);
}
console.log(`\nLargest ${top} functions:`);
for (const f of fns.sort((a, b) => b.size - a.size).slice(0, top)) {
  console.log(`  ${String(f.size).padStart(8)}  ${f.name.length > 150 ? `${f.name.slice(0, 147)}...` : f.name}`);
}
console.log('\nSections:');
for (const [name, size] of sections) console.log(`  ${String(size).padStart(8)}  ${name}`);

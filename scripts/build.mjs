#!/usr/bin/env node
// `npm run build`: the Rust crate → WebAssembly → dist/, ready for a page or a bundler.
//
//   cargo build --release --target wasm32-unknown-unknown --lib
//   wasm-bindgen --target web            (CLI version = the wasm-bindgen crate pinned in Cargo.toml)
//   wasm-opt -Oz                         (npm binaryen; Debian's binaryen 108 breaks in Chromium)
//   dist/scratch-mqtt.js, .d.ts, _bg.wasm            the ESM library
//   dist/scratch-mqtt.bundle.js, .d.ts               one self-contained ES module, wasm inlined
//   dist/scratch-mqtt.global.js, .d.ts               the same as a classic script (when possible)
//   dist/check/                                      the broker check (js/check/: battery, sentences, page)
//
// Options: --crate DIR (another crate, e.g. a throwaway prototype; default: this repository),
//          --out DIR (default dist), --wrapper FILE (default: js/mqtt.js for this repository's crate),
//          --strict (fail instead of stopping when the crate exports no JS API).

import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { escapeRegExp, glueWithInlinedWasm } from './wasm-inline.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TARGET = 'wasm32-unknown-unknown';

/** The library's public file name (dist/scratch-mqtt.js). */
const NAME = 'scratch-mqtt';
/** The global the classic-script build (dist/scratch-mqtt.global.js) defines. */
const GLOBAL_NAME = 'ScratchMQTT';
/**
 * The shell's hand-written JS entry (the MQTT.js-style client over the wasm `Connection`). When
 * present it becomes dist/scratch-mqtt.js and the wasm-bindgen glue is named GLUE_NAME instead,
 * which is what the wrapper imports (`./scratch_mqtt.js`).
 */
const WRAPPER = 'js/mqtt.js';
const WRAPPER_TYPES = 'js/mqtt.d.ts';
const GLUE_NAME = 'scratch_mqtt';
/** The single-file build must stay at or under this many gzip bytes (MQTT.js: 105 KB). */
const BUNDLE_GZIP_TARGET = 40 * 1024;

const args = buildArgs(process.argv.slice(2));
const crateDir = path.resolve(args.crate ?? process.env.SCRATCH_MQTT_CRATE ?? ROOT);
const outDir = path.resolve(ROOT, args.out ?? 'dist');
// The wrapper belongs to this repository's crate: another --crate gets one only when asked.
const wrapper = args.wrapper ? path.resolve(ROOT, args.wrapper) : crateDir === ROOT ? path.join(ROOT, WRAPPER) : '';
const wrapperTypes = args.wrapper ? wrapper.replace(/\.m?js$/, '.d.ts') : path.join(ROOT, WRAPPER_TYPES);

async function main() {
  step(`Building ${path.relative(ROOT, crateDir) || 'the crate'} for the browser`);
  ensureWasmTarget();
  const bindgenVersion = pinnedWasmBindgen(crateDir);
  ensureWasmBindgenCli(bindgenVersion);

  // SMQ_KEEP_NAMES=1 keeps function names for profiling (`npm run bench -- --profile ours`);
  // they survive only if cargo keeps them too (the release profile strips).
  const keepNames = process.env.SMQ_KEEP_NAMES === '1';
  if (keepNames) process.env.CARGO_PROFILE_RELEASE_STRIP = 'false';
  step(`cargo build --release --target ${TARGET} --lib`);
  run('cargo', ['build', '--release', '--target', TARGET, '--lib'], { cwd: crateDir });
  const wasmIn = cargoWasmArtifact(crateDir);

  const hasWrapper = wrapper !== '' && fs.existsSync(wrapper);
  const glueName = hasWrapper ? GLUE_NAME : NAME;
  const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'smq-build-'));
  try {
    step(`wasm-bindgen ${bindgenVersion} --target web`);
    run('wasm-bindgen', ['--target', 'web', '--out-dir', stage, '--out-name', glueName, wasmIn]);
    // wasm-bindgen copies the crate's package.json `dependencies` (the command line's, e.g.
    // playwright-core) into a package.json of its own; without "type": "module" Node would then
    // misread dist/ and the package would declare them twice. The top-level package.json is the one.
    fs.rmSync(path.join(stage, 'package.json'), { force: true });
    const glueJs = path.join(stage, `${glueName}.js`);
    const wasmFile = path.join(stage, `${glueName}_bg.wasm`);

    const exported = jsExports(fs.readFileSync(path.join(stage, `${glueName}.d.ts`), 'utf8'));
    if (exported.length === 0) {
      const msg =
        `${path.relative(ROOT, wasmIn)} exports no JavaScript API (no #[wasm_bindgen] exports), ` +
        `so there is no library to put in ${path.relative(ROOT, outDir)}/. The demo page will say so.`;
      if (args.strict) throw new Error(msg);
      console.log(`\nNothing to ship: ${msg}`);
      return;
    }
    console.log(`  exports: ${exported.join(', ')}`);

    // wasm-opt must see the .wasm from this same wasm-bindgen run: glue and module are a pair.
    step('wasm-opt -Oz (npm binaryen)');
    const before = fs.statSync(wasmFile).size;
    // The strip passes drop sections browsers ignore (toolchain names, feature list).
    const strip = keepNames ? ['-g'] : ['--strip-debug', '--strip-producers', '--strip-target-features'];
    run(wasmOptPath(), ['-Oz', ...wasmOptFeatures(), wasmFile, ...strip, '-o', wasmFile]);
    console.log(`  ${kb(before)} → ${kb(fs.statSync(wasmFile).size)}`);
    checkWasm(wasmFile);

    step(`Writing ${path.relative(ROOT, outDir)}/`);
    fs.mkdirSync(outDir, { recursive: true });
    for (const f of fs.readdirSync(outDir)) {
      // Only our own outputs are replaced: other build steps (the Scratch extension) share dist/.
      if (f.startsWith(`${NAME}.`) || f.startsWith(`${NAME}_`) || f.startsWith(`${GLUE_NAME}`) || f === 'snippets' || f === 'check' || f === 'package.json') {
        fs.rmSync(path.join(outDir, f), { recursive: true });
      }
    }
    // snippets/ holds the JS halves of Rust modules (js/shell/, #[wasm_bindgen(module)]); the glue imports them.
    fs.cpSync(stage, outDir, { recursive: true });
    if (hasWrapper) {
      fs.copyFileSync(wrapper, path.join(outDir, `${NAME}.js`));
      // The broker check (js/check/) belongs to this repository's wrapper: it runs in pages beside
      // the library, as dist/check/, importing ../scratch-mqtt.js.
      const check = path.join(ROOT, 'js', 'check');
      if (wrapper === path.join(ROOT, WRAPPER) && fs.existsSync(check)) {
        fs.cpSync(check, path.join(outDir, 'check'), { recursive: true });
      }
      if (fs.existsSync(wrapperTypes)) fs.copyFileSync(wrapperTypes, path.join(outDir, `${NAME}.d.ts`));
      else {
        // Without the wrapper's own types, the glue's are the nearest truth (and say so).
        console.warn(`  warning: ${path.relative(ROOT, wrapperTypes)} is missing: ${NAME}.d.ts only re-exports the glue's types`);
        fs.writeFileSync(path.join(outDir, `${NAME}.d.ts`), `export * from './${GLUE_NAME}.js';\n`);
      }
    }

    step('Bundling the single-file builds (esbuild, wasm inlined)');
    const entry = path.join(outDir, `${NAME}.js`);
    const glueInDist = path.join(outDir, path.basename(glueJs));
    const wasmInDist = path.join(outDir, path.basename(wasmFile));
    await bundle({ entry, glue: glueInDist, wasm: wasmInDist, format: 'esm', out: path.join(outDir, `${NAME}.bundle.js`) });
    try {
      await bundle({
        entry,
        glue: glueInDist,
        wasm: wasmInDist,
        format: 'iife',
        out: path.join(outDir, `${NAME}.global.js`),
      });
    } catch (err) {
      // A classic script cannot hold a top-level await, which a wrapper may use to initialise.
      console.log(`  (no classic-script build: ${err.message.split('\n')[0]})`);
    }

    if (fs.existsSync(path.join(outDir, `${NAME}.d.ts`))) writeSingleFileTypes(outDir);

    report([
      ['ESM library', [`${NAME}.js`, ...(hasWrapper ? [`${GLUE_NAME}.js`] : []), path.basename(wasmFile)]],
      ['  of which wasm', [path.basename(wasmFile)]],
      ['single file (ESM)', [`${NAME}.bundle.js`]],
      ['single file (classic)', [`${NAME}.global.js`]],
    ]);

    // The Scratch extension (js/extension/) is built from this repository's library only:
    // scripts/build-extension.mjs.
    if (hasWrapper && crateDir === ROOT && !args.wrapper && fs.existsSync(path.join(ROOT, 'js', 'extension'))) {
      step('Scratch extension builds (scripts/build-extension.mjs)');
      const { buildExtension } = await import('./build-extension.mjs');
      await buildExtension({ outDir });
    }
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- toolchain

function ensureWasmTarget() {
  const rustup = spawnSync('rustup', ['target', 'list', '--installed'], { encoding: 'utf8' });
  if (rustup.error) return; // no rustup: the cargo build below says whether the target is there
  if (!rustup.stdout.split('\n').includes(TARGET)) {
    step(`rustup target add ${TARGET} (once)`);
    run('rustup', ['target', 'add', TARGET]);
  }
}

/** The wasm-bindgen version the crate compiles against: Cargo.lock's, else Cargo.toml's pin. */
function pinnedWasmBindgen(dir) {
  const toml = fs.readFileSync(path.join(dir, 'Cargo.toml'), 'utf8');
  const m =
    toml.match(/^\s*wasm-bindgen\s*=\s*"([^"]+)"/m) ?? toml.match(/^\s*wasm-bindgen\s*=\s*\{[^}\n]*version\s*=\s*"([^"]+)"/m);
  if (!m) throw new Error(`${path.join(dir, 'Cargo.toml')} has no wasm-bindgen dependency`);
  const declared = m[1];
  if (!declared.startsWith('=')) {
    console.warn(`  warning: wasm-bindgen = "${declared}" is not pinned with "=": the CLI may drift from the crate`);
  }
  const lockFile = [path.join(dir, 'Cargo.lock'), path.join(ROOT, 'Cargo.lock')].find((f) => fs.existsSync(f));
  const locked = lockFile && fs.readFileSync(lockFile, 'utf8').match(/name = "wasm-bindgen"\nversion = "([^"]+)"/);
  const version = locked ? locked[1] : declared.replace(/^[=^~]/, '');
  if (locked && declared.startsWith('=') && declared.slice(1) !== version) {
    throw new Error(`Cargo.toml pins wasm-bindgen ${declared} but Cargo.lock has ${version}: run cargo update -p wasm-bindgen`);
  }
  return version;
}

function ensureWasmBindgenCli(version) {
  const have = spawnSync('wasm-bindgen', ['--version'], { encoding: 'utf8' });
  const found = have.error ? null : have.stdout.trim().split(/\s+/)[1];
  if (found === version) return;
  step(
    `${found ? `wasm-bindgen ${found} found, ${version} needed` : 'wasm-bindgen CLI missing'}: ` +
      `cargo install wasm-bindgen-cli --version ${version} (a few minutes, once)`,
  );
  // No --locked: the CLI's own lockfile pins a dependency version the registry mirror lacks.
  run('cargo', ['install', 'wasm-bindgen-cli', '--version', version]);
  const again = spawnSync('wasm-bindgen', ['--version'], { encoding: 'utf8' });
  if (again.error || again.stdout.trim().split(/\s+/)[1] !== version) {
    throw new Error(`wasm-bindgen ${version} was installed but is not the one on PATH (is ~/.cargo/bin on PATH?)`);
  }
}

function cargoWasmArtifact(dir) {
  const meta = JSON.parse(execFileSync('cargo', ['metadata', '--format-version', '1', '--no-deps'], { cwd: dir, encoding: 'utf8' }));
  const manifest = fs.realpathSync(path.join(dir, 'Cargo.toml'));
  const pkg = meta.packages.find((p) => fs.realpathSync(p.manifest_path) === manifest);
  const lib = pkg?.targets.find((t) => t.kind.includes('cdylib'));
  if (!lib) throw new Error(`${manifest} builds no cdylib: add crate-type = ["cdylib", "rlib"] to [lib]`);
  const file = path.join(meta.target_directory, TARGET, 'release', `${lib.name.replaceAll('-', '_')}.wasm`);
  if (!fs.existsSync(file)) throw new Error(`cargo finished but ${file} is missing`);
  return file;
}

function wasmOptPath() {
  const bin = path.join(ROOT, 'node_modules', 'binaryen', 'bin', 'wasm-opt');
  if (!fs.existsSync(bin)) throw new Error('npm binaryen is missing: run npm ci');
  return bin;
}

// rustc's wasm feature names → wasm-opt's flags.
const FEATURE_FLAGS = {
  'bulk-memory': ['--enable-bulk-memory', '--enable-bulk-memory-opt'],
  'multivalue': ['--enable-multivalue'],
  'mutable-globals': ['--enable-mutable-globals'],
  'nontrapping-fptoint': ['--enable-nontrapping-float-to-int'],
  'reference-types': ['--enable-reference-types'],
  'sign-ext': ['--enable-sign-ext'],
  'simd128': ['--enable-simd'],
  'relaxed-simd': ['--enable-relaxed-simd'],
  'tail-call': ['--enable-tail-call'],
  'extended-const': ['--enable-extended-const'],
  'exception-handling': ['--enable-exception-handling'],
  'multimemory': ['--enable-multimemory'],
};

/**
 * The wasm features rustc compiled with, as wasm-opt flags. wasm-opt would read them from the
 * module's target_features section, but `strip = true` in the release profile removes it, and
 * without them wasm-opt rejects the module (memory.copy needs bulk memory).
 */
function wasmOptFeatures() {
  const extra = (process.env.RUSTFLAGS ?? '').split(/\s+/).filter(Boolean);
  const cfg = execFileSync('rustc', ['--print', 'cfg', '--target', TARGET, ...extra], { encoding: 'utf8' });
  const flags = [];
  for (const m of cfg.matchAll(/^target_feature="([^"]+)"$/gm)) {
    if (FEATURE_FLAGS[m[1]]) flags.push(...FEATURE_FLAGS[m[1]]);
    else console.warn(`  warning: wasm feature ${m[1]} has no wasm-opt flag here; wasm-opt may reject the module`);
  }
  return flags;
}

/** Names the generated .d.ts exports, besides the init functions every wasm-bindgen module has. */
function jsExports(dts) {
  const names = new Set();
  for (const m of dts.matchAll(/^export (?:declare )?(?:function|class|const|enum|type|interface) (\w+)/gm)) {
    names.add(m[1]);
  }
  for (const skip of ['initSync', 'InitInput', 'InitOutput', 'SyncInitInput']) names.delete(skip);
  return [...names];
}

/** The optimised module must still compile, and import nothing but its own glue. */
function checkWasm(file) {
  const mod = new WebAssembly.Module(fs.readFileSync(file));
  const foreign = WebAssembly.Module.imports(mod).filter((i) => !i.module.startsWith('./') && i.module !== 'wbg');
  if (foreign.length) {
    const list = [...new Set(foreign.map((i) => `${i.module}.${i.name}`))].slice(0, 8).join(', ');
    throw new Error(`the wasm imports from outside its JS glue (${list}): a dependency is not browser-ready`);
  }
}

// ---------------------------------------------------------------- bundling

/**
 * One file that needs no second request: esbuild bundles the ESM entry, and the glue's
 * `new URL('…_bg.wasm', import.meta.url)` default becomes the module's bytes, decoded from base64
 * and handed to init() like any BufferSource. Explicit init arguments keep working.
 */
/**
 * Types beside each single file, so an editor or `tsc --strict` knows them however they are
 * imported: the ES module's are the library's own; the classic script declares its global.
 */
function writeSingleFileTypes(outDir) {
  fs.copyFileSync(path.join(outDir, `${NAME}.d.ts`), path.join(outDir, `${NAME}.bundle.d.ts`));
  if (fs.existsSync(path.join(outDir, `${NAME}.global.js`))) {
    fs.writeFileSync(
      path.join(outDir, `${NAME}.global.d.ts`),
      `// ${NAME}.global.js: a classic script defining the global ${GLOBAL_NAME}.\n` +
        `declare global {\n  const ${GLOBAL_NAME}: typeof import('./${NAME}.bundle.js');\n}\nexport {};\n`,
    );
  }
}

async function bundle({ entry, glue, wasm, format, out }) {
  const { build } = await import('esbuild');
  const inline = {
    name: 'inline-wasm',
    setup(b) {
      const glueFilter = new RegExp(`${escapeRegExp(path.basename(glue))}$`);
      b.onLoad({ filter: glueFilter }, async (a) => {
        if (path.resolve(a.path) !== path.resolve(glue)) return undefined;
        return { contents: await glueWithInlinedWasm(glue, wasm, '__smqWasmBytes'), loader: 'js' };
      });
    },
  };
  await build({
    entryPoints: [entry],
    bundle: true,
    format,
    globalName: format === 'iife' ? GLOBAL_NAME : undefined,
    minify: true,
    // Scratch 3 desktop ships an older Electron; ES2020 covers it and every current browser.
    target: format === 'iife' ? 'es2020' : 'es2022',
    platform: 'browser',
    outfile: out,
    logLevel: 'silent',
    legalComments: 'none',
    plugins: [inline],
  });
}


// ---------------------------------------------------------------- reporting

function report(groups) {
  step('Sizes (gzip -9)');
  const rows = [];
  for (const [label, files] of groups) {
    const paths = files.map((f) => path.join(outDir, f));
    if (!paths.every((p) => fs.existsSync(p))) continue;
    const raw = paths.reduce((n, p) => n + fs.statSync(p).size, 0);
    const gz = paths.reduce((n, p) => n + zlib.gzipSync(fs.readFileSync(p), { level: 9 }).length, 0);
    rows.push([label, raw, gz, files.join(' + ')]);
  }
  for (const [label, raw, gz, files] of rows) {
    console.log(`  ${label.padEnd(22)} ${kb(raw).padStart(9)} raw ${kb(gz).padStart(9)} gzip   ${files}`);
  }
  const single = rows.find((r) => r[0] === 'single file (ESM)');
  if (single) {
    const verdict = single[2] <= BUNDLE_GZIP_TARGET ? 'within' : 'OVER';
    console.log(`  single file: ${kb(single[2])} gzip, ${verdict} the ${kb(BUNDLE_GZIP_TARGET)} target`);
  }
}

function kb(bytes) {
  return `${(bytes / 1024).toFixed(1)} KB`;
}

function step(text) {
  console.log(`\n==> ${text}`);
}

function run(cmd, argv, opts = {}) {
  const r = spawnSync(cmd, argv, { stdio: 'inherit', ...opts });
  if (r.error?.code === 'ENOENT') throw new Error(`'${cmd}' is not installed`);
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} exited with ${r.status ?? r.signal}`);
}

function buildArgs(argv) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        crate: { type: 'string' },
        out: { type: 'string' },
        wrapper: { type: 'string' },
        strict: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    console.error(`build: ${err.message} (see --help)`);
    process.exit(2);
  }
  if (values.help) {
    console.log(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 14).join('\n'));
    process.exit(0);
  }
  return values;
}

// Last, so every const above is initialised before main() reads it.
try {
  await main();
} catch (err) {
  console.error(`\nbuild failed: ${err.message}`);
  process.exit(1);
}

#!/usr/bin/env node
// The benchmark's fifth client, mqtt5-wasm (crates.io; the other Rust→wasm MQTT client), built
// on demand into target/bench-mqtt5-wasm/ (git-ignored; nothing of it is committed):
//
//   a throwaway cdylib crate that re-exports mqtt5-wasm, with wasm-bindgen pinned to the version
//   this repository pins (so the installed CLI fits) → cargo build --release → wasm-bindgen
//   --target web. No wasm-opt: the crate's own packaging metadata turns it off.
//
//   node bench/mqtt5-wasm.mjs          builds it (a no-op once built for these versions)
//   import { mqtt5WasmBuild, buildMqtt5Wasm } from './mqtt5-wasm.mjs'

import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT } from '../harness/browser.mjs';

export const MQTT5_WASM_VERSION = '2.1.9';
const DIR = path.join(ROOT, 'target', 'bench-mqtt5-wasm');
const PKG = path.join(DIR, 'pkg');
const STAMP = path.join(PKG, 'built-for.json');
const WASM_TARGET = 'wasm32-unknown-unknown';

function pinnedWasmBindgen() {
  const toml = fs.readFileSync(path.join(ROOT, 'Cargo.toml'), 'utf8');
  return /^wasm-bindgen = "=([0-9.]+)"/m.exec(toml)?.[1] ?? null;
}

const wanted = () => ({ mqtt5Wasm: MQTT5_WASM_VERSION, wasmBindgen: pinnedWasmBindgen() });

/** The built package folder (mqtt5_wasm.js + _bg.wasm), or null when not built for these versions. */
export function mqtt5WasmBuild() {
  try {
    const stamp = JSON.parse(fs.readFileSync(STAMP, 'utf8'));
    return JSON.stringify(stamp) === JSON.stringify(wanted()) ? PKG : null;
  } catch {
    return null;
  }
}

/** Builds it unless built; returns { dir } or { skipped: why }. */
export function buildMqtt5Wasm({ log = console.log } = {}) {
  const built = mqtt5WasmBuild();
  if (built) return { dir: built };
  const want = wanted();
  if (!want.wasmBindgen) return { skipped: 'Cargo.toml does not pin wasm-bindgen with =' };
  const cli = spawnSync('wasm-bindgen', ['--version'], { encoding: 'utf8' });
  if (cli.status !== 0) return { skipped: 'no wasm-bindgen CLI on PATH' };
  if (!cli.stdout.includes(want.wasmBindgen)) return { skipped: `wasm-bindgen CLI is ${cli.stdout.trim()}, the pin is ${want.wasmBindgen}` };

  const crate = path.join(DIR, 'crate');
  fs.mkdirSync(path.join(crate, 'src'), { recursive: true });
  fs.writeFileSync(
    path.join(crate, 'Cargo.toml'),
    `[package]\nname = "bench-mqtt5-wasm"\nversion = "0.0.0"\nedition = "2021"\npublish = false\n\n` +
      `[lib]\ncrate-type = ["cdylib"]\n\n[dependencies]\nmqtt5-wasm = "=${want.mqtt5Wasm}"\nwasm-bindgen = "=${want.wasmBindgen}"\n\n[workspace]\n`,
  );
  fs.writeFileSync(path.join(crate, 'src', 'lib.rs'), 'pub use mqtt5_wasm::*;\n');
  log(`mqtt5-wasm ${want.mqtt5Wasm}: building (cargo, wasm-bindgen ${want.wasmBindgen}) into ${path.relative(ROOT, DIR)}/`);
  try {
    // Resolved afresh, not from the crate's own Cargo.lock: that pins webpki-roots 1.0.11, which
    // the registry mirror here does not have.
    execFileSync('cargo', ['build', '--release', '--target', WASM_TARGET, '--manifest-path', path.join(crate, 'Cargo.toml')], {
      env: { ...process.env, CARGO_TARGET_DIR: path.join(DIR, 'target') },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const wasm = path.join(DIR, 'target', WASM_TARGET, 'release', 'bench_mqtt5_wasm.wasm');
    fs.rmSync(PKG, { recursive: true, force: true });
    execFileSync('wasm-bindgen', ['--target', 'web', '--out-dir', PKG, '--out-name', 'mqtt5_wasm', wasm], { stdio: 'inherit' });
  } catch (error) {
    return { skipped: `the build failed: ${error.message.split('\n')[0]}` };
  }
  fs.writeFileSync(STAMP, JSON.stringify(want));
  return { dir: PKG };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const outcome = buildMqtt5Wasm();
  if (outcome.skipped) {
    console.error(`mqtt5-wasm not built: ${outcome.skipped}`);
    process.exitCode = 1;
  } else console.log(`mqtt5-wasm built: ${path.relative(ROOT, outcome.dir)}/`);
}

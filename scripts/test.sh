#!/usr/bin/env bash
# `npm test`: every check CI runs, in order, stopping at the first failure.
# Each step is also an npm script of its own (see package.json) for running it alone.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

require_tools
ensure_system_packages
ensure_wasm_target
ensure_node_modules
ensure_python_peers
ensure_wasm_bindgen_cli
ensure_geckodriver

# Test counts are read off the runners' own summary lines and added up at the end.
LOG="$(mktemp)"
trap 'rm -f "$LOG"' EXIT

# Numbered as they run; the count is this file's own `step` lines.
STEPS="$(grep -c '^step "' "${BASH_SOURCE[0]}")"
STEP=0
step() {
  STEP=$((STEP + 1))
  section "$STEP/$STEPS $*"
}

step "Setup steps with each tool absent (scripts/lib.sh against stubs)"
node --test --test-reporter=spec tests/setup/*.test.mjs 2>&1 | tee -a "$LOG"

step "Formatting (cargo fmt --check)"
cargo fmt --all -- --check
cargo fmt --manifest-path fuzz/Cargo.toml -- --check

step "Lints (cargo clippy -D warnings)"
cargo clippy --quiet --all-targets -- -D warnings
# The shell (src/) exists only on wasm32: lint it (and the browser tests) there too.
cargo clippy --quiet -p scratch-mqtt --target "$WASM_TARGET" --lib --test browser -- -D warnings

step "Native tests (cargo test)"
cargo test 2>&1 | tee -a "$LOG"

step "WebAssembly release build (cargo build --release --target $WASM_TARGET)"
cargo build --quiet --release -p scratch-mqtt --target "$WASM_TARGET" --lib
ls -l target/"$WASM_TARGET"/release/*.wasm | awk '{ print $5 " bytes  " $9 }'

step "Differential test against mqtt-packet (node --test)"
# tests/interop/bridge.mjs builds core/examples/codec_bridge.rs itself (cargo build --example).
node --test --test-reporter=spec tests/interop/*.test.mjs 2>&1 | tee -a "$LOG"

step "Fuzz crate compiles (cargo check --manifest-path fuzz/Cargo.toml)"
cargo check --quiet --manifest-path fuzz/Cargo.toml

step "Browser client against mosquitto in Chromium, Firefox ESR and WebKitGTK (wasm-bindgen-test)"
node tests/browser/wasm-tests.mjs 2>&1 | tee -a "$LOG"

step "The library build (dist/: ESM library and single files, gzip sizes)"
node scripts/build.mjs --strict

step "Demo page, single files, build, types and test brokers in Chromium; the page API in Firefox ESR and WebKitGTK; real peers"
# Real mosquitto and aedes brokers; peers mosquitto_pub/sub, paho-mqtt and MQTT.js.
node --test --test-reporter=spec tests/harness/*.test.mjs tests/build/*.test.mjs tests/browser/*.test.mjs 2>&1 |
  tee -a "$LOG"

step "Broker check (scratch-mqtt check): the command line, and the battery in Chromium against mosquitto, aedes and broken brokers"
# Real mosquitto (with credentials, and its TLS WebSocket listener with a self-signed certificate)
# and aedes; fakes only for a wrong path and a refused subprotocol; a port with nothing listening.
node --test --test-reporter=spec tests/check/*.test.mjs 2>&1 | tee -a "$LOG"

step "Scratch extension: blocks (stub runtime), real client in Node, manifest, three VMs and the official editor in Chromium"
# Unit tests against a stub runtime, the blocks with the wasm client against aedes and mosquitto,
# extension-manifest.json against the built files, scratch-vm 5 (npm), @scratch/scratch-vm 15 and
# TurboWarp's VM in Chromium loading the extension each way, and the official editor (scratch-gui
# 15, fetched once as pinned tarballs by harness/editors.mjs), with peers mosquitto_pub/sub
# and paho-mqtt.
node --test --test-reporter=spec tests/scratch/*.test.mjs 2>&1 | tee -a "$LOG"

step "Reliability, fast variants (tests/reliability: restarts, faults, hostile brokers, security, load; npm run soak for the long ones)"
node --test --test-concurrency=1 --test-reporter=spec tests/reliability/*.test.mjs 2>&1 | tee -a "$LOG"

step "Benchmark smoke run (npm run bench -- --quick --check: every client gives every number; targets not asserted)"
# The figures of a quick run on a busy machine mean little; bench/results.json keeps the recorded run.
npm run --silent bench -- --quick --check --out test-results/bench-quick.json

# cargo test: "test result: ok. 12 passed; 0 failed; 1 ignored; ..."
# node --test (spec reporter): "ℹ pass 12", "ℹ fail 0", "ℹ skipped 0"
section "Summary"
node - "$LOG" <<'JS'
const text = require('fs').readFileSync(process.argv[2], 'utf8');
let passed = 0, failed = 0, skipped = 0;
for (const m of text.matchAll(/^test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored/gm)) {
  passed += +m[1]; failed += +m[2]; skipped += +m[3];
}
for (const m of text.matchAll(/^\S* ?(pass|fail|skipped) (\d+)$/gm)) {
  if (m[1] === 'pass') passed += +m[2];
  else if (m[1] === 'fail') failed += +m[2];
  else skipped += +m[2];
}
console.log('All checks passed: fmt, clippy, native tests, wasm32 build, mqtt-packet interop, fuzz crate, browser tests, library build, demo end to end.');
console.log(`total: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exitCode = failed === 0 ? 0 : 1;
JS

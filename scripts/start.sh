#!/usr/bin/env bash
# `npm start`: the main job. Until the browser client lands it builds the Rust core and the
# WebAssembly module, then says what is there and what is coming.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

require_tools
ensure_wasm_target
ensure_node_modules

section "Building the Rust core (cargo build)"
cargo build --quiet --lib

section "Building the WebAssembly module (cargo build --release --target $WASM_TARGET)"
cargo build --quiet --release --target "$WASM_TARGET" --lib
wasm="target/$WASM_TARGET/release/scratch_mqtt.wasm"
[ -f "$wasm" ] || die "the build finished but $wasm is missing"

cat <<MSG

Built:
  $wasm  ($(wc -c <"$wasm") bytes, not yet optimised or bound to JavaScript)

Available today:
  - the Rust core: MQTT 3.1 / 3.1.1 / 5.0 packet types and codec (src/codec), topic rules
    (src/topic.rs) and the sans-IO client session (src/client); \`npm test\` checks them all.

Coming next (not in this build yet):
  - the browser client: the core over the WebSocket API, with a JavaScript API (src/wasm)
  - the Scratch 3 extension "mqtt" (js/) and the demo console page (www/)
  - a side-by-side benchmark against other MQTT clients

When the browser client lands, \`npm start\` will serve the demo page here instead.
MSG

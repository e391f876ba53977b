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
  $wasm ($(wc -c <"$wasm") bytes)
  It exports nothing yet: the JavaScript API arrives with the browser client.

Available today:
  - the Rust core's MQTT 3.1 / 3.1.1 / 5.0 codec (src/codec/), checked by \`npm test\`
    against mqtt-packet, the codec of MQTT.js.

Being written:
  - topic rules (src/topic.rs) and the sans-IO client session (src/client/).

Coming later:
  - the browser client over the WebSocket API, with a JavaScript API (src/wasm/);
  - the Scratch 3 extension "mqtt" (js/) and the demo page (www/);
  - a side-by-side benchmark against other MQTT clients.

When the browser client lands, \`npm start\` will serve the demo page instead.
See README.md for the status and ARCHITECTURE.md for the design.
MSG

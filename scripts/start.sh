#!/usr/bin/env bash
# `npm start`: install what is missing, build the library (dist/), then serve the demo page,
# the library and an embedded MQTT broker (aedes) on 127.0.0.1 until Ctrl-C.
# Ports: PORT (http, 8000), MQTT_WS_PORT (8083), MQTT_TCP_PORT (1883).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

require_tools
ensure_wasm_target
ensure_node_modules

section "Building the library (cargo → wasm-bindgen → wasm-opt → dist/)"
node scripts/build.mjs --strict

section "Serving the demo page and the embedded broker"
exec node scripts/serve.mjs

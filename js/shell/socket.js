// The JS half of src/socket.rs: the WebSocket's message handler and the clock every input
// is timed by (imported by the Rust side with #[wasm_bindgen(module = ...)]).

const clock = globalThis.performance ?? Date;
export function now() {
  return clock.now();
}
export function onBinaryMessage(ws, handler, onNotBinary) {
  ws.onmessage = (event) => {
    const data = event.data;
    // A text frame is not MQTT (MQTT-6.0.0-1): never fed to the decoder, it ends the connection.
    // Anything else is an ArrayBuffer (binaryType): tested by `typeof`, which, unlike
    // `instanceof ArrayBuffer`, also holds when the socket's realm is not this module's.
    if (typeof data === 'string') onNotBinary();
    else handler(new Uint8Array(data), clock.now());
  };
}

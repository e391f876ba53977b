// The URL extension (dist/scratch-mqtt-extension.js): one self-contained classic script, an IIFE
// over the `Scratch` global that editors provide, with the wasm inlined (no second request).
//
// - Unsandboxed (TurboWarp from http://localhost:8000/ or "run without sandbox", Eureka's
//   'unsandboxed' loader in CodeLab, PenguinMod): `Scratch.vm` is there, hats start per message
//   through `runtime.startHats`, nothing is lost.
// - Sandboxed worker (vanilla scratch-vm's `loadExtensionURL`, TurboWarp's sandbox): there is no
//   `Scratch.vm`, so the hats are polled by the VM every frame instead (README "Loading (c)").

import { MqttBlocks, IotBlocks, localeGetter } from './blocks.js';
import { registerOnDemand } from './on-demand.js';
import * as client from '../mqtt.js';

(function register(Scratch) {
  if (!Scratch || !Scratch.extensions || typeof Scratch.extensions.register !== 'function') {
    throw new Error('scratch-mqtt: load this file as a Scratch extension (it needs the Scratch global)');
  }
  const runtime = Scratch.vm?.runtime ?? null;
  const canFetch = typeof Scratch.canFetch === 'function' ? Scratch.canFetch.bind(Scratch) : null;
  const options = {
    client,
    getLocale: localeGetter(Scratch),
    polled: !runtime,
    // The hosted build's "use it" page (scripts/build-site.mjs); empty otherwise.
    docsURI: __SCRATCH_MQTT_DOCS_URI__, // eslint-disable-line no-undef
    // TurboWarp asks the user before a project reaches a new site; it knows http(s) URLs.
    canConnect: canFetch ? (url) => canFetch(url.replace(/^ws(s?):/i, 'http$1:')) : null,
  };
  Scratch.extensions.register(new MqttBlocks(runtime, options));
  const iot = () => new IotBlocks(runtime, options);
  if (!registerOnDemand(Scratch, 'iot', iot)) Scratch.extensions.register(iot());
  // A loader may pass `Scratch` in scope without exposing it globally (TurboWarp's convention,
  // Eureka's "don't expose context"): take the one in scope first.
  // eslint-disable-next-line no-undef
})(typeof Scratch === 'undefined' ? globalThis.Scratch : Scratch);

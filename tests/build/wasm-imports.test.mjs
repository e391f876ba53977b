// What the shipped wasm module may reach outside itself. The core crate cannot name a browser API
// (it has no dependencies and is no_std); this checks the other side of that edge: the built
// module imports only from wasm-bindgen's glue and our own js/shell/ files, and only the browser
// functions listed here. A new import (a clock, storage, a DOM API) fails this test until it is
// added below on purpose.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from '../../harness/browser.mjs';

const WASM = path.join(ROOT, 'dist', 'scratch_mqtt_bg.wasm');

/** Import module → the names it may provide (wasm-bindgen's `__wbg_<name>_<hash>` without the hash). */
const ALLOWED = {
  './scratch_mqtt_bg.js': null, // checked by name below
  'js/shell/socket.js': ['now', 'onBinaryMessage'],
  'js/shell/batch.js': ['deliverMessages', 'useMemory'],
};

// Browser and JS built-ins the shell calls through wasm-bindgen's glue.
const GLUE_NAMES = `
Error Number String apply call close code createObjectURL data decodeURIComponent deliverMessages
done entries error from get get_unchecked get_with_ref_key has hostname href instanceof_ArrayBuffer
instanceof_Map instanceof_Uint8Array isArray isSafeInteger isView iterator keys length new
new_from_slice new_with_byte_offset_and_length new_with_str new_with_str_sequence_and_options next
of password postMessage protocol prototypesetcall push random readyState reason reject
revokeObjectURL send set set_binaryType set_name set_onclose set_onerror set_onmessage set_onopen
set_password set_type set_username stack static_accessor_GLOBAL static_accessor_GLOBAL_THIS toString
static_accessor_SELF static_accessor_WINDOW terminate username value
`
  .trim()
  .split(/\s+/);

/** The glue's own helpers (`__wbindgen_*`): conversions, not browser APIs. */
const isBindgenHelper = (name) => /^(__wbg___wbindgen_|__wbg__wbg_cb_unref|__wbindgen_)/.test(name);

function shellModule(module) {
  const m = module.match(/^\.\/snippets\/scratch-mqtt-[0-9a-f]+\/(js\/shell\/[\w-]+\.js)$/);
  return m ? m[1] : module;
}

test('the built wasm imports only the glue, js/shell/ and the listed browser functions', () => {
  assert.ok(fs.existsSync(WASM), `${WASM} is missing: run npm run build first`);
  const imports = WebAssembly.Module.imports(new WebAssembly.Module(fs.readFileSync(WASM)));
  const unexpected = [];
  for (const { module, name, kind } of imports) {
    const from = shellModule(module);
    if (!Object.hasOwn(ALLOWED, from)) {
      unexpected.push(`${module} ${name} (${kind}): a module other than the glue and js/shell/`);
    } else if (ALLOWED[from] !== null) {
      if (!ALLOWED[from].includes(name)) unexpected.push(`${from} ${name}`);
    } else if (!isBindgenHelper(name)) {
      const api = name.replace(/^__wbg_/, '').replace(/_[0-9a-f]{16}$/, '');
      if (!GLUE_NAMES.includes(api)) unexpected.push(`${module} ${name} (${api})`);
    }
  }
  assert.deepEqual(unexpected, [], 'imports not on the list (add them to this test if they are meant)');
});

test('the check itself refuses a module it does not know', () => {
  assert.equal(shellModule('./snippets/scratch-mqtt-c2d2fc37d8d85adc/js/shell/socket.js'), 'js/shell/socket.js');
  assert.equal(Object.hasOwn(ALLOWED, shellModule('env')), false);
  assert.equal(Object.hasOwn(ALLOWED, shellModule('./snippets/other-crate-00/js/x.js')), false);
  assert.equal(isBindgenHelper('__wbg_now_0123456789abcdef'), false);
});

// The setup steps of `npm test`, `npm start` and `.ci/run` (scripts/lib.sh), run with each tool
// absent: each must install what is missing, saying so, or stop with a clear error — never exit
// silently (`npm test` on a fresh machine once ended with status 127 and no word, because a
// missing wasm-bindgen failed a pipeline under `set -o pipefail`).
//
// Each case runs one helper in a copy of lib.sh (so ROOT is a scratch folder) with a PATH of
// only basic tools and stubs; a stub records how it was called, and installing creates the tool.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const WANT = fs.readFileSync(path.join(ROOT, 'Cargo.toml'), 'utf8').match(/^wasm-bindgen = "=([0-9.]+)"/m)[1];
const GECKODRIVER = fs.readFileSync(path.join(ROOT, 'scripts/lib.sh'), 'utf8').match(/^GECKODRIVER_VERSION=([0-9.]+)$/m)[1];
const BASIC_TOOLS = ['bash', 'sed', 'awk', 'grep', 'cat', 'dirname', 'chmod', 'mkdir', 'touch', 'rm', 'ln'];

/** A stub that logs its arguments to $STUB_LOG, then runs `body` (bash). */
const stub = (body = '') => `#!/bin/bash\necho "$(basename "$0") $*" >> "$STUB_LOG"\n${body}\n`;
/** A tool that answers `--version` with `text`. */
const versioned = (text) => stub(`[ "$1" = --version ] && echo "${text}"; exit 0`);
/** A stub that, when asked to install, creates the tool `name` in the stub folder. */
const installs = (match, name, script) =>
  stub(`case "$*" in *${match}*) printf '%s' '${script.replace(/'/g, "'\\''")}' > "$STUBS/${name}"; chmod +x "$STUBS/${name}";; esac; exit 0`);

function runHelper(call, stubs, { files = {} } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smq-setup-'));
  try {
    const bin = path.join(dir, 'bin');
    const stubsDir = path.join(dir, 'stubs');
    fs.mkdirSync(bin);
    fs.mkdirSync(stubsDir);
    fs.mkdirSync(path.join(dir, 'root', 'scripts'), { recursive: true });
    fs.copyFileSync(path.join(ROOT, 'scripts/lib.sh'), path.join(dir, 'root/scripts/lib.sh'));
    fs.copyFileSync(path.join(ROOT, 'Cargo.toml'), path.join(dir, 'root/Cargo.toml'));
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, 'root', name), text);
    for (const tool of BASIC_TOOLS) {
      const found = ['/usr/bin', '/bin'].map((d) => path.join(d, tool)).find((p) => fs.existsSync(p));
      fs.symlinkSync(found, path.join(bin, tool));
    }
    fs.symlinkSync(process.execPath, path.join(bin, 'node'));
    fs.writeFileSync(path.join(bin, 'basename'), '#!/bin/bash\necho "${1##*/}"\n', { mode: 0o755 });
    for (const [name, script] of Object.entries(stubs)) {
      fs.writeFileSync(path.join(stubsDir, name), script, { mode: 0o755 });
    }
    const log = path.join(dir, 'calls.log');
    fs.writeFileSync(log, '');
    const result = spawnSync(
      path.join(bin, 'bash'),
      ['-c', `set -euo pipefail; source "${dir}/root/scripts/lib.sh"; ${call}; echo STEP-DONE`],
      { env: { PATH: `${stubsDir}:${bin}`, STUB_LOG: log, STUBS: stubsDir, HOME: dir }, encoding: 'utf8' },
    );
    return { ...result, calls: fs.readFileSync(log, 'utf8').trim().split('\n').filter(Boolean) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const CASES = [
  {
    name: 'wasm-bindgen absent: installs the pinned CLI with cargo, saying so',
    call: 'ensure_wasm_bindgen_cli',
    stubs: { cargo: installs('install', 'wasm-bindgen', `#!/bin/bash\necho "wasm-bindgen ${WANT}"\n`) },
    ok: true,
    stdout: [`Installing wasm-bindgen-cli ${WANT}`, 'not installed'],
    calls: [`cargo install --quiet wasm-bindgen-cli --version ${WANT}`],
  },
  {
    name: 'wasm-bindgen of another version: installs the pinned one',
    call: 'ensure_wasm_bindgen_cli',
    stubs: { 'wasm-bindgen': versioned('wasm-bindgen 0.2.100'), cargo: stub() },
    ok: true,
    stdout: [`Installing wasm-bindgen-cli ${WANT} to match the crate (0.2.100`],
    calls: [`cargo install --quiet wasm-bindgen-cli --version ${WANT}`],
  },
  {
    name: 'wasm-bindgen of the pinned version: nothing to do, nothing said',
    call: 'ensure_wasm_bindgen_cli',
    stubs: { 'wasm-bindgen': versioned(`wasm-bindgen ${WANT}`), cargo: stub() },
    ok: true,
    quiet: true,
    calls: [],
  },
  {
    name: 'wasm-bindgen absent and cargo cannot install it: a clear error, not a silent exit',
    call: 'ensure_wasm_bindgen_cli',
    stubs: { cargo: stub('exit 101') },
    ok: false,
    stderr: [`could not install wasm-bindgen-cli ${WANT}`],
  },
  {
    name: 'geckodriver absent: installs the pinned version with cargo, saying so',
    call: 'ensure_geckodriver',
    stubs: { cargo: installs('install', 'geckodriver', `#!/bin/bash\necho "geckodriver ${GECKODRIVER} ( 2025-01-01)"\n`) },
    ok: true,
    stdout: [`Installing geckodriver ${GECKODRIVER} for the Firefox tests (not installed`],
    calls: [`cargo install --quiet --locked geckodriver --version ${GECKODRIVER}`],
  },
  {
    name: 'geckodriver of the pinned version: nothing to do, nothing said',
    call: 'ensure_geckodriver',
    stubs: { geckodriver: versioned(`geckodriver ${GECKODRIVER} ( 2025-01-01)`), cargo: stub() },
    ok: true,
    quiet: true,
    calls: [],
  },
  {
    name: 'geckodriver absent and cargo cannot install it: a clear error, not a silent exit',
    call: 'ensure_geckodriver',
    stubs: { cargo: stub('exit 101') },
    ok: false,
    stderr: [`could not install geckodriver ${GECKODRIVER}`],
  },
  {
    name: 'mosquitto and Chromium absent, as root: apt-get installs them, saying which',
    call: 'ensure_system_packages',
    stubs: {
      'dpkg-query': stub('case "$*" in *mosquitto*|*chromium*) exit 1;; esac; echo "install ok installed"'),
      id: stub('echo 0'),
      'apt-get': stub(),
    },
    ok: true,
    stdout: ['Installing Debian packages: mosquitto mosquitto-clients chromium chromium-driver'],
    calls: ['apt-get update -qq', 'apt-get install -y -qq --no-install-recommends mosquitto mosquitto-clients chromium chromium-driver'],
  },
  {
    name: 'mosquitto absent, not root: names the packages and says root is needed',
    call: 'ensure_system_packages',
    stubs: {
      'dpkg-query': stub('case "$*" in *mosquitto*) exit 1;; esac; echo "install ok installed"'),
      id: stub('echo 1000'),
      'apt-get': stub(),
    },
    ok: false,
    stderr: ['needs root', 'mosquitto mosquitto-clients'],
  },
  {
    name: 'paho-mqtt absent: installed with pip, saying so',
    call: 'ensure_python_peers',
    stubs: { python3: stub('case "$*" in *"import paho"*) exit 1;; esac; exit 0') },
    ok: true,
    stdout: ['Installing paho-mqtt'],
    calls: ['python3 -m pip install --quiet --disable-pip-version-check paho-mqtt'],
  },
  {
    name: 'node_modules absent: npm ci, saying so',
    call: 'ensure_node_modules',
    stubs: { npm: stub() },
    files: { 'package-lock.json': '{}' },
    ok: true,
    stdout: ['Installing the Node dependencies'],
    calls: ['npm ci --no-audit --no-fund --loglevel=error'],
  },
  {
    name: 'the wasm32 target absent: rustup adds it, saying so',
    call: 'ensure_wasm_target',
    stubs: { rustup: stub('[ "$1 $2" = "target list" ] && echo x86_64-unknown-linux-gnu; exit 0') },
    ok: true,
    stdout: ['Adding the Rust target wasm32-unknown-unknown'],
    calls: ['rustup target add wasm32-unknown-unknown'],
  },
  {
    name: 'cargo absent: a clear error naming what to install',
    call: 'require_tools',
    stubs: { rustc: stub(), npm: stub() },
    ok: false,
    stderr: ["'cargo' is not installed", 'rustup'],
  },
];

for (const c of CASES) {
  test(c.name, () => {
    const result = runHelper(c.call, c.stubs, { files: c.files });
    const where = `status ${result.status}\nstdout: ${result.stdout}\nstderr: ${result.stderr}\ncalls: ${result.calls.join(' | ')}`;
    if (c.ok) {
      assert.equal(result.status, 0, where);
      assert.match(result.stdout, /STEP-DONE/, where);
    } else {
      assert.notEqual(result.status, 0, where);
      assert.doesNotMatch(result.stdout, /STEP-DONE/, where);
      assert.match(result.stderr, /^error: /m, `a failure must say why\n${where}`);
    }
    for (const text of c.stdout ?? []) assert.ok(result.stdout.includes(text), `stdout lacks "${text}"\n${where}`);
    for (const text of c.stderr ?? []) assert.ok(result.stderr.includes(text), `stderr lacks "${text}"\n${where}`);
    if (c.quiet) assert.equal(result.stdout.trim(), 'STEP-DONE', where);
    for (const call of c.calls ?? []) assert.ok(result.calls.includes(call), `"${call}" was not run\n${where}`);
    if (c.calls?.length === 0) assert.deepEqual(result.calls.filter((l) => !l.endsWith('--version')), [], where);
  });
}

# Shared helpers for the scripts in this folder. Source it; do not run it.
# Every helper is idempotent and silent when there is nothing to do.

# The repository root, whatever the caller's working directory.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WASM_TARGET=wasm32-unknown-unknown

# A visible header for one step, so a failure is easy to place in a long log.
section() {
  printf '\n==> %s\n' "$*"
}

die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

# The tools we cannot install from here (they come with the machine) must be present.
require_tools() {
  local tool
  for tool in cargo rustc node npm; do
    command -v "$tool" >/dev/null 2>&1 ||
      die "'$tool' is not installed. Install Rust (rustup) and Node.js 20 or newer first."
  done
  local node_major
  node_major="$(node -p 'process.versions.node.split(".")[0]')"
  [ "$node_major" -ge 20 ] || die "Node.js 20 or newer is needed (found $(node --version))."
}

# rustup's wasm32 target, added only when it is missing.
ensure_wasm_target() {
  command -v rustup >/dev/null 2>&1 || {
    # Without rustup we can only hope the toolchain already has the target; the build will say.
    return 0
  }
  if ! rustup target list --installed | grep -qx "$WASM_TARGET"; then
    echo "Adding the Rust target $WASM_TARGET (once)..."
    rustup target add "$WASM_TARGET"
  fi
}

# node_modules as package-lock.json describes it: `npm ci` when node_modules is missing or
# older than the lockfile. npm records what it installed in node_modules/.package-lock.json.
ensure_node_modules() {
  local installed="$ROOT/node_modules/.package-lock.json"
  if [ ! -f "$installed" ] || [ "$ROOT/package-lock.json" -nt "$installed" ]; then
    echo "Installing the Node dependencies from package-lock.json (npm ci)..."
    (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

# Debian packages the checks need, installed (as root) when missing:
#   g++ — libfuzzer-sys compiles libFuzzer's C++ when the fuzz crate is checked;
#   mosquitto, mosquitto-clients — the real broker and peers of the browser tests;
#   chromium, chromium-driver — headless Chromium for wasm-bindgen-test and Playwright;
#   python3-pip — installs the paho-mqtt peer;
#   fonts-wqy-microhei — Chinese glyphs in the screenshots (Chromium draws boxes without a CJK font);
#   firefox-esr, webkit2gtk-driver, xvfb — the wasm-bindgen browser tests in Firefox and WebKitGTK
#   (WebKitGTK has no headless mode: it draws on an Xvfb display).
SYSTEM_PACKAGES=(g++ mosquitto mosquitto-clients chromium chromium-driver python3-pip fonts-wqy-microhei firefox-esr webkit2gtk-driver xvfb)

ensure_system_packages() {
  local pkg missing=()
  for pkg in "${SYSTEM_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  # pip-installed Pythons (pyenv) count as python3-pip being there.
  if [ "${#missing[@]}" -eq 1 ] && [ "${missing[0]}" = python3-pip ] && python3 -m pip --version >/dev/null 2>&1; then
    missing=()
  fi
  [ "${#missing[@]}" -eq 0 ] && return 0
  section "Installing Debian packages: ${missing[*]}"
  [ "$(id -u)" -eq 0 ] || die "these Debian packages are missing and installing them needs root: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The Python peer of the end-to-end tests.
ensure_python_peers() {
  python3 -c 'import paho.mqtt' 2>/dev/null && return 0
  echo "Installing paho-mqtt for the Python peer (once)..."
  python3 -m pip install --quiet --disable-pip-version-check paho-mqtt ||
    python3 -m pip install --quiet --disable-pip-version-check --break-system-packages paho-mqtt
}

# A tool that cargo builds, at exactly `version`: installed when it is missing or another version.
# `ensure_cargo_tool BINARY CRATE VERSION WHY [CARGO INSTALL FLAGS...]`
ensure_cargo_tool() {
  local binary="$1" crate="$2" want="$3" why="$4" have=""
  shift 4
  # Under `set -o pipefail` a missing tool fails the pipeline: ask only when it is on the PATH.
  if command -v "$binary" >/dev/null 2>&1; then
    have="$("$binary" --version 2>/dev/null | awk 'NR == 1 { print $2 }' || true)"
  fi
  [ "$have" = "$want" ] && return 0
  echo "Installing $crate $want $why (${have:-not installed}; once, a few minutes)..."
  cargo install --quiet "$@" "$crate" --version "$want" ||
    die "could not install $crate $want (cargo install ${*:+$* }$crate --version $want)"
}

# The wasm-bindgen CLI must be exactly the version Cargo.toml pins (`wasm-bindgen = "=X"`).
# No --locked: the registry mirror lacks a version its lockfile pins (see toolchain notes).
ensure_wasm_bindgen_cli() {
  local want
  want="$(sed -n 's/^wasm-bindgen = "=\([0-9.]*\)".*/\1/p' "$ROOT/Cargo.toml")"
  [ -n "$want" ] || die "Cargo.toml does not pin wasm-bindgen with ="
  ensure_cargo_tool wasm-bindgen wasm-bindgen-cli "$want" "to match the crate"
}

# geckodriver drives Firefox for the wasm-bindgen browser tests; Debian does not package it.
GECKODRIVER_VERSION=0.37.1
ensure_geckodriver() {
  ensure_cargo_tool geckodriver geckodriver "$GECKODRIVER_VERSION" "for the Firefox tests" --locked
}

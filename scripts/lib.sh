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

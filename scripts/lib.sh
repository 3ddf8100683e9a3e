# Shared by scripts/build, scripts/run and scripts/test: install what is missing, cheaply.
# Every step checks first and does nothing when the tool is already there (toolchain.md:
# "install a tool only when it is missing").
# shellcheck shell=bash

WASM_BINDGEN_VERSION=0.2.129   # must equal the wasm-bindgen crate pinned in Cargo.toml / Cargo.lock

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

apt_updated=""
apt_install() {
  if [ -z "$apt_updated" ]; then
    as_root apt-get update -qq >/dev/null
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

ensure_wasm_target() {
  if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown Rust target"
    rustup target add wasm32-unknown-unknown
  fi
}

ensure_wasm_bindgen() {
  if ! command -v wasm-bindgen >/dev/null 2>&1 || [ "$(wasm-bindgen --version | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
    say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 5 minutes, once)"
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --locked
  fi
}

# wasm-opt from npm's binaryen 132 (never Debian's binaryen 108: it silently breaks the wasm).
ensure_tools_npm() {
  if [ ! -x tools/node_modules/.bin/wasm-opt ]; then
    say "installing npm build tools (binaryen)"
    npm ci --prefix tools --no-audit --no-fund --silent
  fi
}

ensure_chromium() {
  if [ ! -x /usr/bin/chromium ]; then
    say "installing Debian's chromium for the browser tests"
    apt_install chromium
  fi
}

ensure_e2e_npm() {
  if [ ! -d end2end/node_modules/@playwright/test ] || [ ! -d end2end/node_modules/maildev ] \
     || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
    say "installing end-to-end test packages (Playwright, axe-core, maildev; no browser download)"
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix end2end --no-audit --no-fund --silent
  fi
}

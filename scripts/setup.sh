#!/usr/bin/env bash
# Sets up a fresh machine for Semindex development: npm packages, the end-to-end test
# dependencies (Debian's chromium, Node 24 + code-server in a cache outside the repo), a build.
# Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

export ONNXRUNTIME_NODE_INSTALL=skip   # also in .npmrc; see there
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # Not `npm ci`: @lancedb/lancedb 0.37.1 lists optional per-platform packages that were never
  # published for some platforms, so the lock cannot hold them and `npm ci` refuses the lock.
  # `npm install` with the lock installs exactly the locked versions.
  npm install --no-audit --no-fund
fi
if [ "${SEMINDEX_SKIP_E2E_DEPS:-}" != 1 ]; then
  bash scripts/install-e2e-deps.sh
fi
npm run build

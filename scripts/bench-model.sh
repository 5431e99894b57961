#!/usr/bin/env bash
# Builds the model for `npm run bench -- --embedder transformers`, outside the repo: a BERT with
# all-MiniLM-L6-v2's shape and random weights (scripts/make-tiny-model.py --shape minilm), its
# WordPiece vocabulary learned from the npm packages in node_modules (never from the dev set).
# No model hub is reachable here; a network costs what its shape costs, whatever its weights.
# usage: bash scripts/bench-model.sh [OUT_DIR]   (default ~/.cache/semindex-bench/minilm-shaped)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-${XDG_CACHE_HOME:-$HOME/.cache}/semindex-bench/minilm-shaped}"
if [ -f "$out/onnx/model.onnx" ]; then echo "model: $out"; exit 0; fi
if ! /usr/bin/python3 -c 'import torch, onnx, numpy' 2>/dev/null; then
  if [ "$(id -u)" != 0 ]; then
    echo "bench-model: needs Debian's python3-torch python3-onnx python3-numpy; run as root or install them" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-torch python3-onnx python3-numpy
fi
[ -d "$here/node_modules" ] || { echo "bench-model: run npm ci (or scripts/setup.sh) first: the vocabulary is learned from node_modules" >&2; exit 1; }
tmp="$out.tmp"
rm -rf "$tmp"
/usr/bin/python3 "$here/scripts/make-tiny-model.py" --shape minilm --out "$tmp" --vocab-corpus "$here/node_modules"
rm -rf "$out" && mv "$tmp" "$out"
echo "model: $out"

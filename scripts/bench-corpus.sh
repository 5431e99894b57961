#!/usr/bin/env bash
# Builds the benchmark corpora from registries, outside the repo:
#   c10k   the first 10,000 .c/.h paths under drivers/ (sorted) of Debian's linux-source-6.1
#   kernel the whole linux-source-6.1 tree, minus Debian's top-level `/*` ignore rule (indexes like
#          an upstream checkout: 76,873 files, 1.16M chunks); ~1.5 GB, a cold index takes minutes
#   lodash the dev set of ../shared/eval (when present)
# usage: bash scripts/bench-corpus.sh [OUT_DIR]   (default ~/.cache/semindex-bench)
set -euo pipefail
out="${1:-${XDG_CACHE_HOME:-$HOME/.cache}/semindex-bench}"
mkdir -p "$out"
tarball=/usr/src/linux-source-6.1.tar.xz
if [ ! -f "$tarball" ]; then
  if [ "$(id -u)" != 0 ]; then echo "bench-corpus: $tarball missing; run as root or: apt-get install linux-source-6.1" >&2; exit 1; fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends linux-source-6.1 xz-utils
fi
if [ ! -f "$out/c10k.complete" ]; then
  rm -rf "$out/c10k" && mkdir -p "$out/c10k"
  list="$out/c10k.list"
  tar -tJf "$tarball" | grep -E '^linux-source-6\.1/drivers/.*\.[ch]$' | LC_ALL=C sort | sed -n '1,10000p' > "$list"
  tar -xJf "$tarball" -C "$out/c10k" --strip-components=1 -T "$list"
  echo "$(wc -l < "$list") files" > "$out/c10k.complete"
fi
echo "c10k: $out/c10k ($(cat "$out/c10k.complete"))"
if [ ! -f "$out/kernel.complete" ]; then
  rm -rf "$out/kernel" && mkdir -p "$out/kernel"
  tar -xJf "$tarball" -C "$out/kernel" --strip-components=1
  # Debian's packaging ignores everything at the top level ("/*", then "!/debian/"); upstream has no such rule.
  sed -i '/^\/\*$/d' "$out/kernel/.gitignore"
  echo "$(find "$out/kernel" -type f | wc -l) files" > "$out/kernel.complete"
fi
echo "kernel: $out/kernel ($(cat "$out/kernel.complete"))"
here="$(cd "$(dirname "$0")/.." && pwd)"
if [ -f "$here/../shared/eval/make-lodash-set.mjs" ] && [ ! -d "$out/lodash/corpus" ]; then
  node "$here/../shared/eval/make-lodash-set.mjs" "$out/lodash" > /dev/null
fi
[ -d "$out/lodash/corpus" ] && echo "lodash: $out/lodash/corpus"

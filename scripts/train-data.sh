#!/usr/bin/env bash
# `npm run train:data`: the static model's training pairs, from the registries only, into a cache
# outside the repo (default ~/.cache/semindex-train). Inputs, all downloaded, never installed:
#   - npm: the packages listed in scripts/train/npm-packages.txt (`npm pack`);
#   - Debian (`apt-get download` + `dpkg-deb -x`): a fixed sample by name hash of golang-*-dev,
#     python3-*, librust-*-dev, php-*, ruby-* packages (counts below), and linux-source-6.1's .c files
#     (kernel-doc comments);
#   - never: the held-out standard libraries and their copies, the dev sets and their copies
#     (src/train/reserved.ts refuses them by name).
# Decontamination: pairs whose code (doc comment removed, white space dropped) hashes like any chunk
# of the three dev sets (../shared/eval) or of the Go, Python and Rust standard libraries
# (golang-1.19-src, libpython3.11-stdlib, rust-src: hashed only, nothing else is read) are dropped.
# Prints what was fetched, refused, dropped and kept. Re-running reuses what the cache holds.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cache="${SEMINDEX_TRAIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/semindex-train}"
eval_dir="${SEMINDEX_EVAL_DIR:-$here/../shared/eval}"
GO=${TRAIN_GO:-1400} PY=${TRAIN_PYTHON:-1600} RS=${TRAIN_RUST:-1900} PHP=${TRAIN_PHP:-640} RB=${TRAIN_RUBY:-1000}
mkdir -p "$cache"
start=$SECONDS
cd "$here"
[ -f dist/train-harvest.js ] || npm run build --silent
H="node dist/train-harvest.js"

echo "== fetch (npm + Debian; cache $cache)"
$H fetch --cache "$cache" --npm scripts/train/npm-packages.txt --go "$GO" --python "$PY" --rust "$RS" --php "$PHP" --ruby "$RB" --kernel

echo "== deny-list: dev sets and held-out standard libraries (hashed only)"
deny="$cache/deny"
mkdir -p "$deny"
if [ ! -f "$deny/devsets.txt" ]; then
  [ -f "$eval_dir/make-lodash-set.mjs" ] || { echo "train-data: the dev sets' builders are not at $eval_dir (set SEMINDEX_EVAL_DIR); refusing to build unchecked data" >&2; exit 1; }
  node "$eval_dir/make-lodash-set.mjs" "$deny/lodash" >/dev/null
  bash "$eval_dir/make-deb-set.sh" go "$deny/moby" >/dev/null
  bash "$eval_dir/make-deb-set.sh" python "$deny/django" >/dev/null
  $H hashes --out "$deny/devsets.txt" "$deny/lodash/corpus" "$deny/moby/corpus" "$deny/django/corpus"
fi
if [ ! -f "$deny/stdlib.txt" ]; then
  rm -rf "$deny/std" && mkdir -p "$deny/std/debs"
  (cd "$deny/std/debs" && apt-get download -qq golang-1.19-src libpython3.11-stdlib rust-src)
  for d in "$deny/std/debs"/*.deb; do dpkg-deb -x "$d" "$deny/std/x"; done
  $H hashes --out "$deny/stdlib.txt" "$deny/std/x"
  rm -rf "$deny/std"
fi

echo "== pairs (packages in two shards, then the kernel's folders in two)"
for m in manifest manifest-kernel; do
  $H pairs --manifest "$cache/$m.tsv" --shard 0/2 --out "$cache/$m-0.tsv" &
  p0=$!
  $H pairs --manifest "$cache/$m.tsv" --shard 1/2 --out "$cache/$m-1.tsv" &
  p1=$!
  wait $p0
  wait $p1
done

echo "== merge: dedupe by body hash, drop the deny-listed"
$H merge --deny "$deny/devsets.txt" --deny "$deny/stdlib.txt" --out "$cache/pairs.tsv" "$cache"/manifest-0.tsv "$cache"/manifest-1.tsv "$cache"/manifest-kernel-0.tsv "$cache"/manifest-kernel-1.tsv | tee "$cache/merge.json"
echo "== overlap check against the dev sets (must be 0)"
node -e '
const fs=require("fs");const d=new Set(fs.readFileSync(process.argv[1],"utf8").split("\n").filter(Boolean));
let n=0,o=0;for(const l of fs.readFileSync(process.argv[2],"utf8").split("\n")){if(!l)continue;n++;if(d.has(l.split("\t")[1]))o++}
console.log(`pairs ${n}, overlapping the dev sets ${o}`);if(o)process.exit(1)' "$deny/devsets.txt" "$cache/pairs.tsv"
echo "train-data: $cache/pairs.tsv in $((SECONDS - start)) s"

#!/usr/bin/env bash
# Search quality on the three development sets of ../shared/eval (lodash, moby, Django), every mode,
# default settings: builds the sets once into a cache, indexes each with the CLI, scores with the
# eval's own scorer. Prints one line per set and mode, then a JSON object.
#   bash scripts/dev-eval.sh [--sets lodash,moby,django] [--modes bm25,vector,hybrid]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
eval_dir="${SEMINDEX_EVAL_DIR:-$here/../shared/eval}"
cache="${SEMINDEX_EVAL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/semindex-eval}"
sets=lodash,moby,django modes=bm25,vector,hybrid
while [ $# -gt 0 ]; do case "$1" in --sets) sets=$2; shift 2 ;; --modes) modes=$2; shift 2 ;; *) echo "usage: dev-eval.sh [--sets a,b] [--modes a,b]" >&2; exit 2 ;; esac; done
[ -f "$eval_dir/score.mjs" ] || { echo "dev-eval: no eval kit at $eval_dir (set SEMINDEX_EVAL_DIR)" >&2; exit 1; }
cli="$here/dist/cli.js"
[ -f "$cli" ] || (cd "$here" && npm run build --silent)
mkdir -p "$cache"
json="{"
for set in ${sets//,/ }; do
  if [ ! -f "$cache/$set/queries.jsonl" ]; then
    case "$set" in
      lodash) node "$eval_dir/make-lodash-set.mjs" "$cache/lodash" >/dev/null ;;
      moby) bash "$eval_dir/make-deb-set.sh" go "$cache/moby" >/dev/null ;;
      django) bash "$eval_dir/make-deb-set.sh" python "$cache/django" >/dev/null ;;
      *) echo "dev-eval: unknown set $set" >&2; exit 2 ;;
    esac
  fi
  store="$(mktemp -d)"
  node "$cli" index "$cache/$set/corpus" --store "$store" --json >/dev/null
  json="$json\"$set\":{"
  for mode in ${modes//,/ }; do
    node "$cli" search --store "$store" --queries "$cache/$set/queries.jsonl" -k 10 --mode "$mode" --json >"$store/$mode.jsonl"
    score="$(node "$eval_dir/score.mjs" "$cache/$set/queries.jsonl" "$store/$mode.jsonl" --json)"
    printf '%-7s %-7s %s\n' "$set" "$mode" "$(node -e 'const r=JSON.parse(process.argv[1]);console.log(`MRR@10 ${r.mrr10.toFixed(3)}  R@1 ${r.recall1.toFixed(3)}  R@10 ${r.recall10.toFixed(3)}`)' "$score")"
    json="$json\"$mode\":$score,"
  done
  json="${json%,}},"
  rm -rf "$store"
done
echo "${json%,}}"

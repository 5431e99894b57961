#!/usr/bin/env bash
# The main job on this machine, headless: indexes this repository with the extension's own engine
# (the bundled CLI, the same code the extension runs) and shows a search and the
# index's status. The store goes to ~/.cache/semindex-demo/<checkout> (a second run updates it incrementally).
#   bash scripts/demo.sh ["query"]        (npm run demo)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
# One store per checkout: another clone is another tree.
store="${SEMINDEX_DEMO_STORE:-${XDG_CACHE_HOME:-$HOME/.cache}/semindex-demo/$(basename "$here")-$(printf %s "$here" | sha1sum | cut -c1-8)}"
query="${1:-read the files git lists in a repository}"
cli="$here/dist/cli.js"
[ -f "$cli" ] || (cd "$here" && npm run build --silent)
echo "== index $here → $store"
node "$cli" index "$here" --store "$store"
echo
echo "== search: \"$query\""
node "$cli" search --store "$store" -k 5 "$query"
echo
echo "== status"
node "$cli" status --store "$store"

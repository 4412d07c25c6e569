#!/usr/bin/env bash
# Query-variant benchmark (scripts/bench_variants.py) on an index of the real
# Mercari listings in ../shared/data/mercari, by default inside a 1M-listing
# background of generated listings, so that the figures and latencies are
# those of a marketplace-sized index.
#   scripts/bench_variants.sh [--background FEED | --no-background] [bench_variants.py options]
# FEED defaults to var/bench/calibrated-1m.jsonl, generated when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
shared="${SHARED_DATA_DIR:-../shared/data}/mercari"
tsv="$shared/mercari_train_5k.tsv"
if [[ ! -f "$tsv" ]]; then
  echo "no $tsv: the Mercari listings are not on this machine" >&2
  exit 1
fi
background="var/bench/calibrated-1m.jsonl"
if [[ "${1:-}" == "--background" ]]; then background="$2"; shift 2
elif [[ "${1:-}" == "--no-background" ]]; then background=""; shift
fi
port="${BENCH_PORT:-18093}"
source scripts/binaries.sh
bash scripts/setup.sh >/dev/null
require_binary SERVER_BIN
require_binary INDEXER_BIN

work="var/bench/variants"
mkdir -p "$work"
python3 scripts/mercari_to_jsonl.py "$tsv" --output "$work/mercari.jsonl" 2>/dev/null
if [[ -n "$background" && ! -f "$background" ]]; then
  echo "generating the background: 1M calibrated listings into $background ..."
  python3 scripts/generate_listings.py --profile calibrated --count 1000000 --output "$background"
fi
cat ${background:+"$background"} "$work/mercari.jsonl" >"$work/feed.jsonl"
rm -rf "$work/index"
echo "indexing $(wc -l <"$work/feed.jsonl") listings ..."
"$INDEXER_BIN" build --quiet --feed "$work/feed.jsonl" --index "$work/index" --shards 2 >/dev/null
rm -f "$work/feed.jsonl"

"$SERVER_BIN" --index "$work/index" --port "$port" --cache-entries 0 >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
  sleep 0.1
done
python3 scripts/bench_variants.py --port "$port" --tsv "$tsv" "$@"

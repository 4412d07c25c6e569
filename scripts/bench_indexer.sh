#!/usr/bin/env bash
# Indexing benchmark: generates COUNT listings (default 1,000,000) and times a
# full build (JSONL -> sharded, compacted, searchable index) end to end.
# Prints listings/s, index size and the indexer's peak RSS.
#   scripts/bench_indexer.sh [COUNT] [SHARDS]
set -euo pipefail
cd "$(dirname "$0")/.."
count="${1:-1000000}"
shards="${2:-2}"
bash scripts/setup.sh >/dev/null

work="var/bench"
feed="$work/listings-$count.jsonl"
mkdir -p "$work"
if [[ ! -f "$feed" ]]; then
  echo "generating $count listings into $feed ..."
  python3 scripts/generate_listings.py --count "$count" --seed 7 --output "$feed" 2>/dev/null
fi
rm -rf "$work/index"

timing="$work/time.txt"
start=$(date +%s.%N)
/usr/bin/time -v -o "$timing" ./build/indexer/listing-indexer build --quiet \
  --feed "$feed" --index "$work/index" --shards "$shards" --dead-letter "$work/dead-letter.jsonl"
end=$(date +%s.%N)

seconds=$(echo "$end - $start" | bc -l)
peak_kb=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$timing")
index_bytes=$(du -sb "$work/index" | cut -f1)
feed_bytes=$(stat -c %s "$feed")
printf 'listings:        %d (%d MB of JSONL)\n' "$count" $((feed_bytes / 1000000))
printf 'shards:          %d\n' "$shards"
printf 'wall time:       %.1f s\n' "$seconds"
printf 'throughput:      %.0f listings/s\n' "$(echo "$count / $seconds" | bc -l)"
printf 'index size:      %d MB\n' $((index_bytes / 1000000))
printf 'peak RSS:        %d MB\n' $((peak_kb / 1024))

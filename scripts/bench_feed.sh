#!/usr/bin/env bash
# Query latency while the index is written: one client runs the
# scripts/bench_query.py query set (result cache off) against a copy of the
# 1M-listing benchmark index while `listing-indexer follow` applies a feed
# arriving at RATE listings a second (new listings and updates). Prints the
# latency percentiles before and during the feed; any failed request stops
# the run with its error.
#   scripts/bench_feed.sh [RATE] [ROUNDS]   (defaults 50 listings/s, 20 rounds)
# BENCH_INDEX names another index to copy (a frozen generation's, say);
# the default, var/bench/index, is built on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
rate="${1:-50}"
rounds="${2:-20}"
port="${BENCH_PORT:-18093}"
bash scripts/setup.sh >/dev/null
source scripts/binaries.sh
require_binary SERVER_BIN
require_binary INDEXER_BIN

index="${BENCH_INDEX:-var/bench/index}"
if [[ "$index" == var/bench/index && ! -f var/bench/index/CURRENT ]]; then
  echo "no benchmark index yet: building 1M listings with scripts/bench_indexer.sh ..."
  bash scripts/bench_indexer.sh
fi
work="var/bench-feed"
rm -rf "$work"
mkdir -p "$work"
cp -r "$index" "$work/index"  # the benchmark index itself stays as built
python3 scripts/generate_listings.py --count 20000 --seed 11 --id-prefix F --updates-fraction 0.2 \
  --output "$work/source.jsonl" >/dev/null
: >"$work/feed.jsonl"

pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
"$SERVER_BIN" --index "$work/index" --port "$port" --cache-entries 0 >"$work/server.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
  sleep 0.1
done
python3 scripts/bench_query.py --port "$port" --rounds 2 >/dev/null  # warm-up
echo "== no feed"
python3 scripts/bench_query.py --port "$port" --rounds "$rounds"

"$INDEXER_BIN" follow --feed "$work/feed.jsonl" --index "$work/index" --quiet \
  >"$work/follow.log" 2>&1 &
pids+=($!)
# The feed arrives line by line at the given rate.
python3 - "$work/source.jsonl" "$work/feed.jsonl" "$rate" <<'PY' &
import sys, time
source, feed, rate = open(sys.argv[1]), open(sys.argv[2], "a"), float(sys.argv[3])
start = time.time()
for n, line in enumerate(source, 1):
    feed.write(line)
    feed.flush()
    time.sleep(max(0.0, start + n / rate - time.time()))
PY
pids+=($!)
sleep 3
echo "== while following a feed of $rate listings/s"
python3 scripts/bench_query.py --port "$port" --rounds "$rounds"
echo "feed lines written: $(wc -l <"$work/feed.jsonl"); server log lines: $(wc -l <"$work/server.log")"

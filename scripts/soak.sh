#!/usr/bin/env bash
# Soak test: wrk replays a Zipf query log against the query server for
# SECONDS (default 180) while the index is rebuilt and swapped twice under
# the load. Passes only if no request failed, the server is still up, and
# its RSS is stable (the last quarter of the run within 15% of the second).
# Prints QPS, latency, RSS samples and the verdict.
#   scripts/soak.sh [SECONDS] [LISTINGS]   (defaults 180 s, 200,000 listings)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-180}"
listings="${2:-200000}"
port="${SOAK_PORT:-18095}"
bash scripts/setup.sh >/dev/null
source scripts/binaries.sh
require_binary INDEXER_BIN
require_binary SERVER_BIN
command -v wrk >/dev/null || apt-get install -y -qq wrk >/dev/null

work="var/soak"
mkdir -p "$work"
feed="$work/listings-$listings.jsonl"
[[ -f "$feed" ]] || python3 scripts/generate_listings.py --profile light --count "$listings" --seed 11 --output "$feed" 2>/dev/null
rm -rf "$work/index"
"$INDEXER_BIN" build --quiet --feed "$feed" --index "$work/index" >/dev/null
python3 scripts/query_log.py --count 50000 --output "$work/queries.txt" >/dev/null

"$SERVER_BIN" --index "$work/index" --port "$port" >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done

rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$server/status"; }
: >"$work/rss.txt"
(while kill -0 "$server" 2>/dev/null; do rss_kb >>"$work/rss.txt"; sleep 2; done) &
sampler=$!
# Two reindex swaps under load, a third and two thirds of the way through.
(sleep $((seconds / 3)); "$INDEXER_BIN" build --quiet --feed "$feed" --index "$work/index" >/dev/null
 sleep $((seconds / 3)); "$INDEXER_BIN" build --quiet --feed "$feed" --index "$work/index" >/dev/null) &
swapper=$!

QUERY_LOG="$work/queries.txt" wrk -t2 -c16 -d"${seconds}s" --latency -s scripts/wrk_queries.lua \
  "http://127.0.0.1:$port" | tee "$work/wrk.txt" | grep -E "Requests/sec|Latency  |99%|non-2xx|requests in"
wait "$swapper"
kill "$sampler" 2>/dev/null || true

failed=$(awk '/non-2xx or failed/ {print $NF}' "$work/wrk.txt")
alive=$(kill -0 "$server" 2>/dev/null && echo yes || echo no)
generation=$(curl -sf "http://127.0.0.1:$port/metrics" | awk '/^listing_index_generation / {print $2}')
read -r early late <<<"$(awk '{ v[NR] = $1 } END { n = NR; q = int(n / 4); s2 = 0; s4 = 0;
  for (i = q + 1; i <= 2 * q; i++) s2 += v[i]; for (i = 3 * q + 1; i <= n; i++) s4 += v[i];
  printf "%d %d\n", s2 / q, s4 / (n - 3 * q) }' "$work/rss.txt")"
echo "RSS (MB): second quarter $((early / 1024)), last quarter $((late / 1024)), peak $(( $(sort -n "$work/rss.txt" | tail -1) / 1024 ))"
echo "failed requests: $failed; server alive: $alive; serving generation: $generation (3 expected)"
if [[ "$failed" == "0" && "$alive" == "yes" && "$generation" == "3" ]] && ((late * 100 <= early * 115)); then
  echo "soak: PASS"
else
  echo "soak: FAIL"
  exit 1
fi

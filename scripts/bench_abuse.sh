#!/usr/bin/env bash
# Abuse benchmark (issue 14, finding 9): how the query server holds up
# under slow clients and under many keep-alive connections, on an index of
# LISTINGS generated listings (the soak test's feed).
#
#   1. An ordinary client searches every 50 ms on a new connection while 0,
#      40 and 200 slow clients hold connections open (half send a request
#      line and then nothing, half a header byte a second; the server ends
#      them after 5 s and they connect again): scripts/slow_clients.py.
#   2. wrk replays the Zipf query log with every result cached (a cache
#      big enough for the log's 6,000 distinct requests, and a warm-up
#      that asks each once), over 16, 64 and 400 keep-alive connections as
#      fast as it can, then at one steady rate (REQUESTS_PER_SECOND in all)
#      over 16 and over 400 connections, as an app tier's pool sends.
#
#   scripts/bench_abuse.sh [LISTINGS]     (default 200,000)
#   SERVER_BIN=/path/to/search-server scripts/bench_abuse.sh   measures another build
set -euo pipefail
cd "$(dirname "$0")/.."
listings="${1:-200000}"
port="${BENCH_PORT:-18096}"
rate="${REQUESTS_PER_SECOND:-2000}"
bash scripts/setup.sh >/dev/null
source scripts/binaries.sh
require_binary INDEXER_BIN
require_binary SERVER_BIN
command -v wrk >/dev/null || apt-get install -y -qq wrk >/dev/null

work="var/abuse"
mkdir -p "$work"
feed="$work/listings-$listings.jsonl"
[[ -f "$feed" ]] || python3 scripts/generate_listings.py --profile light --count "$listings" --seed 11 --output "$feed" 2>/dev/null
if [[ ! -f "$work/index-$listings/CURRENT" ]]; then
  "$INDEXER_BIN" build --quiet --feed "$feed" --index "$work/index-$listings" >/dev/null
fi
python3 scripts/query_log.py --count 50000 --output "$work/queries.txt" >/dev/null
sort -u "$work/queries.txt" >"$work/distinct-queries.txt"

"$SERVER_BIN" --index "$work/index-$listings" --port "$port" --cache-entries 10000 >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
echo "server: $SERVER_BIN, $listings listings, $(nproc) cores shared with the clients"

echo "== an ordinary search every 50 ms on a new connection, while slow clients hold connections"
for count in 0 40 200; do
  python3 scripts/slow_clients.py --port "$port" --count "$count" --seconds 20
done

wrk_run() {  # LABEL CONNECTIONS [PACE_MS]
  local label="$1" connections="$2" pace="${3:-}"
  echo "-- $label"
  PACE_MS="$pace" QUERY_LOG="$work/queries.txt" wrk -t2 -c"$connections" -d20s --timeout 2s --latency \
    -s scripts/wrk_queries.lua "http://127.0.0.1:$port" |
    grep -E "^ +(50|90|99)%|Requests/sec|Socket errors|non-2xx" | tr -s ' ' | paste -sd ' '
}

metric() { curl -s "http://127.0.0.1:$port/metrics" | awk -v name="$1" '$1 == name {print $2}'; }

echo "== wrk over the query log, every result cached"
# Warm-up: each distinct request of the log answered (and cached) at least once.
QUERY_LOG="$work/distinct-queries.txt" wrk -t1 -c8 -d30s -s scripts/wrk_queries.lua "http://127.0.0.1:$port" >/dev/null
searches_before=$(metric listing_search_duration_seconds_count)
hits_before=$(metric listing_search_cache_hits_total)
for connections in 16 64 400; do wrk_run "$connections connections, as fast as they go" "$connections"; done
for connections in 16 400; do
  # Each connection waits 0 to 2x the pace between requests: about $rate requests/s in all.
  wrk_run "$connections connections, about $rate requests/s in all" "$connections" $((connections * 1000 / rate))
done
echo "cache hits after the warm-up: $(($(metric listing_search_cache_hits_total) - hits_before)) of" \
  "$(($(metric listing_search_duration_seconds_count) - searches_before)) searches"
grep -E "VmRSS|VmHWM" "/proc/$server/status" | sed 's/^/server /'

#!/usr/bin/env bash
# Load benchmark: wrk against the query server over loopback, replaying the
# long-tail query log (scripts/query_log.py --listings: distinct v1 requests
# with Zipf popularity, top 20 with exact brand and category facets, with
# prefixes, typos, filters and sorts) on a 1M-listing index. Runs the server
# with the result cache (as served) and/or without it (every request
# matched), and prints QPS, latency percentiles, errors and the server's RSS.
#
#   scripts/bench_load.sh [SECONDS] [CONNECTIONS]
#   scripts/bench_load.sh [--seconds 30] [--connections 16] [--cache both|on|off]
#                         [--index DIR] [--log FILE] [--listings FILE]
#
# Defaults: the index var/bench/index (built by scripts/bench_indexer.sh when
# missing, calibrated profile) and the log var/bench/queries.txt (written
# from LISTINGS, default var/bench/listings-calibrated-1000000.jsonl, when
# missing). The server is $SERVER_BIN (default build/server/search-server).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=30
connections=16
cache="both"
index="var/bench/index"
log="var/bench/queries.txt"
listings="var/bench/listings-calibrated-1000000.jsonl"
port="${BENCH_PORT:-18090}"
if [[ "${1:-}" =~ ^[0-9]+$ ]]; then  # the old form: SECONDS [CONNECTIONS]
  seconds="$1"
  connections="${2:-$connections}"
  shift $(($# < 2 ? $# : 2))
fi
while (($#)); do
  case "$1" in
    --seconds) seconds="$2" ;;
    --connections) connections="$2" ;;
    --cache) cache="$2" ;;
    --index) index="$2" ;;
    --log) log="$2" ;;
    --listings) listings="$2" ;;
    *) echo "bench_load.sh: unknown option $1 (see the comment at the top of the script)" >&2; exit 2 ;;
  esac
  shift 2
done
bash scripts/setup.sh >/dev/null
source scripts/binaries.sh
require_binary SERVER_BIN
if ! command -v wrk >/dev/null; then
  echo "installing wrk ..."
  apt-get install -y wrk >/dev/null
fi

if [[ ! -f "$index/CURRENT" ]]; then
  echo "no benchmark index at $index: building 1M calibrated listings with scripts/bench_indexer.sh ..."
  bash scripts/bench_indexer.sh build --index "$index"
fi
if [[ ! -f "$log" ]]; then
  echo "no query log at $log: writing the long-tail log from $listings ..."
  python3 scripts/query_log.py --listings "$listings" --index "$index" --count 50000 --output "$log"
fi
work="$(dirname "$log")"

run() {
  local label="$1"; shift
  if curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; then
    # A second server would share the port and answer half the requests.
    echo "bench_load.sh: something already serves port $port: stop it or set BENCH_PORT" >&2
    exit 1
  fi
  "$SERVER_BIN" --index "$index" --port "$port" "$@" >"$work/server.log" 2>&1 &
  local server=$!
  trap 'kill $server 2>/dev/null || true' RETURN
  for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
    sleep 0.1
  done
  # Warm-up: snapshots, term bitmaps, page cache.
  QUERY_LOG="$log" wrk -t2 -c4 -d5s -s scripts/wrk_queries.lua "http://127.0.0.1:$port" >/dev/null
  # wrk wants a connection per thread: one connection is one client, one thread.
  local threads=$((connections < 2 ? 1 : 2))
  echo "== $label: wrk -t$threads -c$connections -d${seconds}s over $log"
  QUERY_LOG="$log" wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency -s scripts/wrk_queries.lua \
    "http://127.0.0.1:$port" | grep -E "Requests/sec|Latency  |50%|90%|99%|non-2xx|requests in"
  grep -E "VmRSS|VmHWM" "/proc/$server/status" | sed 's/^/server /'
  kill "$server"
  wait "$server" 2>/dev/null || true
}

case "$cache" in
  both) run "with the result cache" --cache-entries 4096; run "without the result cache" --cache-entries 0 ;;
  on) run "with the result cache" --cache-entries 4096 ;;
  off) run "without the result cache" --cache-entries 0 ;;
  *) echo "bench_load.sh: --cache must be both, on or off, not '$cache'" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# Load benchmark: wrk against the query server over loopback, replaying a
# Zipf-skewed query log (top 20 + brand/category facets + price stats) on
# the 1M-listing benchmark index. Runs once with the result cache (as
# served) and once without it (every request matched), and prints QPS,
# latency percentiles, errors and the server's RSS for each.
#   scripts/bench_load.sh [SECONDS] [CONNECTIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-30}"
connections="${2:-16}"
port="${BENCH_PORT:-18090}"
bash scripts/setup.sh >/dev/null
if ! command -v wrk >/dev/null; then
  echo "installing wrk ..."
  apt-get install -y wrk >/dev/null
fi

work="var/bench"
if [[ ! -f "$work/index/CURRENT" ]]; then
  echo "no benchmark index yet: building 1M listings with scripts/bench_indexer.sh ..."
  bash scripts/bench_indexer.sh
fi
python3 scripts/query_log.py --count 50000 --output "$work/queries.txt" >/dev/null

run() {
  local label="$1"; shift
  ./build/server/search-server --index "$work/index" --port "$port" "$@" >"$work/server.log" 2>&1 &
  local server=$!
  trap 'kill $server 2>/dev/null || true' RETURN
  for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
    sleep 0.1
  done
  # Warm-up: snapshots, term bitmaps, page cache.
  QUERY_LOG="$work/queries.txt" wrk -t2 -c4 -d5s -s scripts/wrk_queries.lua "http://127.0.0.1:$port" >/dev/null
  echo "== $label: wrk -t2 -c$connections -d${seconds}s"
  QUERY_LOG="$work/queries.txt" wrk -t2 -c"$connections" -d"${seconds}s" --latency -s scripts/wrk_queries.lua \
    "http://127.0.0.1:$port" | grep -E "Requests/sec|Latency  |50%|90%|99%|non-2xx|requests in"
  grep -E "VmRSS|VmHWM" "/proc/$server/status" | sed 's/^/server /'
  kill "$server"
  wait "$server" 2>/dev/null || true
}

run "with the result cache" --cache-entries 4096
run "without the result cache" --cache-entries 0

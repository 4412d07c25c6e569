#!/usr/bin/env bash
# Throughput of two search-server binaries under load, measured side by
# side: both serve the same index at once, each gets its own wrk (half the
# connections), and the requests/s each completes in the same seconds are
# compared. Whatever the shared VM does during a round (its speed moved by
# 10-30% within minutes on 2026-12-02), both servers live through it, so
# the ratio stays within about +-4% for two copies of one binary, where
# servers timed one after the other moved by 20%.
#
#   scripts/compare_load.sh --a BIN --b BIN --index DIR --log FILE [--rounds 3] [--seconds 15] [--connections 16]
#
# The log is a long-tail log (scripts/query_log.py); both servers run
# without the result cache. Prints each round's requests/s of A and B and
# their ratio B/A. For a change that must not move any result, check that
# first with scripts/check_same_results.py; for one client's latency, use
# scripts/compare_speed.py.
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=3
seconds=15
connections=16
a="" b="" index="" log=""
usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; }
while (($#)); do
  case "$1" in
    --a) a="$2" ;;
    --b) b="$2" ;;
    --index) index="$2" ;;
    --log) log="$2" ;;
    --rounds) rounds="$2" ;;
    --seconds) seconds="$2" ;;
    --connections) connections="$2" ;;
    -h | --help) usage; exit 0 ;;
    *) echo "compare_load.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
  shift 2
done
if [[ -z "$a" || -z "$b" || -z "$index" || -z "$log" ]]; then
  echo "compare_load.sh: --a, --b, --index and --log are needed" >&2
  usage >&2
  exit 2
fi
for binary in "$a" "$b"; do
  [[ -x "$binary" ]] || { echo "compare_load.sh: $binary is not an executable" >&2; exit 2; }
done
[[ -f "$index/CURRENT" ]] || { echo "compare_load.sh: no index at $index" >&2; exit 2; }
[[ -f "$log" ]] || { echo "compare_load.sh: no query log at $log" >&2; exit 2; }
if ! command -v wrk >/dev/null; then
  echo "installing wrk ..."
  apt-get install -y wrk >/dev/null
fi

port_a="${BENCH_PORT:-18095}"
port_b=$((port_a + 1))
each=$((connections / 2))
work="$(mktemp -d)"
"$a" --index "$index" --port "$port_a" --cache-entries 0 >"$work/a.log" 2>&1 &
server_a=$!
"$b" --index "$index" --port "$port_b" --cache-entries 0 >"$work/b.log" 2>&1 &
server_b=$!
trap 'kill $server_a $server_b 2>/dev/null || true; rm -rf "$work"' EXIT
for port in "$port_a" "$port_b"; do
  for _ in $(seq 1 300); do
    curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
    sleep 0.1
  done
done

load() {  # PORT SECONDS OUTPUT
  QUERY_LOG="$log" wrk -t1 -c"$each" -d"$2s" -s scripts/wrk_queries.lua "http://127.0.0.1:$1" >"$3"
}
requests_per_second() { awk '/Requests\/sec/ {print $2}' "$1"; }

echo "warming both servers up (8 s each) ..."
load "$port_a" 8 /dev/null
load "$port_b" 8 /dev/null
echo "A: $a"
echo "B: $b"
for round in $(seq 1 "$rounds"); do
  load "$port_a" "$seconds" "$work/round-a.txt" &
  wrk_a=$!
  load "$port_b" "$seconds" "$work/round-b.txt" &
  wrk_b=$!
  wait "$wrk_a" "$wrk_b"
  rate_a=$(requests_per_second "$work/round-a.txt")
  rate_b=$(requests_per_second "$work/round-b.txt")
  echo "round $round: A $rate_a requests/s, B $rate_b requests/s, B/A $(awk -v a="$rate_a" -v b="$rate_b" 'BEGIN {printf "%.3f", b / a}')"
done

#!/usr/bin/env bash
# What keeping a replica costs: builds an index, serves it with
# xapian-replicate-server on loopback, and times scripts/replica.sh rounds.
#
#   scripts/bench_replica.sh --feed FILE --follow-feed FILE [--lines N] [--shards N]
#                            [--no-termlists] [--work DIR]
#     Builds FEED (2 shards by default; a frozen generation with
#     --no-termlists) with XAPIAN_MAX_CHANGESETS=10, copies it to a replica
#     (the first round), follows the first LINES lines (default 10,000) of
#     FOLLOW_FEED, and copies again. Prints each round's seconds, the bytes
#     that crossed the loopback interface (run it on a quiet machine: other
#     loopback traffic counts too) and the replica's size.
#     scripts/bench_indexer.sh follow writes a mixed follow feed (half new
#     listings, half updates): var/bench/follow-calibrated-100000.jsonl.
#
# WORK defaults to var/bench/replica (rebuilt each run).
# The indexer is $INDEXER_BIN (default build/indexer/listing-indexer).
set -euo pipefail
cd "$(dirname "$0")/.."

feed=""
follow_feed=""
lines=10000
shards=2
work="var/bench/replica"
build_options=()
while (($#)); do
  case "$1" in
    --feed) feed="$2"; shift ;;
    --follow-feed) follow_feed="$2"; shift ;;
    --lines) lines="$2"; shift ;;
    --shards) shards="$2"; shift ;;
    --work) work="$2"; shift ;;
    --no-termlists) build_options+=(--no-termlists) ;;
    -h | --help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "bench_replica.sh: unknown option $1 (--help)" >&2; exit 2 ;;
  esac
  shift
done
if [[ ! -f "$feed" || ! -f "$follow_feed" ]]; then
  echo "bench_replica.sh: --feed and --follow-feed must name files (--help)" >&2
  exit 2
fi
indexer="${INDEXER_BIN:-build/indexer/listing-indexer}"

loopback_bytes() { awk '/^ *lo:/ {print $2}' /proc/net/dev; }
now() { date +%s.%N; }

# One replica round: prints seconds, loopback MB and the replica's size.
timed_round() {  # LABEL
  local bytes_before started finished
  bytes_before=$(loopback_bytes)
  started=$(now)
  scripts/replica.sh 127.0.0.1 "$port" "$work/replica" 0 >/dev/null
  finished=$(now)
  printf '%-28s %6.2f s  %7.1f MB over loopback  replica %5d MB\n' "$1" \
    "$(echo "$finished - $started" | bc)" "$(echo "($(loopback_bytes) - $bytes_before) / 1048576" | bc -l)" \
    "$(du -sm "$work/replica" | cut -f1)"
}

rm -rf "$work"
mkdir -p "$work"
export XAPIAN_MAX_CHANGESETS=10  # so that only changes travel
"$indexer" build --quiet --feed "$feed" --index "$work/index" --shards "$shards" "${build_options[@]}"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
xapian-replicate-server --interface 127.0.0.1 --port "$port" "$work/index" >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
sleep 1

kind="usual generation"
((${#build_options[@]} == 0)) || kind="frozen generation"
echo "index: $(du -sm "$work/index" | cut -f1) MB, $kind"
timed_round "first round (whole index)"
head -n "$lines" "$follow_feed" >"$work/follow.jsonl"
"$indexer" follow --once --quiet --feed "$work/follow.jsonl" --index "$work/index" \
  --dead-letter "$work/follow-dead-letter.jsonl"
timed_round "round after $lines lines"
timed_round "round with nothing new"

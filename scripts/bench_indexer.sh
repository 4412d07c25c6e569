#!/usr/bin/env bash
# Indexing benchmark, two modes:
#
#   scripts/bench_indexer.sh [build] [--profile calibrated|light|heavy] [--count N] [--shards N]
#                            [--feed FILE] [--index DIR] [--work DIR] [--no-termlists]
#     Generates COUNT listings of the profile (default calibrated, 1,000,000;
#     scripts/generate_listings.py --seed 7, kept in WORK for the next run) or
#     takes --feed, and times `listing-indexer build` end to end (JSONL ->
#     sharded, merged, compacted, searchable index). Prints listings/s, the
#     index size (du of the new generation's directory) and the indexer's peak
#     RSS. `scripts/bench_indexer.sh COUNT SHARDS` still works.
#
#   scripts/bench_indexer.sh follow [--index DIR] [--feed FILE] [--lines N] [--profile P] [--work DIR]
#                                   [--rate LINES_PER_S]
#     Applies LINES feed lines (default 100,000: half new listings, half
#     updates of listings of FEED, the feed the index was built from,
#     interleaved) with `listing-indexer follow --once` to a copy of the
#     index, and prints lines/s and peak RSS. The index itself is left as built.
#     With --rate, the lines are instead appended to a growing feed file at
#     that rate while `listing-indexer follow` runs, which is asked to stop
#     3 s after the last line (it commits everything it has read, then
#     stops): it kept up if it stopped about 3 s after the last line.
#
# Both print the CPU time (user + system) and the load average: on a shared
# machine the wall time says more about the neighbours than the indexer.
#
# WORK defaults to var/bench (feeds, the default index var/bench/index, copies).
# The indexer is $INDEXER_BIN (default build/indexer/listing-indexer).
set -euo pipefail
cd "$(dirname "$0")/.."

mode="build"
profile="calibrated"
count=1000000
shards=2
lines=100000
work="var/bench"
rate=""
feed=""
index=""
build_options=()
if [[ "${1:-}" == "build" || "${1:-}" == "follow" ]]; then
  mode="$1"
  shift
fi
if [[ "${1:-}" =~ ^[0-9]+$ ]]; then  # the old form: COUNT [SHARDS]
  count="$1"
  shards="${2:-$shards}"
  shift $(($# < 2 ? $# : 2))
fi
while (($#)); do
  case "$1" in
    --profile) profile="$2" ;;
    --count) count="$2" ;;
    --shards) shards="$2" ;;
    --lines) lines="$2" ;;
    --rate) rate="$2" ;;
    --feed) feed="$2" ;;
    --index) index="$2" ;;
    --work) work="$2" ;;
    --no-termlists) build_options+=(--no-termlists); shift; continue ;;
    *) echo "bench_indexer.sh: unknown option $1 (see the comment at the top of the script)" >&2; exit 2 ;;
  esac
  shift 2
done
case "$profile" in
  calibrated | light | heavy) ;;
  *) echo "bench_indexer.sh: --profile must be calibrated, light or heavy, not '$profile'" >&2; exit 2 ;;
esac

bash scripts/setup.sh >/dev/null
source scripts/binaries.sh
require_binary INDEXER_BIN
mkdir -p "$work"
index="${index:-$work/index}"
feed="${feed:-$work/listings-$profile-$count.jsonl}"

# generate_feed FILE COUNT [generator options]: makes FILE unless it is already there.
generate_feed() {
  local file="$1" listings="$2"
  shift 2
  if [[ ! -f "$file" ]]; then
    echo "generating $listings $profile listings into $file ..."
    python3 scripts/generate_listings.py --profile "$profile" --count "$listings" --output "$file.partial" "$@" \
      2>"$file.summary" && mv "$file.partial" "$file"
    grep -v "00000 listings$" "$file.summary"
  fi
}

# timed OUTPUT_PREFIX COMMAND...: runs it under GNU time; sets seconds, cpu_seconds, peak_mb and load.
timed() {
  local prefix="$1"
  shift
  timing_start
  /usr/bin/time -v -o "$prefix.time" "$@"
  timing_end "$prefix.time"
}
timing_start() {
  load=$(cut -d' ' -f1-3 /proc/loadavg)
  started=$(date +%s.%N)
}
# timing_end TIME_FILE: the figures of what ran since timing_start, from GNU time's report.
timing_end() {
  seconds=$(echo "$(date +%s.%N) - $started" | bc -l)
  load="$load -> $(cut -d' ' -f1-3 /proc/loadavg)"
  cpu_seconds=$(awk -F: '/User time|System time/ {sum += $2} END {print sum}' "$1")
  peak_mb=$(($(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$1") / 1024))
}

# generation_dir INDEX: the directory of the generation that INDEX/CURRENT serves.
generation_dir() {
  local shard
  shard=$(awk '$1 == "auto" {print $2; exit}' "$1/CURRENT")
  echo "$1/${shard%%/*}"
}

if [[ "$mode" == "build" ]]; then
  generate_feed "$feed" "$count" --seed 7
  count=$(grep -c . "$feed")
  rm -rf "$index"
  timed "$work/build" "$INDEXER_BIN" build --quiet --feed "$feed" --index "$index" --shards "$shards" \
    --dead-letter "$work/dead-letter.jsonl" "${build_options[@]}"
  generation=$(generation_dir "$index")
  printf 'feed:            %s (%d listings, %d MB of JSONL)\n' "$feed" "$count" $(($(stat -c %s "$feed") / 1000000))
  printf 'shards:          %d\n' "$shards"
  printf 'wall time:       %.1f s\n' "$seconds"
  printf 'throughput:      %.0f listings/s\n' "$(echo "$count / $seconds" | bc -l)"
  printf 'cpu time:        %.1f s (user + system; load average %s)\n' "$cpu_seconds" "$load"
  printf 'index size:      %d MB (du of %s)\n' $(($(du -sb "$generation" | cut -f1) / 1000000)) "$generation"
  printf 'peak RSS:        %d MB\n' "$peak_mb"
  exit 0
fi

# follow: half new listings (ids F...), half updates of the base feed's listings.
if [[ ! -f "$index/CURRENT" || ! -f "$feed" ]]; then
  echo "bench_indexer.sh follow: needs an index and the feed it was built from: $index, $feed" \
    "(run scripts/bench_indexer.sh build first, or pass --index and --feed)" >&2
  exit 1
fi
mixed="$work/follow-$profile-$lines.jsonl"
generate_feed "$mixed" $((lines / 2)) --seed 13 --id-prefix F --mix-updates-from "$feed"
copy="$work/follow-index"
rm -rf "$copy"
echo "copying $index to $copy ..."
cp -r "$index" "$copy"
applied=$(grep -c . "$mixed")
rm -f "$work/follow-dead-letter.jsonl"
if [[ -z "$rate" ]]; then
  timed "$work/follow" "$INDEXER_BIN" follow --once --quiet --feed "$mixed" --index "$copy" \
    --dead-letter "$work/follow-dead-letter.jsonl"
else
  # The feed grows at RATE lines/s (a write every 50 ms) while the follower runs.
  growing="$work/follow-growing.jsonl"
  : >"$growing"
  timing_start
  /usr/bin/time -v -o "$work/follow.time" "$INDEXER_BIN" follow --quiet --feed "$growing" --index "$copy" \
    --dead-letter "$work/follow-dead-letter.jsonl" >"$work/follow.out" &
  timer=$!
  achieved=$(python3 - "$mixed" "$growing" "$rate" <<'PY'
import sys, time
source, target, rate = sys.argv[1], sys.argv[2], float(sys.argv[3])
lines = open(source).read().splitlines(keepends=True)
step = max(1, int(rate / 20))
start = time.monotonic()
with open(target, "a") as out:
    for first in range(0, len(lines), step):
        out.write("".join(lines[first:first + step]))
        out.flush()
        time.sleep(max(0.0, start + (first + step) / rate - time.monotonic()))
print(f"{len(lines) / (time.monotonic() - start):.0f} {time.monotonic() - start:.1f}")
PY
  )
  sleep 3
  pkill -TERM -P "$timer"  # the follower: GNU time's only child; it commits and stops
  wait "$timer"
  timing_end "$work/follow.time"
  read written_seconds <<<"${achieved#* }"
  achieved="${achieved%% *}"
  read_lines=$(grep -o '[0-9]* lines read' "$work/follow.out" | cut -d' ' -f1)
fi
printf 'index:           %s (a copy in %s)\n' "$index" "$copy"
printf 'feed:            %s (%d lines: new listings and updates, interleaved)\n' "$mixed" "$applied"
printf 'wall time:       %.1f s\n' "$seconds"
if [[ -z "$rate" ]]; then
  printf 'throughput:      %.0f lines/s\n' "$(echo "$applied / $seconds" | bc -l)"
else
  printf 'offered:         %s lines/s asked, %s lines/s written (in %.1f s); %s of %d lines committed\n' \
    "$rate" "$achieved" "$written_seconds" "$read_lines" "$applied"
  printf 'behind:          stopped %.1f s after the last line was written (3.0 s: it had kept up)\n' \
    "$(echo "$seconds - $written_seconds" | bc -l)"
fi
printf 'cpu time:        %.1f s (user + system; load average %s)\n' "$cpu_seconds" "$load"
printf 'peak RSS:        %d MB\n' "$peak_mb"
rejected=0
[[ -f "$work/follow-dead-letter.jsonl" ]] && rejected=$(wc -l <"$work/follow-dead-letter.jsonl")
printf 'rejected lines:  %d\n' "$rejected"

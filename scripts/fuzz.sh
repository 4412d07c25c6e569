#!/usr/bin/env bash
# Fuzzes the feed line parser, the search request parser (query string and
# JSON body), the filter grammar and the reading of stored values (a
# damaged index's slot 7, compressed or not) with libFuzzer, under AddressSanitizer
# and UndefinedBehaviorSanitizer, for SECONDS each (default 60). Builds with
# clang into build-fuzz/; corpora grow in var/fuzz/, seeded from
# tests/fuzz/corpus/. A crash leaves its input in var/fuzz/ and exits 1.
#   scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
bash scripts/setup.sh >/dev/null
if ! command -v clang++ >/dev/null || ! dpkg-query -W -f='${Status}' libclang-rt-14-dev 2>/dev/null | grep -q "ok installed"; then
  echo "fuzz: installing clang and its libFuzzer runtime"
  apt-get install -y -qq --no-install-recommends clang libclang-rt-14-dev >/dev/null
fi
if [[ ! -f build-fuzz/build.ninja ]]; then
  CXX=clang++ meson setup build-fuzz -Dfuzzing=true -Db_sanitize=address,undefined -Db_lundef=false \
    --buildtype=debugoptimized >/dev/null
fi
ninja -C build-fuzz >/dev/null

status=0
for target in feed_line search_request filter stored_value; do
  corpus="var/fuzz/$target"
  mkdir -p "$corpus"
  cp -n tests/fuzz/corpus/"$target"/* "$corpus"/ 2>/dev/null || true
  echo "== ${target}_fuzzer for ${seconds}s"
  if ! ./build-fuzz/tests/fuzz/"${target}_fuzzer" -max_total_time="$seconds" -max_len=4096 -print_final_stats=1 \
      -artifact_prefix="var/fuzz/${target}-" "$corpus" 2>"var/fuzz/${target}.log"; then
    echo "fuzz: ${target}_fuzzer found a failure, see var/fuzz/${target}.log"
    status=1
  fi
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb|cov:" "var/fuzz/${target}.log" | tail -3
done
exit $status

#!/usr/bin/env bash
# Keeps a replica of a listing index current, generation swaps included,
# from an indexing machine that runs
#     xapian-replicate-server --port PORT INDEX_DIR
# (and the indexer with XAPIAN_MAX_CHANGESETS=10, so that only changes
# travel). Each round copies the serving pointer database, then every shard
# of the generation it names, then points the replica's CURRENT at that
# generation (atomically) and removes older generations. A search-server
# started with --index REPLICA_DIR follows along like on the primary.
#   scripts/replica.sh HOST PORT REPLICA_DIR [INTERVAL_SECONDS]   (0: one round, then exit)
set -euo pipefail
if (($# < 3)); then
  sed -n '2,11p' "$0" >&2
  exit 2
fi
host="$1"; port="$2"; replica="$3"; interval="${4:-5}"
mkdir -p "$replica"

copy() {  # copy DATABASE from the master to the same relative path here
  xapian-replicate -h "$host" -p "$port" -m "$1" -o -r 0 -q "$replica/$1"
}

round() {
  copy serving
  local generation shards id frozen
  generation=$(xapian-metadata get "$replica/serving" generation)
  shards=$(xapian-metadata get "$replica/serving" shards)
  id=$(xapian-metadata get "$replica/serving" id)  # empty from an indexer older than generation ids
  frozen=$(xapian-metadata get "$replica/serving" frozen)  # "1": each shard a base and a delta
  if [[ "$frozen" == 1 ]]; then
    # xapian-replicate opens every database it updates for writing, which
    # a base built without termlists cannot be.
    echo "replica: generation $generation is frozen (built with --no-termlists): xapian-replicate cannot copy" \
      "its bases; serve replicas from a generation built without --no-termlists" >&2
    exit 1
  fi
  local gen_dir
  gen_dir=$(printf 'gen-%06d' "$generation")
  mkdir -p "$replica/$gen_dir"
  local stub
  stub=$(printf '# generation %s of %s shards, written by the indexer' "$generation" "$shards")
  [[ -z "$id" ]] || stub+=$'\n'"# id $id"
  for ((shard = 0; shard < shards; shard++)); do
    copy "$gen_dir/$(printf 'shard-%02d' "$shard")"
    stub+=$'\n'"auto $gen_dir/$(printf 'shard-%02d' "$shard")"
  done
  if [[ "$(cat "$replica/CURRENT" 2>/dev/null)" != "$stub" ]]; then
    printf '%s\n' "$stub" >"$replica/CURRENT.tmp"
    sync "$replica/CURRENT.tmp"
    mv "$replica/CURRENT.tmp" "$replica/CURRENT"
    echo "replica: serving generation $generation ($shards shards)"
  fi
  # Older generations: searchers reopen within a second of the swap.
  for old in "$replica"/gen-*; do
    [[ "$(basename "$old")" == "$gen_dir" ]] && continue
    [[ "$(basename "$old")" < "$gen_dir" ]] && rm -rf "$old"
  done
}

while true; do
  round
  ((interval > 0)) || exit 0
  sleep "$interval"
done

#!/usr/bin/env bash
# Keeps a replica of a listing index current, generation swaps included,
# from an indexing machine that runs
#     xapian-replicate-server --port PORT INDEX_DIR
# (and the indexer with XAPIAN_MAX_CHANGESETS=10, so that only changes
# travel). Each round copies the serving pointer database, then every shard
# of the generation it names (a frozen generation's bases, copied once, and
# its deltas), then points the replica's CURRENT at that generation
# (atomically) and removes older generations. A search-server started with
# --index REPLICA_DIR follows along like on the primary.
#   scripts/replica.sh HOST PORT REPLICA_DIR [INTERVAL_SECONDS]   (0: one round, then exit)
set -euo pipefail
if (($# < 3)); then
  sed -n '2,12p' "$0" >&2
  exit 2
fi
host="$1"; port="$2"; replica="$3"; interval="${4:-5}"
mkdir -p "$replica"

copy() {  # copy DATABASE from the master to the same relative path here
  xapian-replicate -h "$host" -p "$port" -m "$1" -o -r 0 -q "$replica/$1"
}

# A frozen base built before bases carried an empty termlist table cannot
# be opened for writing, which xapian-replicate does with every copy.
errors=$(mktemp)
trap 'rm -f "$errors"' EXIT
copy_shard() {  # DATABASE FROZEN
  if ! copy "$1" 2>"$errors"; then
    cat "$errors" >&2
    if [[ "$2" == 1 ]] && grep -q termlist "$errors"; then
      echo "replica: $1 is a frozen base from an indexer before replicas could copy one; rebuild the" \
        "generation (listing-indexer build --no-termlists) with this version" >&2
    fi
    exit 1
  fi
}

round() {
  copy serving
  local generation shards id frozen
  generation=$(xapian-metadata get "$replica/serving" generation)
  shards=$(xapian-metadata get "$replica/serving" shards)
  id=$(xapian-metadata get "$replica/serving" id)  # empty from an indexer older than generation ids
  frozen=$(xapian-metadata get "$replica/serving" frozen)  # "1": each shard a base and a delta
  local gen_dir
  gen_dir=$(printf 'gen-%06d' "$generation")
  mkdir -p "$replica/$gen_dir"
  local stub
  stub=$(printf '# generation %s of %s shards, written by the indexer' "$generation" "$shards")
  [[ -z "$id" ]] || stub+=$'\n'"# id $id"
  [[ "$frozen" != 1 ]] || stub+=$'\n''# frozen: each shard a base and a delta'
  for ((shard = 0; shard < shards; shard++)); do
    copy_shard "$gen_dir/$(printf 'shard-%02d' "$shard")" "$frozen"
    stub+=$'\n'"auto $gen_dir/$(printf 'shard-%02d' "$shard")"
  done
  # A frozen generation's bases never change: after the first round their
  # copies are current, and only the deltas, which the follower writes,
  # bring changes.
  if [[ "$frozen" == 1 ]]; then
    for ((shard = 0; shard < shards; shard++)); do
      copy "$gen_dir/$(printf 'delta-%02d' "$shard")"
      stub+=$'\n'"auto $gen_dir/$(printf 'delta-%02d' "$shard")"
    done
  fi
  if [[ "$(cat "$replica/CURRENT" 2>/dev/null)" != "$stub" ]]; then
    printf '%s\n' "$stub" >"$replica/CURRENT.tmp"
    sync "$replica/CURRENT.tmp"
    mv "$replica/CURRENT.tmp" "$replica/CURRENT"
    echo "replica: serving generation $generation ($shards shards${frozen:+, frozen})"
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

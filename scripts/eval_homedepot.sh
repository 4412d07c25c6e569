#!/usr/bin/env bash
# Relevance evaluation on the Home Depot judgments in ../shared/data/relevance-dev
# (not shipped with the project): plain BM25 against the default ranking
# (data/ranking.conf), nDCG@10, MRR and recall@100 over 3,537 real queries.
#   scripts/eval_homedepot.sh [RANKING_CONFIG]
set -euo pipefail
cd "$(dirname "$0")/.."
shared="${SHARED_DATA_DIR:-../shared/data}/relevance-dev"
ranking="${1:-data/ranking.conf}"
if [[ ! -f "$shared/homedepot_products.csv" ]]; then
  echo "no $shared/homedepot_products.csv: the Home Depot judgments are not on this machine" >&2
  exit 1
fi
bash scripts/setup.sh >/dev/null
source scripts/binaries.sh
require_binary RELEVANCE_BIN
work="var/homedepot"
mkdir -p "$work"
python3 scripts/homedepot_to_jsonl.py "$shared/homedepot_products.csv" --output "$work/products.jsonl"
# Plain BM25: every field alike, any word matches, no signals, no spelling
# correction, no completion, typo, split or join alternatives.
cat >"$work/bm25.conf" <<'CONF'
bm25.k1 = 1.2
bm25.b = 0.75
field.title = 1
field.brand = 1
field.category = 1
field.description = 1
synonym.weight = 1
freshness.weight = 0
brand_match.weight = 0
category_match.weight = 0
on_sale.weight = 0
relax.min_matches = 10000
relax.word_bonus = 0
spelling.auto_correct = 0
prefix.enabled = off
typo.enabled = off
split_join.enabled = off
CONF
"$RELEVANCE_BIN" eval --listings "$work/products.jsonl" --judgments "$shared/homedepot_dev.csv" \
  --columns search_term,product_uid,relevance --ranking "$work/bm25.conf" --against "$ranking" "${@:2}"

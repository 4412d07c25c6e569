#!/usr/bin/env bash
# The main job: set up, index the bundled sample listings, and serve them on
# 127.0.0.1 (PORT, default 8080) until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/binaries.sh
require_binary INDEXER_BIN
require_binary SERVER_BIN

port="${PORT:-8080}"
index_dir="var/index"
"$INDEXER_BIN" build --feed data/sample_listings.jsonl --index "$index_dir" --shards 2

cat <<HELP

Serving the sample listings on http://127.0.0.1:$port.
Open http://127.0.0.1:$port/ in a browser for the search page, or try:
  curl 'http://127.0.0.1:$port/v1/search?q=nike+air+max&limit=5'
  curl 'http://127.0.0.1:$port/v1/search?q=sneakers&brand=Nike&price_max=60&sort=price_asc&facets=brand,category,price'
  curl 'http://127.0.0.1:$port/v1/search?q=%E3%82%B9%E3%83%8B%E3%83%BC%E3%82%AB%E3%83%BC'   # スニーカー
  curl 'http://127.0.0.1:$port/v1/search?q=nikke+hoodie'                                      # did you mean
  curl -X POST 'http://127.0.0.1:$port/v1/search' -d '{"q": "hoodie", "condition": [1, 2], "facets": ["all"]}'
  curl -X POST 'http://127.0.0.1:$port/indexes/listings/search' -H 'Content-Type: application/json' \
       -d '{"q": "nike", "filter": "price < 50 AND shipping = seller", "facets": ["brand"]}'   # Meilisearch-style
  curl 'http://127.0.0.1:$port/healthz'
  curl 'http://127.0.0.1:$port/metrics'
Ctrl-C stops the server.

HELP
exec "$SERVER_BIN" --index "$index_dir" --port "$port"

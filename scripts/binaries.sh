# The project's executables, sourced by the scripts (which run from the
# repository root). Each is overridable by an environment variable, e.g. to
# benchmark another build: SERVER_BIN=/other/build/server/search-server.
SERVER_BIN="${SERVER_BIN:-./build/server/search-server}"
RELEVANCE_BIN="${RELEVANCE_BIN:-./build/relevance/listing-relevance}"
INDEXER_BIN="${INDEXER_BIN:-./build/indexer/listing-indexer}"
export SERVER_BIN RELEVANCE_BIN INDEXER_BIN  # for the Python scripts that start a server

# require_binary VARIABLE: stops with a clear message when that executable is missing.
require_binary() {
  local path="${!1}"
  if [[ ! -x "$path" ]]; then
    echo "$(basename "$0"): no executable at $path: build it (scripts/setup.sh) or set $1" >&2
    exit 1
  fi
}

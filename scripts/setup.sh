#!/usr/bin/env bash
# Installs every Debian package the project needs (only those missing, so it
# is cheap to run again) and builds everything into build/.
# Works on a fresh Debian 12 machine, as root or with sudo.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  g++ meson ninja-build pkg-config cmake   # toolchain; cmake lets meson find doctest
  libxapian-dev xapian-tools               # the index, and xapian-delve/xapian-compact for operators
  libsimdjson-dev libcpp-httplib-dev libicu-dev libfmt-dev doctest-dev
  libjemalloc-dev                          # allocator for the executables (indexing ~30% faster)
  libzstd-dev                              # stored display text compressed against a dictionary (index -12%)
  python3                                  # sample generator and data converters in scripts/
  curl                                     # the demo's example requests
  time bc                                  # benchmarks: peak RSS and arithmetic
  nodejs                                   # the search page's build (esbuild) and its tests
)
# Installed with their recommended packages (fonts for rendering pages).
with_recommends=(
  chromium                                 # the browser test of the search page (playwright-core drives it)
)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
missing_with_recommends=()
for package in "${with_recommends[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing_with_recommends+=("$package")
done
sudo=""
[[ $(id -u) -eq 0 ]] || sudo="sudo"
if ((${#missing[@]} + ${#missing_with_recommends[@]})); then
  echo "setup: installing ${missing[*]} ${missing_with_recommends[*]}"
  $sudo apt-get update -qq
  if ((${#missing[@]})); then
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  if ((${#missing_with_recommends[@]})); then
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing_with_recommends[@]}" >/dev/null
  fi
fi
# Debian's own nodejs comes without npm (NodeSource's includes it).
if ! command -v npm >/dev/null; then
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends npm >/dev/null
fi
node_major=$(node -p 'process.versions.node.split(".")[0]')
if ((node_major < 20)); then
  echo "setup: warning: Node.js $(node --version) is older than the web tests' packages want (>= 20.19)" >&2
fi

# The search page: pinned npm packages (web/package-lock.json), bundled by esbuild into web/dist.
if [[ ! -d web/node_modules || web/package-lock.json -nt web/node_modules/.package-lock.json ]]; then
  echo "setup: installing the search page's npm packages"
  (cd web && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
(cd web && node build.mjs >/dev/null)

if [[ ! -f build/build.ninja ]]; then
  meson setup build --buildtype=release >/dev/null
fi
ninja -C build >/dev/null
echo "setup: built into build/"

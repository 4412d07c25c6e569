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
  python3                                  # sample generator and data converters in scripts/
  curl                                     # the demo's example requests
  time bc                                  # benchmarks: peak RSS and arithmetic
)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ ! -f build/build.ninja ]]; then
  meson setup build --buildtype=release >/dev/null
fi
ninja -C build >/dev/null
echo "setup: built into build/"

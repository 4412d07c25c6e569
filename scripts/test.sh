#!/usr/bin/env bash
# Sets up (packages and build) and runs every test suite. Tests that need
# ../shared/data skip that part cleanly when it is absent.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1

meson test -C build --print-errorlogs --num-processes 2
status=$?

# One closing line over all suites (doctest and node:test): "tests: N passed, N failed".
awk '/\[doctest\] test cases:/ { passed += $6; failed += $9 }
     /^# pass [0-9]+$/ { passed += $3 }
     /^# fail [0-9]+$/ { failed += $3 }
     END { printf "tests: %d passed, %d failed\n", passed, failed }' build/meson-logs/testlog.txt
exit $status

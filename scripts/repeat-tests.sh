#!/usr/bin/env bash
# Runs the whole test suite N times in a row on a clean build and says how many runs passed.
# A test that fails one run in twenty is a bug: this is how to find it before CI does.
#   scripts/repeat-tests.sh [N]      (default 20; logs in .build/repeat-tests/)
set -uo pipefail
cd "$(dirname "$0")/.."
runs="${1:-20}"
rm -rf .build
make build >/dev/null || { echo "build failed"; exit 1; }
mkdir -p .build/repeat-tests
passed=0
failed=0
for i in $(seq 1 "$runs"); do
    log=".build/repeat-tests/run-$i.log"
    start=$(date +%s)
    if swift test --skip-build --disable-xctest >"$log" 2>&1; then
        passed=$((passed + 1))
        result=passed
    else
        failed=$((failed + 1))
        result="FAILED: $(grep -m3 '✘ Test' "$log" | tr '\n' ' ')"
    fi
    echo "run $i: $(( $(date +%s) - start )) s, $result"
done
echo "repeat-tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

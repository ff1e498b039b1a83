#!/usr/bin/env bash
# Runs every test suite (host debug, host ASan+UBSan, Cortex-M4 under QEMU) and ends with one
# combined summary line; exits non-zero if any suite failed.
set -uo pipefail
cd "$(dirname "$0")/.."
suites=(test-host test-asan test-m4)
failed=()
for suite in "${suites[@]}"; do
  echo "=== make $suite"
  if ! make --no-print-directory "$suite"; then failed+=("$suite"); fi
done
total_passed=0; total_failed=0
for preset in host-debug host-asan cortex-m4; do
  log="build/$preset/Testing/Temporary/LastTest.log"
  [ -f "$log" ] || continue
  passed=$(grep -c '^Test Passed\.' "$log" || true)
  failures=$(grep -c '^Test Failed\.' "$log" || true)
  echo "suite $preset: $passed passed, $failures failed"
  total_passed=$((total_passed + passed)); total_failed=$((total_failed + failures))
done
if [ "${#failed[@]}" -ne 0 ]; then
  echo "failed suites: ${failed[*]}"
  [ "$total_failed" -eq 0 ] && total_failed=${#failed[@]}
fi
echo "all suites: $total_passed passed, $total_failed failed"
[ "${#failed[@]}" -eq 0 ]

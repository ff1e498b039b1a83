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
  # A test passed by its PASS_REGULAR_EXPRESSION logs "Test Pass Reason:" instead of "Test Passed.".
  passed=$(grep -c -e '^Test Passed\.' -e '^Test Pass Reason:' "$log" || true)
  failures=$(grep -c '^Test Failed\.' "$log" || true)
  echo "suite $preset: $passed passed, $failures failed"
  failed_list="build/$preset/Testing/Temporary/LastTestsFailed.log"
  if [ "$failures" -ne 0 ] && [ -f "$failed_list" ]; then
    # Name each failed test and repeat the end of its output here, so the last lines of a CI log
    # say what broke without scrolling back through thousands of lines.
    while IFS=: read -r _ name; do
      echo "  FAILED $preset: $name"
      awk -v n="$name" '/^[0-9]+\/[0-9]+ Testing: / && substr($0, index($0, "Testing: ") + 9) == n {on=1; buf=""; next}
                        on && /^Test (Passed|Failed)\./ {on=0; print buf; exit}
                        on {buf = buf "\n    | " $0}' "$log" | tail -n 25
    done < "$failed_list"
  fi
  total_passed=$((total_passed + passed)); total_failed=$((total_failed + failures))
done
if [ "${#failed[@]}" -ne 0 ]; then
  echo "failed suites: ${failed[*]}"
  [ "$total_failed" -eq 0 ] && total_failed=${#failed[@]}
fi
echo "all suites: $total_passed passed, $total_failed failed"
[ "${#failed[@]}" -eq 0 ]

#!/usr/bin/env bash
# Runs every parser libFuzzer target (tests/fuzz/fuzz_<parser>.cpp) for SECONDS each on the seed
# corpora make_parser_seeds writes, keeping what each finds in build/<preset>/parser_fuzz/.
#   scripts/run-parser-fuzzers.sh [SECONDS=180] [TARGET...]
# Environment: BUILD_DIR (default build/host-debug), SKIP_BUILD=1 to use the binaries as built.
# Prints one line per target (executions, new corpus units, peak RSS) and exits non-zero when a
# target crashed, leaked, hung or broke a rule of parser_harness.h; the input that did is saved as
# build/<preset>/parser_fuzz/<target>/crash-* (replay: <binary> <that file>).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-180}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(fuzz_csv fuzz_raw fuzz_wav fuzz_pipeline fuzz_tfm_reader fuzz_onnx)
fi
build_dir="${BUILD_DIR:-build/host-debug}"
fuzz_bin="$build_dir/tests/fuzz"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  cmake --build "$build_dir" --target tinyforge_fuzz_parsers >/dev/null
fi
if [ ! -x "$fuzz_bin/fuzz_csv" ]; then
  echo "no parser fuzzers in $fuzz_bin (they need clang++ with libFuzzer)" >&2
  exit 2
fi
work="$build_dir/parser_fuzz"
"$fuzz_bin/make_parser_seeds" "$work/seeds" >/dev/null
status=0
for target in "${targets[@]}"; do
  corpus="$work/$target/corpus"
  mkdir -p "$corpus"
  log="$work/$target/last-run.log"
  set +e
  (cd "$work/$target" && "$OLDPWD/$fuzz_bin/$target" -max_total_time="$seconds" -timeout=10 \
     -rss_limit_mb=2048 -print_final_stats=1 corpus "$OLDPWD/$work/seeds/$target") >"$log" 2>&1
  rc=$?
  set -e
  runs=$(grep -m1 'stat::number_of_executed_units' "$log" | awk '{print $2}')
  added=$(grep -m1 'stat::new_units_added' "$log" | awk '{print $2}')
  rss=$(grep -m1 'stat::peak_rss_mb' "$log" | awk '{print $2}')
  echo "$target: ${seconds}s, ${runs:-?} executions, ${added:-?} new units, peak ${rss:-?} MB, exit $rc"
  if [ $rc -ne 0 ]; then
    status=1
    grep -m3 -E 'ERROR|parser rule broken|Test unit written' "$log" || true
  fi
done
exit $status

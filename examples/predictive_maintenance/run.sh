#!/usr/bin/env bash
# The predictive-maintenance use case in one command (README.md):
#   1. trains the two anomaly-model versions with the toolchain (pm_anomaly_v1.toml, _v2.toml),
#   2. runs tinyforge-pm-example: server (own Virtuoso + Mosquitto), registration, motors on the
#      real agent + runtime replaying CWRU vibration, a staged rollout of v2 while they run,
#      and the summary. Exit code 0 only when every expectation held (see the RESULT line).
# Usage: examples/predictive_maintenance/run.sh [tinyforge-pm-example options, e.g. --motors 20]
# Environment: TINYFORGE_BUILD_DIR (default build/host-release, built here unless
# TINYFORGE_NO_BUILD=1), TINYFORGE_SHARED_DIR (default ../shared), PM_WORK_DIR (default a new
# temp directory, removed at the end unless --keep is given).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${TINYFORGE_BUILD_DIR:-$root/build/host-release}
shared=${TINYFORGE_SHARED_DIR:-$root/../shared}
if [[ -z "${TINYFORGE_NO_BUILD:-}" ]]; then
  if [[ -z "${TINYFORGE_BUILD_DIR:-}" ]]; then
    (cd "$root" && cmake --preset host-release >/dev/null)
  fi
  cmake --build "$build" -j "$(nproc)" --target tinyforge tinyforge-pm-example
fi
cli=$build/toolchain/tinyforge
example=$build/examples/predictive_maintenance/tinyforge-pm-example
for binary in "$cli" "$example"; do
  [[ -x "$binary" ]] || { echo "run.sh: $binary is missing (build it, or unset TINYFORGE_NO_BUILD)" >&2; exit 2; }
done
[[ -d "$shared/datasets/cwru_bearing" ]] || { echo "run.sh: no CWRU data in $shared/datasets/cwru_bearing (set TINYFORGE_SHARED_DIR)" >&2; exit 2; }

work=${PM_WORK_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/tf-pm.XXXXXX")}
mkdir -p "$work"
keep=0
for arg in "$@"; do [[ "$arg" == --keep ]] && keep=1; done
cleanup() { if [[ $keep == 0 && -z "${PM_WORK_DIR:-}" ]]; then rm -rf "$work"; fi; }
trap cleanup EXIT

for version in 1 2; do
  echo "== training model v$version (examples/predictive_maintenance/pm_anomaly_v$version.toml)"
  "$cli" pipeline run "$here/pm_anomaly_v$version.toml" --shared-dir "$shared" --output "$work/models/v$version" \
    | grep -E "anomaly|stages" || true
  [[ -f "$work/models/v$version/anomaly.tfm" ]] || { echo "run.sh: training v$version produced no anomaly.tfm" >&2; exit 2; }
done
echo "== running the motors"
"$example" --model-v1 "$work/models/v1/anomaly.tfm" --model-v2 "$work/models/v2/anomaly.tfm" \
  --data "$shared/datasets/cwru_bearing" --work "$work/run" "$@"

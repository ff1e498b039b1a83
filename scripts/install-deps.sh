#!/usr/bin/env bash
# Installs every Debian package TinyForge needs, by name; skips what is already present.
# Usage: scripts/install-deps.sh [core|bench|all]   (default: core = build + test)
set -euo pipefail

profile="${1:-core}"

core_packages=(
  build-essential cmake ninja-build pkg-config python3 lld
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev
  gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib binutils-arm-none-eabi qemu-system-arm
  libeigen3-dev nlohmann-json3-dev libcli11-dev libtomlplusplus-dev
  virtuoso-opensource libcurl4-openssl-dev libsodium-dev libcpp-httplib-dev libserd-dev
  libsqlite3-dev libssl-dev
  mosquitto mosquitto-clients libmosquitto-dev
  libonnx-dev libprotobuf-dev protobuf-compiler
)
# Only needed for side-by-side benchmarks and regenerating fixtures, never by a test.
bench_packages=(
  python3-numpy python3-sklearn python3-torch python3-onnx
)

case "$profile" in
  core) wanted=("${core_packages[@]}") ;;
  bench) wanted=("${core_packages[@]}" "${bench_packages[@]}") ;;
  all) wanted=("${core_packages[@]}" "${bench_packages[@]}") ;;
  *) echo "install-deps.sh: unknown profile '$profile' (expected core, bench or all)" >&2; exit 2 ;;
esac

missing=()
for package in "${wanted[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-deps: all ${#wanted[@]} packages present"
  exit 0
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"

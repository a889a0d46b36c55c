#!/usr/bin/env bash
# The project's one entry point for people and CI.
#   ./dev.sh run    install what is missing, build, start `crm serve` on ./data
#   ./dev.sh test   install what is missing, build, run every test (plus an ASan/UBSan build)
#   ./dev.sh build  install what is missing and build (build/, RelWithDebInfo)
#   ./dev.sh deps   only install what is missing (deps bench: also what benchmarks/run needs)
# Idempotent: apt runs only when a package is missing; ninja rebuilds only what changed.
set -euo pipefail
cd "$(dirname "$0")"

PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  librocksdb-dev capnproto libcapnp-dev libsodium-dev
  libboost1.81-dev libsimdjson-dev libhowardhinnant-date-dev tzdata libicu-dev libical-dev
  libgtest-dev libgmock-dev libbenchmark-dev
)
# Only for benchmarks/run: load generator and the static-file baseline of api.get.
BENCH_PACKAGES=(wrk nginx-light)

install_deps() {
  local missing=() wanted=("${PACKAGES[@]}")
  [ "${1:-}" = bench ] && wanted+=("${BENCH_PACKAGES[@]}")
  for p in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo=sudo
    echo "dev.sh: installing ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

# build DIR [cmake options...]
build() {
  local dir=$1
  shift
  if [ ! -f "$dir/build.ninja" ]; then
    cmake -S . -B "$dir" -G Ninja "$@" >/dev/null
  fi
  cmake --build "$dir"
}

cmd=${1:-}
case "$cmd" in
  deps)
    install_deps "${2:-}"
    ;;
  build)
    install_deps
    build build -DCMAKE_BUILD_TYPE=RelWithDebInfo
    ;;
  run)
    install_deps
    build build -DCMAKE_BUILD_TYPE=RelWithDebInfo
    shift
    exec ./build/app/crm serve --data ./data "$@"
    ;;
  test)
    install_deps
    build build -DCMAKE_BUILD_TYPE=RelWithDebInfo
    ctest --test-dir build --output-on-failure -j2 --timeout 900
    # The same tests under AddressSanitizer and UndefinedBehaviorSanitizer.
    build build-asan -DCMAKE_BUILD_TYPE=Debug -DCRM_SANITIZE=ON -DCRM_BUILD_BENCHMARKS=OFF
    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
      ctest --test-dir build-asan --output-on-failure -j2 --timeout 900
    ;;
  *)
    echo "usage: ./dev.sh run|test|build|deps" >&2
    exit 2
    ;;
esac

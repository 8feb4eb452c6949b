#!/usr/bin/env bash
# FreesoundTagging build entry point.
#   ./build.sh          restore + build the commands `inputs`, `model`, `predict` into artifacts/bin/
#   ./build.sh sample   build, then run inputs -> model -> predict on the embedded sample data
#   ./build.sh test     build and run the whole test suite; last line: "N passed, N failed"
#                       (installs Debian's ffmpeg first when it is missing and we are root with apt-get:
#                       the suite decodes FLAC/Opus/AAC/AIFF through it)
# Idempotent: a second run with nothing changed only checks timestamps.
set -euo pipefail
cd "$(dirname "$0")"
root=$(pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

build() {
  dotnet build FreesoundTagging.sln -c Release -nologo -v:q -clp:NoSummary
}

# The ffmpeg decoding path is part of the suite, so a fresh Debian machine (CI runs as root with apt) gets
# Debian's ffmpeg package; elsewhere we say how to get it and the tests that need it fail saying so too.
ensure_ffmpeg() {
  command -v ffmpeg >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "build.sh: ffmpeg not found; installing Debian's ffmpeg package for the decoder tests" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ffmpeg >/dev/null ||
      echo "build.sh: could not install ffmpeg; the tests that decode through it will fail" >&2
  else
    echo "build.sh: ffmpeg not found (install it: sudo apt-get install ffmpeg); the tests that decode through it will fail" >&2
  fi
}

run_tests() {
  local results="$root/artifacts/test-results"
  rm -rf "$results"
  set +e
  dotnet test FreesoundTagging.sln -c Release --no-build -nologo \
    --logger "trx;LogFileName=tests.trx" --logger "console;verbosity=normal" --results-directory "$results"
  local code=$?
  set -e
  local trx passed=0 failed=0 skipped=0
  trx=$(find "$results" -name '*.trx' | head -n 1)
  if [ -n "$trx" ]; then
    counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
    passed=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
    failed=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
    local total executed
    total=$(sed -n 's/.* total="\([0-9]*\)".*/\1/p' <<<"$counters")
    executed=$(sed -n 's/.* executed="\([0-9]*\)".*/\1/p' <<<"$counters")
    skipped=$(( total - executed ))
  elif [ $code -ne 0 ]; then
    failed=1
  fi
  echo "${passed:-0} passed, ${failed:-0} failed, ${skipped:-0} skipped"
  return $code
}

run_sample() {
  "$root/tests/sample-data/run-sample.sh" "$root/artifacts/bin" "$root/work-sample"
}

case "${1:-build}" in
  build) build ;;
  test) build && ensure_ffmpeg && run_tests ;;
  sample) build && run_sample ;;
  *) echo "usage: ./build.sh [build|sample|test]" >&2; exit 2 ;;
esac

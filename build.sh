#!/usr/bin/env bash
# FreesoundTagging build entry point.
#   ./build.sh          restore + build the commands `inputs`, `model`, `predict` into artifacts/bin/
#   ./build.sh sample   build, then run inputs -> model -> predict on the embedded sample data
#   ./build.sh test     build and run the whole test suite; last line: "N passed, N failed"
# Idempotent: a second run with nothing changed only checks timestamps.
set -euo pipefail
cd "$(dirname "$0")"
root=$(pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

build() {
  dotnet build FreesoundTagging.sln -c Release -nologo -v:q -clp:NoSummary
}

# The PyTorch interop test runs src/python/freesound_tagging.py under Debian's python3-torch. Installed here when
# missing and we may (root, apt-get; about a minute, once); otherwise that one test reports itself skipped and why.
# FREESOUND_NO_APT=1 leaves the system alone.
ensure_python_torch() {
  /usr/bin/python3 -c 'import torch, numpy' >/dev/null 2>&1 && return 0
  if [ "${FREESOUND_NO_APT:-0}" = 1 ] || [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "note: /usr/bin/python3 cannot import torch; the PyTorch interop test will be skipped (apt-get install python3-torch python3-numpy runs it)"
    return 0
  fi
  echo "installing python3-torch and python3-numpy for the PyTorch interop test (once, about a minute)..."
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch python3-numpy; } >"$root/artifacts/apt-python3-torch.log" 2>&1; then
    echo "note: installing python3-torch failed (see artifacts/apt-python3-torch.log); the PyTorch interop test will be skipped"
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
  test) build && ensure_python_torch && run_tests ;;
  sample) build && run_sample ;;
  *) echo "usage: ./build.sh [build|sample|test]" >&2; exit 2 ;;
esac

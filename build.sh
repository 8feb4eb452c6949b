#!/usr/bin/env bash
# FreesoundTagging build entry point.
#   ./build.sh          restore + build the commands `inputs`, `model`, `predict` into artifacts/bin/ (compiled
#                       ahead of time)
#   ./build.sh sample   build, then run inputs -> model -> predict on the embedded sample data
#   ./build.sh test     build and run the whole test suite; last line: "N passed, N failed"
#                       (first installs Debian's ffmpeg, python3-torch, slurm-wlm and munge when missing and we are
#                       root with apt-get: the suite decodes FLAC/Opus/AAC/AIFF through ffmpeg, checks the PyTorch
#                       export and runs the Slurm recipe of docs/scale-out.md on a one-node Slurm)
# Idempotent: a second run with nothing changed only checks timestamps.
set -euo pipefail
cd "$(dirname "$0")"
root=$(pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

build() {
  dotnet build FreesoundTagging.sln -c Release -nologo -v:q -clp:NoSummary
  # The commands again, compiled ahead of time (ReadyToRun, Directory.Build.props) over the build's copies: a
  # command then starts without compiling its own code first. One after the other in one MSBuild (they share the
  # folder), incremental: only changed assemblies are compiled again.
  dotnet msbuild FreesoundTagging.sln '-t:src\Inputs:Publish;src\Model:Publish;src\Predict:Publish' -p:Configuration=Release \
    -p:NoBuild=true -p:PublishDir="$root/artifacts/bin/" -m:1 -nologo -v:q -clp:NoSummary
}

# Some tests need Debian packages: the ffmpeg decoding path (FLAC/Opus/AAC/AIFF) needs ffmpeg, the PyTorch interop
# test needs python3-torch under /usr/bin/python3, the Slurm test (tests/ScaleOut/slurm-check.sh) slurm-wlm and
# munge. A fresh Debian machine (CI runs as root with apt) gets them here, once (about a minute); elsewhere we say
# how, the ffmpeg tests fail saying so and the PyTorch and Slurm tests report themselves skipped with the reason.
# FREESOUND_NO_APT=1 leaves the system alone.
ensure_test_packages() {
  local missing=()
  command -v ffmpeg >/dev/null 2>&1 || missing+=(ffmpeg)
  /usr/bin/python3 -c 'import torch, numpy' >/dev/null 2>&1 || missing+=(python3-torch python3-numpy)
  { [ -x /usr/sbin/slurmctld ] && [ -x /usr/sbin/slurmd ] && [ -x /usr/sbin/munged ] && command -v sbatch; } >/dev/null 2>&1 \
    || missing+=(slurm-wlm munge)
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "${FREESOUND_NO_APT:-0}" = 1 ] || [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "note: ${missing[*]} not installed (sudo apt-get install ${missing[*]}): the tests that need them fail or are skipped, saying so" >&2
    return 0
  fi
  echo "installing ${missing[*]} for the test suite (Debian packages; once, about a minute)..." >&2
  mkdir -p "$root/artifacts"
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; } \
      >"$root/artifacts/apt-test-packages.log" 2>&1; then
    echo "note: installing ${missing[*]} failed (see artifacts/apt-test-packages.log): the tests that need them fail or are skipped, saying so" >&2
  fi
}

run_tests() {
  local results="$root/artifacts/test-results"
  rm -rf "$results"
  set +e
  dotnet test FreesoundTagging.sln -c Release --no-build -nologo \
    --logger "trx;LogFileName=tests.trx" --logger "console;verbosity=${FREESOUND_TEST_VERBOSITY:-minimal}" --results-directory "$results"
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
  test) build && ensure_test_packages && run_tests ;;
  sample) build && run_sample ;;
  *) echo "usage: ./build.sh [build|sample|test]" >&2; exit 2 ;;
esac

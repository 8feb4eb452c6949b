#!/usr/bin/env bash
# Where predict's time goes, per model, on a corpus's test clips: predict's own seconds (features included, from its
# clips/s in a plain run), and from a second run with oneDNN's verbose timing (ONEDNN_VERBOSE=profile_exec, which
# slows that run a little) the seconds its convolutions executed, summed over every call. The convolutions are the
# part no exact change can shorten without computing fewer of them, so 192 clips / their seconds is the most an exact
# CPU build gets from the same passes.
#   tests/Benchmarks/predict-profile.sh [rounds (default 2)] [model...]
# Each column's range is over the rounds. Models default to the shipped 2-D ones; CORPUS (default ../shared/corpus-dev) gives the clips. Run after ./build.sh.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${FST_BIN:-$root/artifacts/bin}
corpus=$(cd "${CORPUS:-$root/../shared/corpus-dev}" && pwd)
[ -x "$bin/predict" ] || { echo "run ./build.sh first" >&2; exit 2; }
rounds=${1:-2}
shift $(( $# > 1 ? 1 : $# ))
models=("$@")
[ ${#models[@]} -gt 0 ] || models=("$root"/pre_trained_models/cnn_2d_vgg_best.fstmodel "$root"/pre_trained_models/cnn_2d_vgg_distilled.fstmodel)
work=$(mktemp -d /tmp/fst-predict-profile.XXXXXX)
trap 'rm -rf "$work"' EXIT
clips=$(($(wc -l < "$corpus/sample_submission.csv") - 1))
echo "$(nproc) cores; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $clips clips"
echo "| model | predict, s (clips/s) | convolutions, s (calls) | everything else, s | clips/s with nothing but the convolutions |"
echo "|---|---|---|---|---|"
for model in "${models[@]}"; do
  run() { "$bin/predict" "$model" "$corpus/audio_test" "$corpus/sample_submission.csv" "$corpus/train.csv" "$work/s.csv" "$@"; }
  rates=() convs=()
  for _ in $(seq 1 "$rounds"); do
    rates+=("$(run 2>&1 | grep -o '[0-9.]* clips/s' | head -1 | cut -d' ' -f1)")
    ONEDNN_VERBOSE=profile_exec run > "$work/verbose.log" 2>&1
    # Lines: onednn_verbose,v1,primitive,exec,cpu,convolution,<implementation>,...,<shapes>,<milliseconds>
    read -r conv calls < <(awk -F, '$4 == "exec" && $6 == "convolution" { s += $NF; n++ } END { printf "%.3f %d\n", s / 1000, n }' "$work/verbose.log")
    convs+=("$conv")
  done
  python3 - "$(basename "$model")" "$clips" "$calls" "${rates[*]}" "${convs[*]}" <<'PY'
import sys
name, clips, calls = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rates = [float(r) for r in sys.argv[4].split()]
convs = [float(c) for c in sys.argv[5].split()]
def span(values, form):
    lo, hi = form % min(values), form % max(values)
    return lo if lo == hi else f"{lo}-{hi}"
totals = [clips / r for r in rates]
print(f"| {name} | {span(totals, '%.2f')} ({span(rates, '%.1f')}) | {span(convs, '%.2f')} ({calls}) | "
      f"{span([t - c for t, c in zip(totals, convs)], '%.2f')} | {span([clips / c for c in convs], '%.0f')} |")
PY
done

#!/usr/bin/env bash
# What compiling every method optimised at its first call (Directory.Build.props: TieredCompilation false) buys each
# command, against .NET's default tiered compilation (DOTNET_TieredCompilation=1), the same build, alternating.
#   tests/Benchmarks/tiering.sh [rounds (default 2)]
# Prints the wall seconds of each run (the process from start to exit) and the command's own rate: predict's clips/s
# on corpus-dev's 192 test clips per shipped 2-D model and the original recipe's, inputs' audio-s per s on the 579
# training clips, and the seconds of the second epoch of a short best-recipe run (one network, degraded crops), whose
# loss must be the same either way. CORPUS (default ../shared/corpus-dev) gives the clips. Run after ./build.sh.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${FST_BIN:-$root/artifacts/bin}
rounds=${1:-2}
corpus=$(cd "${CORPUS:-$root/../shared/corpus-dev}" && pwd)
[ -x "$bin/predict" ] || { echo "run ./build.sh first" >&2; exit 2; }
grep -q '"System.Runtime.TieredCompilation": false' "$bin/predict.runtimeconfig.json" || { echo "this build compiles with tiering on" >&2; exit 2; }
work=$(mktemp -d /tmp/fst-tiering.XXXXXX)
trap 'rm -rf "$work"' EXIT
echo "$(nproc) cores; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
"$bin/inputs" "$corpus/audio_train" "$corpus/train.csv" -o "$work/best" --log-reference clip-peak --log-offset 1e-6 --fmin 20 --fmax 16000 > /dev/null

declare -A jobs=(
  ["predict cnn_2d_vgg_best"]="$bin/predict $root/pre_trained_models/cnn_2d_vgg_best.fstmodel $corpus/audio_test $corpus/sample_submission.csv $corpus/train.csv $work/s.csv"
  ["predict cnn_2d_vgg_distilled"]="$bin/predict $root/pre_trained_models/cnn_2d_vgg_distilled.fstmodel $corpus/audio_test $corpus/sample_submission.csv $corpus/train.csv $work/s.csv"
  ["predict cnn_1d_dropout"]="$bin/predict $root/pre_trained_models/cnn_1d_dropout.fstmodel $corpus/audio_test $corpus/sample_submission.csv $corpus/train.csv $work/s.csv"
  ["inputs"]="$bin/inputs $corpus/audio_train $corpus/train.csv -o $work/default"
  ["model --recipe best --members 1 --epochs 2"]="$bin/model cnn_2d_vgg $work/m.fstmodel --data $work/best --recipe best --members 1 --epochs 2 --seed 1"
)
order=("predict cnn_2d_vgg_best" "predict cnn_2d_vgg_distilled" "predict cnn_1d_dropout" "inputs" "model --recipe best --members 1 --epochs 2")
rate() { # a run's log → its own rate (model: the second epoch's loss and seconds)
  local r
  r=$(grep -o '[0-9.]* clips/s' "$1" | head -1 || true)
  [ -n "$r" ] || r=$(grep -o '[0-9.]* audio-s per s' "$1" | tail -1 || true)
  [ -n "$r" ] || r=$(grep -o 'epoch 2/2: loss [0-9.]*.*([0-9.]* s' "$1" | sed 's/ acc [0-9.]*//; s/(/, epoch /' || true)
  echo "$r"
}
echo "| command | tiered (DOTNET_TieredCompilation=1): wall s, rate | optimised at first call (this build): wall s, rate |"
echo "|---|---|---|"
for job in "${order[@]}"; do
  declare -A cell=()
  for r in $(seq 1 "$rounds"); do
    for side in tiered optimised; do
      rm -f "$work"/m.fstmodel*
      start=$(date +%s.%N)
      # shellcheck disable=SC2086
      if [ $side = tiered ]; then DOTNET_TieredCompilation=1 ${jobs[$job]} > "$work/log" 2>&1; else ${jobs[$job]} > "$work/log" 2>&1; fi ||
        { cat "$work/log" >&2; exit 1; }
      cell[$side]+="$(awk "BEGIN { printf \"%.2f\", $(date +%s.%N) - $start }") s, $(rate "$work/log"); "
    done
  done
  echo "| $job | ${cell[tiered]%; } | ${cell[optimised]%; } |"
done

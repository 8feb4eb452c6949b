#!/usr/bin/env bash
# How the commands' own code is compiled, three ways, each command alternating between them:
#   tiered        .NET's default (unoptimised first, optimised once hot): the IL build, DOTNET_TieredCompilation=1;
#   first call    every method compiled optimised at its first call (Directory.Build.props: TieredCompilation
#                 false): the IL build as it is;
#   ahead of time this build (build.sh publishes the commands ReadyToRun), with tiering off as above.
#   tests/Benchmarks/compilation.sh [rounds (default 2)]
# The IL build is the same sources built without the ReadyToRun step (dotnet build -o, into a temporary folder,
# about 20 s and 500 MB). Prints the wall seconds of each run (the process from start to exit) and the command's own
# rate: predict's clips/s on corpus-dev's 192 test clips per shipped 2-D model and the original recipe's, inputs'
# audio-s per s on the 579 training clips, and the seconds of the second epoch of a short best-recipe run (one
# network, degraded crops). Then whether the three wrote the same bytes (predict's probabilities, inputs' samples)
# and the same loss. CORPUS (default ../shared/corpus-dev) gives the clips. Run after ./build.sh.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${FST_BIN:-$root/artifacts/bin}
rounds=${1:-2}
corpus=$(cd "${CORPUS:-$root/../shared/corpus-dev}" && pwd)
[ -x "$bin/predict" ] || { echo "run ./build.sh first" >&2; exit 2; }
grep -q '"System.Runtime.TieredCompilation": false' "$bin/predict.runtimeconfig.json" || { echo "this build compiles with tiering on" >&2; exit 2; }
work=$(mktemp -d /tmp/fst-compilation.XXXXXX)
trap 'rm -rf "$work"' EXIT
for project in Inputs Model Predict; do
  dotnet build "$root/src/$project/$project.csproj" -c Release -o "$work/il" -nologo -v:q -clp:NoSummary > "$work/il.log" 2>&1 || { cat "$work/il.log" >&2; exit 1; }
done
echo "$(nproc) cores; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
"$bin/inputs" "$corpus/audio_train" "$corpus/train.csv" -o "$work/best" --log-reference clip-peak --log-offset 1e-6 --fmin 20 --fmax 16000 > /dev/null

# Each job's command line after the folder of the build that runs it; OUT names the side's own output.
declare -A jobs=(
  ["predict cnn_2d_vgg_best"]="predict $root/pre_trained_models/cnn_2d_vgg_best.fstmodel $corpus/audio_test $corpus/sample_submission.csv $corpus/train.csv $work/s.csv --probabilities OUT.npy"
  ["predict cnn_2d_vgg_distilled"]="predict $root/pre_trained_models/cnn_2d_vgg_distilled.fstmodel $corpus/audio_test $corpus/sample_submission.csv $corpus/train.csv $work/s.csv --probabilities OUT.npy"
  ["predict cnn_1d_dropout"]="predict $root/pre_trained_models/cnn_1d_dropout.fstmodel $corpus/audio_test $corpus/sample_submission.csv $corpus/train.csv $work/s.csv --probabilities OUT.npy"
  ["inputs"]="inputs $corpus/audio_train $corpus/train.csv -o OUT"
  ["model --recipe best --members 1 --epochs 2"]="model cnn_2d_vgg $work/m.fstmodel --data $work/best --recipe best --members 1 --epochs 2 --seed 1"
)
order=("predict cnn_2d_vgg_best" "predict cnn_2d_vgg_distilled" "predict cnn_1d_dropout" "inputs" "model --recipe best --members 1 --epochs 2")
sides=(tiered first ahead)
rate() { # a run's log → its own rate (model: the second epoch's loss and seconds)
  local r
  r=$(grep -o '[0-9.]* clips/s' "$1" | head -1 || true)
  [ -n "$r" ] || r=$(grep -o '[0-9.]* audio-s per s' "$1" | tail -1 || true)
  [ -n "$r" ] || r=$(grep -o 'epoch 2/2: loss [0-9.]*.*([0-9.]* s' "$1" | sed 's/ acc [0-9.]*//; s/(/, epoch /' || true)
  echo "$r"
}
same() { # the three sides' outputs of a job → yes/no
  local job=$1 a b
  case "$job" in
    predict*) a=$work/tiered.npy; b=$work/first.npy; cmp -s "$a" "$b" && cmp -s "$b" "$work/ahead.npy" && echo yes || echo no ;;
    inputs) cmp -s "$work/tiered/samples.npy" "$work/first/samples.npy" && cmp -s "$work/first/samples.npy" "$work/ahead/samples.npy" && echo yes || echo no ;;
    *) a=$(grep -o 'epoch 2/2: loss [0-9.]*' "$work/tiered.log"); b=$(grep -o 'epoch 2/2: loss [0-9.]*' "$work/first.log")
       [ "$a" = "$b" ] && [ "$b" = "$(grep -o 'epoch 2/2: loss [0-9.]*' "$work/ahead.log")" ] && echo "yes (${a#epoch 2/2: })" || echo no ;;
  esac
}
echo "| command | tiered: wall s, rate | optimised at first call: wall s, rate | compiled ahead of time (this build): wall s, rate | same output |"
echo "|---|---|---|---|---|"
for job in "${order[@]}"; do
  declare -A cell=()
  for r in $(seq 1 "$rounds"); do
    for side in "${sides[@]}"; do
      rm -rf "$work"/m.fstmodel* "${work:?}/$side" "$work/$side.npy"
      dir=$work/il; [ $side = ahead ] && dir=$bin
      read -r -a line <<< "${jobs[$job]//OUT/$work/$side}"
      line[0]=$dir/${line[0]}
      start=$(date +%s.%N)
      if [ $side = tiered ]; then DOTNET_TieredCompilation=1 "${line[@]}" > "$work/$side.log" 2>&1; else "${line[@]}" > "$work/$side.log" 2>&1; fi ||
        { cat "$work/$side.log" >&2; exit 1; }
      cell[$side]+="$(awk "BEGIN { printf \"%.2f\", $(date +%s.%N) - $start }") s, $(rate "$work/$side.log"); "
    done
  done
  echo "| $job | ${cell[tiered]%; } | ${cell[first]%; } | ${cell[ahead]%; } | $(same "$job") |"
done

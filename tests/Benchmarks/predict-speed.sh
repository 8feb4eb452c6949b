#!/usr/bin/env bash
# predict's throughput per model on a corpus's test clips, two builds side by side in one run (alternating, so a
# loaded or drifting machine weighs on both alike), and whether they agree.
#   tests/Benchmarks/predict-speed.sh BIN_BEFORE BIN_NOW [rounds (default 2)] [model...]
# BIN_*: folders holding `predict` (e.g. a build of the commit before a change, and artifacts/bin). Models default to
# the shipped ones (pre_trained_models/); CORPUS (default ../shared/corpus-dev) gives audio_test/,
# sample_submission.csv, train.csv and test_labels.csv. Prints, per model: predict's own clips/s (features included)
# for each build and round, the test MAP@3 of each build, whether their submissions are the same bytes, and the
# largest difference between their probabilities.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
before=$(cd "$1" && pwd); now=$(cd "$2" && pwd); rounds=${3:-2}
shift $(( $# > 3 ? 3 : $# ))
corpus=$(cd "${CORPUS:-$root/../shared/corpus-dev}" && pwd)
models=("$@")
[ ${#models[@]} -gt 0 ] || models=("$root"/pre_trained_models/*.fstmodel)
work=$(mktemp -d /tmp/fst-predict-speed.XXXXXX)
trap 'rm -rf "$work"' EXIT
echo "before = $before"; echo "now = $now"; echo "$(nproc) cores; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "| model | clips/s before (rounds) | clips/s now (rounds) | MAP@3 before / now | same submission | largest probability difference |"
echo "|---|---|---|---|---|---|"
for model in "${models[@]}"; do
  declare -A speed=() map=()
  for r in $(seq 1 "$rounds"); do
    for side in before now; do
      bin=$before; [ $side = now ] && bin=$now
      "$bin/predict" "$model" "$corpus/audio_test" "$corpus/sample_submission.csv" "$corpus/train.csv" "$work/$side.csv" \
        --probabilities "$work/$side.npy" --truth "$corpus/test_labels.csv" > "$work/$side.log" 2>&1 || { cat "$work/$side.log" >&2; exit 1; }
      speed[$side]+="$(grep -o '[0-9.]* clips/s' "$work/$side.log" | head -1 | cut -d' ' -f1) "
      map[$side]=$(grep -o 'MAP@3 [0-9.]*' "$work/$side.log" | cut -d' ' -f2)
    done
  done
  diff=$(/usr/bin/python3 -c "import numpy as np; print('%.1e' % np.abs(np.load('$work/before.npy') - np.load('$work/now.npy')).max())")
  same=no; cmp -s "$work/before.csv" "$work/now.csv" && same=yes
  echo "| $(basename "$model") | ${speed[before]% } | ${speed[now]% } | ${map[before]} / ${map[now]} | $same | $diff |"
done

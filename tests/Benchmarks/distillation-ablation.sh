#!/usr/bin/env bash
# Chooses the distilled recipe (docs/recipes-and-results.md, "Distillation") on corpus-dev's training clips only: a
# best-recipe teacher trained on the checked-label split's training rows (ablation_split.py verified), students of
# `--recipe distilled` with other distillation settings on the same rows, each scored on the held-out verified clips
# with 5.12, 2.56 and 1.28 s windows (bench rescore saves the same weights with other scoring windows). The test clips
# are never touched. Run after ./build.sh.
#   tests/Benchmarks/distillation-ablation.sh [corpus] [configuration...]
# Students train two at a time on one thread each. Work files stay in FST_ABLATION_WORK (default a new /tmp folder),
# and models already there are not trained again.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${FST_BIN:-$root/artifacts/bin}
corpus=$(cd "${1:-$root/../shared/corpus-dev}" && pwd)
shift $(( $# > 1 ? 1 : $# ))
[ -x "$bin/model" ] || { echo "run ./build.sh first" >&2; exit 2; }
work=${FST_ABLATION_WORK:-$(mktemp -d /tmp/fst-distill-ablation.XXXXXX)}
mkdir -p "$work/m"
/usr/bin/python3 "$root/tests/Benchmarks/ablation_split.py" "$corpus/train.csv" "$work" verified "$corpus/audio_train"
[ -s "$work/feat/samples.npy" ] || "$bin/inputs" "$corpus/audio_train" "$work/train.csv" -o "$work/feat" \
  --log-reference clip-peak --log-offset 1e-6 --fmin 20 --fmax 16000 > /dev/null
# The recipe's own 120 epochs are one configuration; the others train 80, as the best recipe's members do.
declare -A config=(
  [labels_only]="--distill-weight 0 --epochs 80"
  [t2_w07]="--epochs 80"
  [t1_w05]="--distill-temperature 1 --distill-weight 0.5 --epochs 80"
  [t4_w09]="--distill-temperature 4 --distill-weight 0.9 --epochs 80"
  [t2_w07_e120]="--epochs 120"
  [t2_w07_ema]="--ema 0.995 --epochs 80"
)
order=(labels_only t2_w07 t1_w05 t4_w09 t2_w07_e120 t2_w07_ema)
[ $# -gt 0 ] && order=("$@")
teacher="$work/m/teacher.fstmodel"
[ -f "$teacher" ] || "$bin/model" cnn_2d_vgg "$teacher" --data "$work/feat" --recipe best --seed 1 > "$work/m/teacher.log"
student() {
  local name=$1
  [ -f "$work/m/$name.fstmodel" ] && return
  # shellcheck disable=SC2086
  "$bin/model" cnn_2d_vgg "$work/m/$name.fstmodel" --data "$work/feat" --recipe distilled --teacher "$teacher" --score-window 5.12 \
    --seed 1 --threads 1 ${config[$name]} > "$work/m/$name.log"
}
for ((i = 0; i < ${#order[@]}; i += 2)); do
  student "${order[$i]}" &
  [ $((i + 1)) -lt ${#order[@]} ] && student "${order[$((i + 1))]}" &
  wait
done
score() { # model → held-out MAP@3
  "$bin/predict" "$1" "$corpus/audio_train" "$work/val_submission.csv" "$work/train.csv" "$work/scored.csv" --truth "$work/val_labels.csv" |
    grep -o 'MAP@3 [0-9.]*' | cut -d' ' -f2
}
echo "teacher (--recipe best, 3 members, band shifts): $(score "$teacher")"
echo "| student | 5.12 s windows | 2.56 s windows | 1.28 s windows |"
echo "|---|---|---|---|"
for name in "${order[@]}"; do
  m="$work/m/$name.fstmodel"
  "$bin/bench" rescore "$m" "$work/m/$name.w256.fstmodel" 2.56 > /dev/null
  "$bin/bench" rescore "$m" "$work/m/$name.w128.fstmodel" 1.28 > /dev/null
  echo "| $name | $(score "$m") | $(score "$work/m/$name.w256.fstmodel") | $(score "$work/m/$name.w128.fstmodel") |"
done
echo "(work files in $work)" >&2

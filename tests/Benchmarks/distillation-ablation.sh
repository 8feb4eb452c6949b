#!/usr/bin/env bash
# Chooses the distilled recipe (docs/recipes-and-results.md, "Distillation") on corpus-dev's training clips only:
# best-recipe teachers trained on the checked-label split's training rows (ablation_split.py verified; seed 1, and
# seeds 2 and 3 for the configuration taught by all three), students of `--recipe distilled` (seed 1; seed 2 or 3 for the
# configurations ending _s2 or _s3; cnn_2d_vgg_narrow for those with _narrow) with other distillation settings on the
# same rows, each scored on the held-out verified clips with 5.12, 2.56 and 1.28 s windows, and 1.28 s ones without
# overlap (bench rescore saves the same weights with other scoring windows). The test clips are never touched. Run after ./build.sh.
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
# Longer schedules are configurations of their own (the recipe's 240 epochs among them); the others train 80, as
# the best recipe's members do.
declare -A config=(
  [labels_only]="--distill-weight 0 --epochs 80"
  [t2_w07]="--epochs 80"
  [t1_w05]="--distill-temperature 1 --distill-weight 0.5 --epochs 80"
  [t4_w09]="--distill-temperature 4 --distill-weight 0.9 --epochs 80"
  [t2_w07_e120]="--epochs 120"
  [t2_w07_ema]="--ema 0.995 --epochs 80"
  [t2_w07_e120_seeds123]="--epochs 120"
  [t2_w07_e240]="--epochs 240"
  [t2_w07_e240_narrow]="--epochs 240"
)
# A name ending _sN is its configuration's student of seed N (another seed, to see a student's own spread); a
# configuration with _narrow trains the narrower network, which predicts faster.
options_of() { echo "${config[${1%_s[0-9]}]}"; }
seed_of() { [[ $1 =~ _s([0-9])$ ]] && echo "${BASH_REMATCH[1]}" || echo 1; }
variant_of() { [[ $1 == *_narrow* ]] && echo cnn_2d_vgg_narrow || echo cnn_2d_vgg; }
# The teachers' seeds per configuration (default: seed 1 alone); several files are averaged as predict averages them.
declare -A teacher_seeds=([t2_w07_e120_seeds123]="1 2 3")
order=(labels_only t2_w07 t1_w05 t4_w09 t2_w07_e120 t2_w07_ema t2_w07_e120_seeds123 t2_w07_e240 t2_w07_e120_s2 t2_w07_e240_s2 t2_w07_e240_narrow t2_w07_e240_narrow_s2 t2_w07_e240_narrow_s3)
[ $# -gt 0 ] && order=("$@")
for name in "${order[@]}"; do
  [ -n "${config[${name%_s[0-9]}]+set}" ] || { echo "unknown configuration $name (known: ${!config[*]}, each optionally with _sN)" >&2; exit 2; }
done
teacher() { # seed → the best-recipe teacher of that seed on the split (seed 1's file is teacher.fstmodel)
  local file="$work/m/teacher.fstmodel"
  [ "$1" = 1 ] || file="$work/m/teacher.seed$1.fstmodel"
  [ -f "$file" ] || "$bin/model" cnn_2d_vgg "$file" --data "$work/feat" --recipe best --seed "$1" > "${file%.fstmodel}.log"
  echo "$file"
}
for name in "${order[@]}"; do for seed in ${teacher_seeds[$name]:-1}; do teacher "$seed" > /dev/null; done; done
student() {
  local name=$1 teachers=()
  [ -f "$work/m/$name.fstmodel" ] && return
  for seed in ${teacher_seeds[$name]:-1}; do teachers+=("$(teacher "$seed")"); done
  # shellcheck disable=SC2086
  "$bin/model" "$(variant_of "$name")" "$work/m/$name.fstmodel" --data "$work/feat" --recipe distilled --teacher "${teachers[@]}" --score-window 5.12 \
    --seed "$(seed_of "$name")" --threads 1 $(options_of "$name") > "$work/m/$name.log"
}
for ((i = 0; i < ${#order[@]}; i += 2)); do
  student "${order[$i]}" &
  [ $((i + 1)) -lt ${#order[@]} ] && student "${order[$((i + 1))]}" &
  wait
done
score() { # model file(s) → held-out MAP@3
  "$bin/predict" "$@" "$corpus/audio_train" "$work/val_submission.csv" "$work/train.csv" "$work/scored.csv" --truth "$work/val_labels.csv" |
    grep -o 'MAP@3 [0-9.]*' | cut -d' ' -f2
}
echo "teacher seed 1 (--recipe best, 3 members, band shifts): $(score "$(teacher 1)")"
[ -f "$work/m/teacher.seed2.fstmodel" ] && echo "teachers seeds 1-3 averaged: $(score "$(teacher 1)" "$(teacher 2)" "$(teacher 3)")"
echo "| student | 5.12 s windows | 2.56 s windows | 1.28 s windows | 1.28 s windows without overlap |"
echo "|---|---|---|---|---|"
for name in "${order[@]}"; do
  m="$work/m/$name.fstmodel"
  "$bin/bench" rescore "$m" "$work/m/$name.w256.fstmodel" 2.56 > /dev/null
  "$bin/bench" rescore "$m" "$work/m/$name.w128.fstmodel" 1.28 > /dev/null
  # One window per window length (--windows-per-crop 1): every 1.28 s instead of every 0.64 s.
  "$bin/bench" rescore "$m" "$work/m/$name.w128h1.fstmodel" 1.28 1 > /dev/null
  echo "| $name | $(score "$m") | $(score "$work/m/$name.w256.fstmodel") | $(score "$work/m/$name.w128.fstmodel") | $(score "$work/m/$name.w128h1.fstmodel") |"
done
echo "(work files in $work)" >&2

#!/usr/bin/env bash
# The results table of docs/recipes: every training recipe, trained on a corpus's train set with several seeds,
# scored on its test set (test_labels.csv). Run after ./build.sh.
#   tests/Benchmarks/recipes.sh [corpus] [seeds] [recipe...]
# corpus defaults to ../shared/corpus-dev, seeds to "1 2 3", recipes to all of those below. Prints one line per
# run, then per recipe: test MAP@3 mean ± std (sample) and min-max over the seeds, training time, model size.
# Keeps the models in $FST_RECIPES_KEEP if set (pre_trained_models/train.sh uses that). FST_RECIPES_DEGRADED=1 also
# scores each model on the test clips degraded 19 ways (robustness.sh) and reports the mean over the degradations.
# The distilled recipe distils from FST_RECIPES_TEACHER: one model file or several, space-separated (default: the
# shipped best model, trained on the train set only; the results row's teacher). Its training time includes the
# teacher scoring the training clips, not the teacher's training.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${FST_BIN:-$root/artifacts/bin}   # FST_BIN: run a copy of the build, so rebuilding meanwhile is safe
corpus=$(cd "${1:-$root/../shared/corpus-dev}" && pwd)
seeds=${2:-"1 2 3"}
shift $(( $# > 2 ? 2 : $# ))
[ -x "$bin/model" ] || { echo "run ./build.sh first" >&2; exit 2; }

# Recipes chosen on a validation split of the train set (--val-fraction 0.2, seed 1), never on the test clips.
teacher=${FST_RECIPES_TEACHER:-$root/pre_trained_models/cnn_2d_vgg_best.fstmodel}
aug="--mixup 0.4 --time-masks 2 --time-mask-frames 12 --freq-masks 2 --freq-mask-bands 8"
declare -A recipe=(
  [original]="cnn_1d_dropout"
  [vgg_crop]="cnn_2d_vgg --crop 1.28 --schedule cosine --epochs 80 --batch-size 32"
  [vgg_aug]="cnn_2d_vgg --crop 1.28 --schedule cosine --epochs 80 --batch-size 32 $aug"
  [vgg_aug_3fold]="cnn_2d_vgg --crop 1.28 --schedule cosine --epochs 80 --batch-size 32 $aug --folds 3"
  [deep]="cnn_2d_vgg --recipe deep"
  [best]="cnn_2d_vgg --recipe best"
  [distilled]="cnn_2d_vgg --recipe distilled --teacher $teacher"
  # The distilled recipe on the narrower network (docs/recipes-and-results.md, distillation); not in the default order.
  [distilled_narrow]="cnn_2d_vgg_narrow --recipe distilled --teacher $teacher"
)
# The features each recipe trains on (`inputs` options; the model file records them, so predict follows): the best
# recipe was chosen on log-mels measured against each clip's peak, over 20 Hz to 16 kHz (docs/recipes-and-results.md).
declare -A features=(
  [best]="--log-reference clip-peak --log-offset 1e-6 --fmin 20 --fmax 16000"
  [distilled]="--log-reference clip-peak --log-offset 1e-6 --fmin 20 --fmax 16000"
  [distilled_narrow]="--log-reference clip-peak --log-offset 1e-6 --fmin 20 --fmax 16000"
)
order=(original deep best distilled vgg_aug_3fold vgg_crop)
[ $# -gt 0 ] && order=("$@")

work=$(mktemp -d /tmp/fst-recipes.XXXXXX)
trap 'rm -rf "$work"' EXIT
keep=${FST_RECIPES_KEEP:-$work/models}
mkdir -p "$keep"
data_for() { # recipe → its feature folder, made once per distinct set of inputs options
  local opts=${features[$1]:-} dir
  dir="$work/features-$(echo "default $opts" | tr -c 'a-zA-Z0-9.\n-' _)"
  # shellcheck disable=SC2086
  [ -s "$dir/samples.npy" ] || { mkdir -p "$dir" && "$bin/inputs" "$corpus/audio_train" "$corpus/train.csv" -o "$dir" $opts > /dev/null; }
  echo "$dir"
}

declare -A maps times sizes degradeds
for name in "${order[@]}"; do
  [ -n "${recipe[$name]:-}" ] || { echo "unknown recipe $name (known: ${!recipe[*]})" >&2; exit 2; }
  for seed in $seeds; do
    save="$keep/$name.seed$seed.fstmodel"
    start=$(date +%s.%N)
    # The save name right after the variant: --teacher takes every file that follows it.
    # shellcheck disable=SC2086
    set -- ${recipe[$name]}
    "$bin/model" "$1" "$save" "${@:2}" --data "$(data_for "$name")" --seed "$seed" > "$work/train.log"
    seconds=$(awk "BEGIN { printf \"%.0f\", $(date +%s.%N) - $start }")
    models=("$save")
    [[ ${recipe[$name]} == *--folds* ]] && models=("${save%.fstmodel}".fold*.fstmodel)
    rm -f "$keep"/*.ckpt
    "$bin/predict" "${models[@]}" "$corpus/audio_test" "$corpus/sample_submission.csv" "$corpus/train.csv" \
      "$keep/$name.seed$seed.csv" --truth "$corpus/test_labels.csv" > "$work/predict.log"
    map=$(grep -o 'MAP@3 [0-9.]*' "$work/predict.log" | awk '{ print $2 }')
    speed=$(grep -o '[0-9.]* clips/s' "$work/predict.log" | head -1)
    bytes=$(cat "${models[@]}" | wc -c)
    degraded=""
    if [ -n "${FST_RECIPES_DEGRADED:-}" ]; then
      BIN=$bin "$root/tests/Benchmarks/robustness.sh" "$corpus" "${models[@]}" > "$keep/$name.seed$seed.robustness.txt"
      degraded=$(awk '$1 == "mean" { print $3 }' "$keep/$name.seed$seed.robustness.txt")
      degradeds[$name]+="$degraded "
      degraded=", mean over the degradations $degraded"
    fi
    echo "$name seed $seed: test MAP@3 $map$degraded, trained in $seconds s, $((bytes / 1024)) KB in ${#models[@]} file(s), predict $speed"
    maps[$name]+="$map "; times[$name]+="$seconds "; sizes[$name]=$((bytes / 1024))
  done
done

echo
echo "| recipe | test MAP@3 mean ± std (min–max) | error 1 − MAP@3 | training time per run | model size |"
echo "|---|---|---|---|---|"
for name in "${order[@]}"; do
  echo "${maps[$name]}|${times[$name]}" | awk -v n="$name" -v kb="${sizes[$name]}" -F'|' '{
    k = split($1, m, " "); split($2, t, " ")
    s = 0; for (i = 1; i <= k; i++) s += m[i]; mean = s / k
    v = 0; for (i = 1; i <= k; i++) v += (m[i] - mean) ^ 2; sd = k > 1 ? sqrt(v / (k - 1)) : 0
    lo = hi = m[1]; for (i = 1; i <= k; i++) { if (m[i] < lo) lo = m[i]; if (m[i] > hi) hi = m[i] }
    ts = 0; for (i = 1; i <= k; i++) ts += t[i]
    printf "| %s | %.3f ± %.3f (%.3f–%.3f) | %.3f | %.0f s | %d KB |\n", n, mean, sd, lo, hi, 1 - mean, ts / k, kb }'
done
for name in "${order[@]}"; do
  [ -n "${degradeds[$name]:-}" ] || continue
  echo "${degradeds[$name]}" | awk -v n="$name" '{ s = 0; for (i = 1; i <= NF; i++) s += $i; mean = s / NF
    v = 0; for (i = 1; i <= NF; i++) v += ($i - mean) ^ 2
    printf "%s: mean over the degradations %.3f ± %.3f (seeds: %s)\n", n, mean, NF > 1 ? sqrt(v / (NF - 1)) : 0, $0 }'
done

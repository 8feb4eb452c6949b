#!/usr/bin/env bash
# Chooses the recording degradations of training (docs/recipes-and-results.md, "Training on degraded crops") on
# corpus-dev's training clips only: single networks of the deep recipe on the best recipe's features, scored as the
# best recipe scores (5.12 s windows, band shifts ±1), trained on the checked-label split's training rows and scored
# on its held-out verified clips, clean and degraded by tests/Benchmarks/degrade.py (robustness.sh SPLIT=validation).
# The test clips are never touched. Run after ./build.sh.
#   tests/Benchmarks/robustness-ablation.sh [corpus] [seeds] [configuration...]
# FST_ABLATION_VALIDATION=sources holds out one timbre cluster of each class instead (ablation_split.py): scores on
# sources the networks never heard. Use another FST_ABLATION_WORK per split. On a 2-core machine, train two seeds at
# once: FST_ABLATION_THREADS=1 FST_ABLATION_TRAIN_ONLY=1 per seed, then once more without them to score.
# Prints robustness.sh's table (one column per network) and, per configuration, clean and mean-degraded MAP@3
# averaged over the seeds.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${FST_BIN:-$root/artifacts/bin}
corpus=$(cd "${1:-$root/../shared/corpus-dev}" && pwd)
seeds=${2:-"1 2"}
shift $(( $# > 2 ? 2 : $# ))
[ -x "$bin/model" ] || { echo "run ./build.sh first" >&2; exit 2; }
work=${FST_ABLATION_WORK:-$(mktemp -d /tmp/fst-robust-ablation.XXXXXX)}
mkdir -p "$work/models"
split=${FST_ABLATION_VALIDATION:-verified}
/usr/bin/python3 "$root/tests/Benchmarks/ablation_split.py" "$corpus/train.csv" "$work" "$split" "$corpus/audio_train"

all5() { echo "--background $1 --reverb $1 --random-filter $1 --noise $1 --dc-offset $1"; }
declare -A config=(
  [clean]=""
  [degrade03]="$(all5 0.3)"
  [degrade05]="$(all5 0.5)"
  [degrade015]="$(all5 0.15)"
  [degrade03_e120]="$(all5 0.3) --epochs 120"
)
# Configurations on other features than the best recipe's: inputs options, one feature folder each.
best_features="--log-reference clip-peak --log-offset 1e-6 --fmin 20 --fmax 16000"
declare -A features=(
  [absolute_degrade015]="--log-offset 1e-4 --fmin 20 --fmax 16000"
  [band125_7500_degrade015]="--log-reference clip-peak --log-offset 1e-6"
)
config[absolute_degrade015]=${config[degrade015]}
config[band125_7500_degrade015]=${config[degrade015]}
order=(clean degrade03 degrade05)
[ $# -gt 0 ] && order=("$@")

models=()
for name in "${order[@]}"; do
  for seed in $seeds; do
    m="$work/models/$name.seed$seed.fstmodel"
    data="$work/feat-${name}"
    [ -n "${features[$name]:-}" ] || data="$work/feat"
    mkdir -p "$data"
    # shellcheck disable=SC2086
    [ -s "$data/samples.npy" ] || "$bin/inputs" "$corpus/audio_train" "$work/train.csv" -o "$data" ${features[$name]:-$best_features} > /dev/null
    if [ ! -f "$m" ]; then
      start=$(date +%s)
      # shellcheck disable=SC2086
      "$bin/model" cnn_2d_vgg "$m" --data "$data" --recipe deep --tta-shifts 1 --score-window 5.12 --seed "$seed" \
        --threads "${FST_ABLATION_THREADS:-$(nproc)}" ${config[$name]} > "$work/models/$name.seed$seed.log"
      echo "$name seed $seed: trained in $(( $(date +%s) - start )) s" >&2
    fi
    models+=("$m")
  done
done
[ -z "${FST_ABLATION_TRAIN_ONLY:-}" ] || exit 0
SPLIT=validation LABELS="$work/val_labels.csv" TRAIN_CSV="$work/train.csv" ROBUSTNESS_CACHE="$work/degraded" \
  "$root/tests/Benchmarks/robustness.sh" "$corpus" "${models[@]}" | tee "$work/table.txt"
# Per configuration: the seeds' mean of the clean row and of the mean-degraded row (columns in the order trained).
echo "| configuration | clean MAP@3 | mean over the degradations | gap |"
echo "|---|---|---|---|"
n=$(echo $seeds | wc -w)
i=0
for name in "${order[@]}"; do
  awk -v from=$((i + 2)) -v n="$n" -v name="$name" '
    $1 == "clean" { for (k = from; k < from + n; k++) c += $k }
    $1 == "mean" { for (k = from + 1; k < from + 1 + n; k++) d += $k }
    END { printf "| %s | %.3f | %.3f | %.3f |\n", name, c / n, d / n, (c - d) / n }' "$work/table.txt"
  i=$((i + n))
done
echo "(work files in $work)" >&2

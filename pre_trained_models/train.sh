#!/usr/bin/env bash
# Reproduces pre_trained_models/*.fstmodel and submissions/*.csv from an FSDKaggle2018-layout corpus
# (default: the project's development corpus at ../shared/corpus-dev). Run ./build.sh first.
#   pre_trained_models/train.sh [corpus] [original|deep|best|distilled|all]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
corpus=$(cd "${1:-$root/../shared/corpus-dev}" && pwd)
which=${2:-all}
bin="$root/artifacts/bin"
work=$(mktemp -d /tmp/fst-pretrain.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
"$bin/inputs" "$corpus/audio_train" "$corpus/train.csv"

submit() { # name model... : writes submissions/<name>.csv and prints its MAP@3 on the test clips
  local name=$1; shift
  "$bin/predict" "$@" "$corpus/audio_test" "$corpus/sample_submission.csv" "$corpus/train.csv" \
    "$root/submissions/$name.csv" --truth "$corpus/test_labels.csv"
}

if [ "$which" = original ] || [ "$which" = all ]; then
  # The original recipe, one model per variant.
  for variant in cnn_1d cnn_1d_dropout cnn_1d_dense_dropout; do
    start=$(date +%s)
    "$bin/model" "$variant" "$root/pre_trained_models/$variant.fstmodel" --seed 1
    echo "$variant: trained in $(( $(date +%s) - start )) s"
    rm -f "$root/pre_trained_models/$variant.fstmodel.ckpt"
    submit "$variant" "$root/pre_trained_models/$variant.fstmodel"
  done
fi

if [ "$which" = deep ] || [ "$which" = all ]; then
  # The recipe chosen on a validation split (README, "Deep models"), trained on every training clip.
  start=$(date +%s)
  # --recipe deep = --crop 1.28 --schedule cosine --epochs 80 --batch-size 32 --mixup 0.4 --time-masks 2
  #                 --time-mask-frames 12 --freq-masks 2 --freq-mask-bands 8
  "$bin/model" cnn_2d_vgg "$root/pre_trained_models/cnn_2d_vgg.fstmodel" --seed 1 --recipe deep
  echo "cnn_2d_vgg: trained in $(( $(date +%s) - start )) s"
  rm -f "$root/pre_trained_models/cnn_2d_vgg.fstmodel.ckpt"
  submit cnn_2d_vgg "$root/pre_trained_models/cnn_2d_vgg.fstmodel"
fi

if [ "$which" = best ] || [ "$which" = all ]; then
  # --recipe best = the deep recipe trained as 3 members (seeds 1, 1000004 and 2000007) in one ensemble file, on crops
  #                 degraded as recordings are, scored on 5.12 s windows, each also shifted one mel band up and down
  #                 (--members 3 --background 0.15 --reverb 0.15 --random-filter 0.15 --noise 0.15 --dc-offset 0.15
  #                 --tta-shifts 1 --score-window 5.12).
  # Its features are measured against each clip's peak, ln(mel / peak + 1e-6), over mel bands from 20 Hz to 16 kHz;
  # the model file records them for predict.
  mkdir -p "$work/best" && "$bin/inputs" "$corpus/audio_train" "$corpus/train.csv" -o "$work/best" --log-reference clip-peak --log-offset 1e-6 --fmin 20 --fmax 16000
  start=$(date +%s)
  "$bin/model" cnn_2d_vgg "$root/pre_trained_models/cnn_2d_vgg_best.fstmodel" --seed 1 --recipe best --data "$work/best"
  echo "cnn_2d_vgg_best: trained in $(( $(date +%s) - start )) s"
  submit cnn_2d_vgg_best "$root/pre_trained_models/cnn_2d_vgg_best.fstmodel"
fi

if [ "$which" = distilled ] || [ "$which" = all ]; then
  # --recipe distilled = the best recipe as one network (no members, no band shifts), 240 epochs, scored on
  #                      windows of its 1.28 s crop, trained towards the shipped best model's probabilities on each clip
  #                      (--distill-temperature 2 --distill-weight 0.7), on the best recipe's features.
  mkdir -p "$work/best" && [ -s "$work/best/samples.npy" ] || "$bin/inputs" "$corpus/audio_train" "$corpus/train.csv" -o "$work/best" --log-reference clip-peak --log-offset 1e-6 --fmin 20 --fmax 16000
  start=$(date +%s)
  "$bin/model" cnn_2d_vgg "$root/pre_trained_models/cnn_2d_vgg_distilled.fstmodel" --seed 1 --recipe distilled --data "$work/best" \
    --teacher "$root/pre_trained_models/cnn_2d_vgg_best.fstmodel"
  echo "cnn_2d_vgg_distilled: trained in $(( $(date +%s) - start )) s"
  rm -f "$root/pre_trained_models/cnn_2d_vgg_distilled.fstmodel.ckpt"
  submit cnn_2d_vgg_distilled "$root/pre_trained_models/cnn_2d_vgg_distilled.fstmodel"
fi

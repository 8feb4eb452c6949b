#!/usr/bin/env bash
# Reproduces pre_trained_models/*.fstmodel and submissions/*.csv from an FSDKaggle2018-layout corpus
# (default: the project's development corpus at ../shared/corpus-dev). Run ./build.sh first.
#   pre_trained_models/train.sh [corpus]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
corpus=$(cd "${1:-$root/../shared/corpus-dev}" && pwd)
bin="$root/artifacts/bin"
work=$(mktemp -d /tmp/fst-pretrain.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
"$bin/inputs" "$corpus/audio_train" "$corpus/train.csv"
for variant in cnn_1d cnn_1d_dropout cnn_1d_dense_dropout; do
  start=$(date +%s)
  "$bin/model" "$variant" "$root/pre_trained_models/$variant.fstmodel" --seed 1
  echo "$variant: trained in $(( $(date +%s) - start )) s"
  rm -f "$root/pre_trained_models/$variant.fstmodel.ckpt"
  "$bin/predict" "$root/pre_trained_models/$variant.fstmodel" "$corpus/audio_test" "$corpus/sample_submission.csv" \
    "$corpus/train.csv" "$root/submissions/$variant.csv" --truth "$corpus/test_labels.csv"
done

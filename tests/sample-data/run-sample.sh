#!/usr/bin/env bash
# The quick start: inputs -> model -> predict on the embedded sample data, then MAP@3 on its held-out labels.
# Usage: run-sample.sh <folder with inputs/model/predict> <work folder>
set -euo pipefail
bin=$(cd "$1" && pwd)
mkdir -p "$2"
work=$(cd "$2" && pwd)
sample=$(cd "$(dirname "$0")" && pwd)
cd "$work"

echo "== inputs: log-mel arrays from $sample/audio_train"
"$bin/inputs" "$sample/audio_train" "$sample/train.csv"
echo
echo "== model: cnn_1d_dropout, the original recipe (Adam 1e-3, 30 epochs, batch 64)"
"$bin/model" cnn_1d_dropout sample.model --seed 1
echo
echo "== predict: top-3 labels for $sample/audio_test"
"$bin/predict" sample.model "$sample/audio_test" "$sample/sample_submission.csv" "$sample/train.csv" submission.csv \
  --truth "$sample/test_labels.csv"
echo
echo "submission: $work/submission.csv"

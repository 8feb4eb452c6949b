#!/usr/bin/env bash
# Fingerprints what the commands write, to show a refactoring changed no output: samples.npy/labels.npy, the
# weights inside model files (training on the CPU is deterministic for one seed, thread count and CPU), submissions
# and tagging output. Run it with the build before and after a change, on the same machine, and diff the two lists:
#   tests/Benchmarks/outputs-fingerprint.sh artifacts/bin /tmp/fp-after [corpus] > /tmp/after.txt
# corpus: an FSDKaggle2018-layout folder (default ../shared/corpus-dev, else the embedded sample data).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=$(cd "$1" && pwd)
mkdir -p "$2"; work=$(cd "$2" && pwd)
corpus=${3:-$root/../shared/corpus-dev}
[ -d "$corpus" ] || corpus=$root/tests/sample-data
corpus=$(cd "$corpus" && pwd)
models=$root/pre_trained_models
cd "$work"

# The weights section of a .fstmodel (the file also holds timings, which differ run to run).
weights_sha() {
  python3 - "$1" <<'PY'
import hashlib, struct, sys
b = open(sys.argv[1], 'rb').read()
m = struct.unpack_from('<q', b, 12)[0]
w = struct.unpack_from('<q', b, 20 + m)[0]
print(hashlib.sha256(b[28 + m:28 + m + w]).hexdigest())
PY
}
sha() { sha256sum "$1" | cut -c1-64; }
say() { printf '%-44s %s\n' "$1" "$2"; }

"$bin/inputs" "$corpus/audio_train" "$corpus/train.csv" -o features >/dev/null 2>&1
say "inputs samples.npy" "$(sha features/samples.npy)"
say "inputs labels.npy" "$(sha features/labels.npy)"
"$bin/inputs" "$corpus/audio_train" "$corpus/train.csv" -o features-peak --log-reference clip-peak --max-frames 500 >/dev/null 2>&1
say "inputs clip-peak, 500 frames samples.npy" "$(sha features-peak/samples.npy)"

train() { # name variant options...
  local name=$1; shift
  "$bin/model" "$@" "$name.fstmodel" --data features --seed 1 >/dev/null 2>&1
  say "model $name weights" "$(weights_sha "$name.fstmodel")"
}
train dropout cnn_1d_dropout --epochs 2
train bucket cnn_1d --epochs 2 --bucket --val-fraction 0.2 --keep best
train deep cnn_2d_vgg --recipe deep --epochs 1
train members cnn_1d_dense_dropout --epochs 1 --members 2 --crop 1.28 --mixup 0.4 --ema 0.99

test_set=("$corpus/audio_test" "$corpus/sample_submission.csv" "$corpus/train.csv")
for m in "$models"/*.fstmodel; do
  n=$(basename "$m" .fstmodel)
  "$bin/predict" "$m" "${test_set[@]}" "sub-$n.csv" >/dev/null 2>&1
  say "predict $n submission" "$(sha "sub-$n.csv")"
  if [ -f "$root/submissions/$n.csv" ] && [ "$corpus" = "$(cd "$root/../shared/corpus-dev" 2>/dev/null && pwd)" ]; then
    cmp -s "sub-$n.csv" "$root/submissions/$n.csv" && say "  = submissions/$n.csv" yes || say "  = submissions/$n.csv" NO
  fi
done
for mean in arithmetic geometric; do
  "$bin/predict" "$models/cnn_1d_dropout.fstmodel" "$models/cnn_2d_vgg.fstmodel" "${test_set[@]}" "ens-$mean.csv" \
    --mean "$mean" --probabilities "ens-$mean.npy" >/dev/null 2>&1
  say "predict ensemble --mean $mean" "$(sha "ens-$mean.csv") $(sha "ens-$mean.npy")"
  "$bin/predict" "$models/cnn_1d_dropout.fstmodel" "$models/cnn_2d_vgg.fstmodel" "$corpus/audio_test" \
    --mean "$mean" --timeline 1 --format jsonl --all > "timeline-$mean.jsonl" 2>/dev/null
  say "tag timeline jsonl --mean $mean" "$(sha "timeline-$mean.jsonl")"
done
"$bin/predict" "$models/cnn_2d_vgg_best.fstmodel" "$corpus/audio_test" --format csv --top-k 5 > tags.csv 2>/dev/null
say "tag csv top 5" "$(sha tags.csv)"
"$bin/predict" "$models/cnn_2d_vgg_best.fstmodel" --info --format json > info.json 2>/dev/null
say "predict --info json" "$(sha info.json)"

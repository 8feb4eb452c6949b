#!/usr/bin/env bash
# MAP@3 of models on a corpus's test clips, clean and degraded the ways real recordings differ from rendered ones
# (tests/Benchmarks/degrade.py: band limits, low-rate codecs, reverberation, noise at 20/10/5 dB SNR, a second
# quieter sound, -40 dB gain, a DC offset). One line per degradation, one column per model, and the mean over the
# degradations with its gap to the clean figure.
#   tests/Benchmarks/robustness.sh [corpus (default ../shared/corpus-dev)] [model ...]
# Models default to the shipped cnn_1d_dropout, cnn_2d_vgg and cnn_2d_vgg_best. The degraded sets are made once
# (about a minute) and cached under $ROBUSTNESS_CACHE (default artifacts/robustness/<corpus>). SPLIT=test (default)
# degrades audio_test with test_labels.csv: report on it, never choose settings on it. To choose, degrade a validation
# split instead: LABELS=<fname,label CSV of the held-out training rows> SPLIT=validation (audio from audio_train), and
# TRAIN_CSV=<the rows the models were trained on>.
# Needs sox, ffmpeg and numpy under /usr/bin/python3 (Debian: apt-get install sox ffmpeg python3-numpy); run ./build.sh first.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
corpus=$(cd "${1:-$root/../shared/corpus-dev}" && pwd); shift || true
models=("$@")
[ ${#models[@]} -gt 0 ] || models=("$root/pre_trained_models/cnn_1d_dropout.fstmodel" "$root/pre_trained_models/cnn_2d_vgg.fstmodel" "$root/pre_trained_models/cnn_2d_vgg_best.fstmodel")
bin=${BIN:-$root/artifacts/bin}
split=${SPLIT:-test}
# The training CSV the models were trained on (its class order is theirs): a validation split's own rows.
train_csv=${TRAIN_CSV:-$corpus/train.csv}
case $split in
  test) audio=$corpus/audio_test; labels=${LABELS:-$corpus/test_labels.csv} ;;
  validation) audio=$corpus/audio_train; labels=${LABELS:?LABELS=<validation rows fname,label> is needed with SPLIT=validation} ;;
  *) echo "SPLIT is test or validation" >&2; exit 2 ;;
esac
[ -x "$bin/predict" ] || { echo "run ./build.sh first" >&2; exit 2; }
for t in sox ffmpeg; do command -v $t > /dev/null || { echo "needs $t (apt-get install $t)" >&2; exit 2; }; done
cache=${ROBUSTNESS_CACHE:-$root/artifacts/robustness/$(basename "$corpus")-$split}
/usr/bin/python3 "$root/tests/Benchmarks/degrade.py" "$audio" "$labels" "$cache"
work=$(mktemp -d "${TMPDIR:-/tmp}/fst-robust.XXXXXX")
trap 'rm -rf "$work"' EXIT
# A submission template for the set: its names, any label.
awk -F, 'NR == 1 { print "fname,label"; next } { print $1 ",x" }' "$labels" > "$work/sample.csv"

map3() { # model audio_dir -> MAP@3
  local out
  out=$("$bin/predict" "$1" "$2" "$work/sample.csv" "$train_csv" "$work/sub.csv" --truth "$labels" 2>&1) ||
    { echo "$out" >&2; exit 1; }
  sed -n 's/^MAP@3 \([0-9.]*\) over.*/\1/p' <<< "$out"
}
echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $split clips of $(basename "$corpus") ($(($(wc -l < "$labels") - 1)) clips); $(date -u '+%Y-%m-%d %H:%M UTC')"
printf '%-18s' set; for m in "${models[@]}"; do printf ' %22s' "$(basename "${m%.fstmodel}")"; done; echo
sets=(clean $(/usr/bin/python3 -c "import sys; sys.path.insert(0, '$root/tests/Benchmarks'); import degrade; print(' '.join(degrade.DEGRADATIONS))"))
declare -A sum clean
for s in "${sets[@]}"; do
  dir=$cache/$s; [ "$s" = clean ] && dir=$audio
  printf '%-18s' "$s"
  for m in "${models[@]}"; do
    v=$(map3 "$m" "$dir"); printf ' %22s' "$v"
    if [ "$s" = clean ]; then clean[$m]=$v; else sum[$m]=$(echo "${sum[$m]:-0} + $v" | bc -l); fi
  done
  echo
done
n=$((${#sets[@]} - 1))
printf '%-18s' "mean degraded"; for m in "${models[@]}"; do printf ' %22.4f' "$(echo "${sum[$m]} / $n" | bc -l)"; done; echo
printf '%-18s' "gap to clean"; for m in "${models[@]}"; do printf ' %22.4f' "$(echo "${clean[$m]} - ${sum[$m]} / $n" | bc -l)"; done; echo

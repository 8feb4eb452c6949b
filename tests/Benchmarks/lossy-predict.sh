#!/usr/bin/env bash
# MAP@3 of a model on a corpus's test clips as WAV, MP3 (LAME 128 kbit/s) and Ogg Vorbis (q4), and how often
# the labels agree with the WAV run. Usage:
#   tests/Benchmarks/lossy-predict.sh [corpus (default ../shared/corpus-dev)] [model (default pre_trained_models/cnn_2d_vgg.fstmodel)]
# The corpus needs audio_test/, sample_submission.csv and test_labels.csv. Needs ffmpeg and /usr/bin/python3.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
corpus=$(cd "${1:-$root/../shared/corpus-dev}" && pwd)
model=$(cd "$(dirname "${2:-$root/pre_trained_models/cnn_2d_vgg.fstmodel}")" && pwd)/$(basename "${2:-cnn_2d_vgg.fstmodel}")
bin="$root/artifacts/bin"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
for fmt in mp3 ogg; do
  mkdir -p $fmt
  case $fmt in mp3) codec=(-c:a libmp3lame -b:a 128k) ;; ogg) codec=(-c:a libvorbis -q:a 4) ;; esac
  for f in "$corpus"/audio_test/*.wav; do
    ffmpeg -nostdin -hide_banner -loglevel error -y -i "$f" "${codec[@]}" "$fmt/$(basename "${f%.wav}").$fmt"
  done
  sed "s/\.wav,/.$fmt,/" "$corpus/sample_submission.csv" > $fmt.sample.csv
  sed "s/\.wav,/.$fmt,/" "$corpus/test_labels.csv" > $fmt.truth.csv
done
echo "== wav"; "$bin/predict" "$model" "$corpus/audio_test" "$corpus/sample_submission.csv" - wav.sub.csv --truth "$corpus/test_labels.csv" 2>/dev/null | tail -1
for fmt in mp3 ogg; do
  echo "== $fmt"; "$bin/predict" "$model" $fmt $fmt.sample.csv - $fmt.sub.csv --truth $fmt.truth.csv 2>/dev/null | tail -1
done
/usr/bin/python3 - <<'PY'
import csv
def load(p): return {r["fname"].rsplit(".", 1)[0]: r["label"].split() for r in csv.DictReader(open(p))}
w = load("wav.sub.csv")
for fmt in ["mp3", "ogg"]:
    x = load(f"{fmt}.sub.csv")
    same1 = sum(w[k][0] == x[k][0] for k in w); same3 = sum(w[k] == x[k] for k in w)
    print(f"{fmt}: top label as with WAV for {same1}/{len(w)} clips, all 3 labels in the same order for {same3}/{len(w)}")
PY

#!/usr/bin/env bash
# What the recording degradations cost per epoch: the best recipe (3 members side by side) for 5 epochs with and
# without its degradations, alternating, twice, on a corpus's training clips; prints the mean seconds per epoch of
# epochs 2-5 (the history's own epoch times). Run after ./build.sh.
#   tests/Benchmarks/degradation-cost.sh [corpus]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${FST_BIN:-$root/artifacts/bin}
corpus=$(cd "${1:-$root/../shared/corpus-dev}" && pwd)
[ -x "$bin/model" ] || { echo "run ./build.sh first" >&2; exit 2; }
work=$(mktemp -d /tmp/fst-degradation-cost.XXXXXX)
trap 'rm -rf "$work"' EXIT
"$bin/inputs" "$corpus/audio_train" "$corpus/train.csv" -o "$work/feat" --log-reference clip-peak --log-offset 1e-6 --fmin 20 --fmax 16000 > /dev/null
off="--background 0 --reverb 0 --random-filter 0 --noise 0 --dc-offset 0"
echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(date -u '+%Y-%m-%d %H:%M UTC')"
for round in 1 2; do
  for degraded in without with; do
    opts=$off; [ $degraded = with ] && opts=""
    # shellcheck disable=SC2086
    "$bin/model" cnn_2d_vgg "$work/m.fstmodel" --data "$work/feat" --recipe best --epochs 5 --seed 1 $opts > /dev/null
    echo "$degraded degradations, round $round: $(awk -F, 'NR > 2 { s += $8; n++ } END { printf "%.2f", s / n }' "$work/m.fstmodel.history.csv") s per epoch"
    rm -f "$work"/m.fstmodel*
  done
done

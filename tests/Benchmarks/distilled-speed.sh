#!/usr/bin/env bash
# The distilled networks' predict against the best ensemble's, on clips of two length profiles, alternating in one
# run: corpus-dev's 192 test clips (median 0.8 s) and an FSDKaggle2018-length proxy's (0.3-30 s clips, made once by
#   /usr/bin/python3 tests/Benchmarks/make_scale.py ../shared/corpus-dev /tmp/proxy10 --train 950 --test 160).
#   tests/Benchmarks/distilled-speed.sh [rounds (default 2)] [corpus...]
# Corpora default to ../shared/corpus-dev and /tmp/proxy10; the classes come from corpus-dev's train.csv (a proxy's
# lists them in another order). The students are every pre_trained_models/cnn_2d_vgg_distilled*.fstmodel, or the
# files FST_STUDENTS names (space-separated). Prints predict's own clips/s (features included) for each model and
# round, and each student's ratio of the means to the best's. Run after ./build.sh.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${FST_BIN:-$root/artifacts/bin}
rounds=${1:-2}
shift $(( $# > 0 ? 1 : 0 ))
dev=$(cd "$root/../shared/corpus-dev" && pwd)
corpora=("$@")
[ ${#corpora[@]} -gt 0 ] || corpora=("$dev" /tmp/proxy10)
[ -x "$bin/predict" ] || { echo "run ./build.sh first" >&2; exit 2; }
best=$root/pre_trained_models/cnn_2d_vgg_best.fstmodel
# shellcheck disable=SC2206
students=(${FST_STUDENTS:-$root/pre_trained_models/cnn_2d_vgg_distilled*.fstmodel})
models=("$best" "${students[@]}")
work=$(mktemp -d /tmp/fst-distilled-speed.XXXXXX)
trap 'rm -rf "$work"' EXIT
echo "$(nproc) cores; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
declare -A speed=()   # "model index,corpus index" → clips/s of each round
for c in "${!corpora[@]}"; do
  corpus=${corpora[$c]}
  [ -d "$corpus/audio_test" ] || { echo "$corpus has no audio_test/ (see the make_scale.py line above)" >&2; exit 2; }
  for _ in $(seq 1 "$rounds"); do
    for m in "${!models[@]}"; do
      "$bin/predict" "${models[$m]}" "$corpus/audio_test" "$corpus/sample_submission.csv" "$dev/train.csv" \
        "$work/s.csv" > "$work/log" 2>&1 || { cat "$work/log" >&2; exit 1; }
      speed[$m,$c]+="$(grep -o '[0-9.]* clips/s' "$work/log" | head -1 | cut -d' ' -f1) "
    done
  done
done
header="| model |" rule="|---|"
for corpus in "${corpora[@]}"; do
  header+=" $(basename "$corpus") ($(find "$corpus/audio_test" -type f | wc -l) clips), clips/s | against the best |"
  rule+="---|---|"
done
echo "$header"
echo "$rule"
for m in "${!models[@]}"; do
  line="| $(basename "${models[$m]}") |"
  for c in "${!corpora[@]}"; do
    # The ratio of the means of the rounds.
    ratio=$(echo "${speed[0,$c]}|${speed[$m,$c]}" | awk -F'|' '{ n = split($1, b, " "); split($2, d, " "); for (k = 1; k <= n; k++) { sb += b[k]; sd += d[k] }; printf "%.1f", sd / sb }')
    line+=" ${speed[$m,$c]% } | ${ratio}x |"
  done
  echo "$line"
done

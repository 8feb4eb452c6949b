#!/usr/bin/env bash
# The distilled network's predict against the best ensemble's, on clips of two length profiles, alternating in one
# run: corpus-dev's 192 test clips (median 0.8 s) and an FSDKaggle2018-length proxy's (0.3-30 s clips, made once by
#   /usr/bin/python3 tests/Benchmarks/make_scale.py ../shared/corpus-dev /tmp/proxy10 --train 950 --test 160).
#   tests/Benchmarks/distilled-speed.sh [rounds (default 2)] [corpus...]
# Corpora default to ../shared/corpus-dev and /tmp/proxy10; the classes come from corpus-dev's train.csv (a proxy's
# lists them in another order). Prints predict's own clips/s (features included) for each model and round, and the
# ratio of the means. Run after ./build.sh.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${FST_BIN:-$root/artifacts/bin}
rounds=${1:-2}
shift $(( $# > 0 ? 1 : 0 ))
dev=$(cd "$root/../shared/corpus-dev" && pwd)
corpora=("$@")
[ ${#corpora[@]} -gt 0 ] || corpora=("$dev" /tmp/proxy10)
[ -x "$bin/predict" ] || { echo "run ./build.sh first" >&2; exit 2; }
work=$(mktemp -d /tmp/fst-distilled-speed.XXXXXX)
trap 'rm -rf "$work"' EXIT
echo "$(nproc) cores; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "| clips | best (3 networks, band shifts, 5.12 s windows), clips/s | distilled (one network, 1.28 s windows), clips/s | ratio of the means |"
echo "|---|---|---|---|"
for corpus in "${corpora[@]}"; do
  [ -d "$corpus/audio_test" ] || { echo "$corpus has no audio_test/ (see the make_scale.py line above)" >&2; exit 2; }
  declare -A speed=()
  for r in $(seq 1 "$rounds"); do
    for model in best distilled; do
      "$bin/predict" "$root/pre_trained_models/cnn_2d_vgg_$model.fstmodel" "$corpus/audio_test" "$corpus/sample_submission.csv" "$dev/train.csv" \
        "$work/s.csv" > "$work/log" 2>&1 || { cat "$work/log" >&2; exit 1; }
      speed[$model]+="$(grep -o '[0-9.]* clips/s' "$work/log" | head -1 | cut -d' ' -f1) "
    done
  done
  clips=$(find "$corpus/audio_test" -type f | wc -l)
  ratio=$(echo "${speed[best]}|${speed[distilled]}" | awk -F'|' '{ n = split($1, b, " "); split($2, d, " "); for (i = 1; i <= n; i++) { sb += b[i]; sd += d[i] }; printf "%.1f", sd / sb }')
  echo "| $(basename "$corpus") ($clips clips) | ${speed[best]% } | ${speed[distilled]% } | ${ratio}x |"
done

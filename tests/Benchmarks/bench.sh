#!/usr/bin/env bash
# Benchmarks that print numbers (never timed unit tests). Run after ./build.sh.
#   tests/Benchmarks/bench.sh inputs  [corpus]   extraction speed + peak memory, corpus and corpus listed 4x
#   tests/Benchmarks/bench.sh train   [corpus]   seconds per step (batch 64 x 3001 x 64) per variant, epoch time
#   tests/Benchmarks/bench.sh predict [corpus]   predict throughput on the corpus's test clips
#   tests/Benchmarks/bench.sh elision [corpus]   padding elision against the plain padded computation, in one run:
#       training steps of the original recipe on real batches, epochs (EPOCHS, default 3) with their losses,
#       predict throughput (features excluded and included), peak RSS of predict on a 10-minute clip
#   tests/Benchmarks/bench.sh sparse  [corpus]   inputs on the corpus listed 4x, samples.npy's padding as holes
#       (the default) and written as zeros (FREESOUND_SPARSE_NPY=0), ROUNDS pairs (default 4) in alternating order; cmp of the two
# corpus defaults to ../shared/corpus-dev (FSDKaggle2018 layout: audio_train/, train.csv, audio_test/, ...).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin="$root/artifacts/bin"
what=${1:-inputs}
corpus=$(cd "${2:-$root/../shared/corpus-dev}" && pwd)
work=$(mktemp -d /tmp/fst-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
[ -x "$bin/inputs" ] || { echo "run ./build.sh first" >&2; exit 2; }

# Runs a command under GNU time; prints wall s, cpu s and peak RSS MB on one line to fd 3.
measure() {
  local log="$work/time.txt"
  /usr/bin/time -f '%e %U %S %M' -o "$log" "$@" > "$work/out.txt" 2> "$work/err.txt" || { cat "$work/err.txt" >&2; return 1; }
  read -r wall user sys rss < "$log"
  echo "$wall $(calc "$user + $sys") $((rss / 1024))"
}

. "$root/tests/Benchmarks/lib.sh"

case "$what" in
  inputs)
    secs=$(audio_seconds "$corpus/audio_train" "$corpus/train.csv")
    n=$(($(wc -l < "$corpus/train.csv") - 1))
    mkdir -p "$work/x1" && cd "$work/x1"
    read -r wall cpu rss < <(measure "$bin/inputs" "$corpus/audio_train" "$corpus/train.csv")
    echo "inputs x1: $n clips, ${secs} audio-s: wall ${wall}s, cpu ${cpu}s, $(calc "$secs / $wall") audio-s/wall-s, $(calc "$secs / $cpu") audio-s/cpu-s, peak RSS ${rss} MB, samples.npy $(($(stat -c %s samples.npy) / 1048576)) MB"
    # The same corpus listed 4 times (links under new names): peak memory must not grow with N.
    mkdir -p "$work/x4"
    list_four_times "$corpus" "$work"
    cd "$work/x4"
    read -r wall cpu rss < <(measure "$bin/inputs" "$work/audio4" "$work/train4.csv")
    echo "inputs x4: $((n * 4)) clips, $(calc "$secs * 4") audio-s: wall ${wall}s, cpu ${cpu}s, $(calc "$secs * 4 / $wall") audio-s/wall-s, peak RSS ${rss} MB, samples.npy $(($(stat -c %s samples.npy) / 1048576)) MB"
    ;;
  sparse)
    secs=$(audio_seconds "$corpus/audio_train" "$corpus/train.csv")
    n=$(($(wc -l < "$corpus/train.csv") - 1))
    list_four_times "$corpus" "$work"
    echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg); $((n * 4)) clips, $(calc "$secs * 4") audio-s"
    for round in $(seq 1 "${ROUNDS:-4}"); do
      order="zeros holes"; [ $((round % 2)) = 0 ] && order="holes zeros"  # the second run of a pair finds more in the page cache
      for mode in $order; do
        flag=1; [ "$mode" = zeros ] && flag=0
        rm -rf "$work/$mode" && mkdir -p "$work/$mode" && cd "$work/$mode"
        read -r wall cpu rss < <(FREESOUND_SPARSE_NPY=$flag measure "$bin/inputs" "$work/audio4" "$work/train4.csv")
        echo "$mode: wall ${wall}s, cpu ${cpu}s, $(calc "$secs * 4 / $wall") audio-s/wall-s, peak RSS ${rss} MB, samples.npy $(($(stat -c %s samples.npy) / 1048576)) MB long, $(($(stat -c %b samples.npy) * $(stat -c %B samples.npy) / 1048576)) MB on disk"
      done
      cmp "$work/zeros/samples.npy" "$work/holes/samples.npy" && echo "round $round: samples.npy identical (cmp)"
    done
    ;;
  train)
    # Epoch wall time and validation MAP@3, padded (the original) vs length-bucketed, same seed and split.
    epochs=${EPOCHS:-30}
    mkdir -p "$work/data" && cd "$work/data"
    "$bin/inputs" "$corpus/audio_train" "$corpus/train.csv" > /dev/null
    for mode in padded bucket; do
      flag=""; [ "$mode" = bucket ] && flag="--bucket"
      read -r wall cpu rss < <(measure "$bin/model" cnn_1d_dropout "$work/$mode.fstmodel" --epochs "$epochs" --seed 1 --val-fraction 0.2 $flag)
      awk -v mode="$mode" -v rss="$rss" -v wall="$wall" '
        /^epoch/ { n++; s = $0; sub(/.*\(/, "", s); sub(/ s[;)].*/, "", s); sec += s;
                   for (i = 1; i <= NF; i++) if ($i == "MAP@3") { m = $(i+1); if (m > best) best = m; last = m } }
        END { printf "train %s: %d epochs, %.1f s/epoch mean, wall %.0f s, final val MAP@3 %.3f, best %.3f, peak RSS %d MB\n", mode, n, sec / n, wall, last, best, rss }' "$work/out.txt"
    done
    ;;
  predict)
    model=${MODEL:-$root/pre_trained_models/cnn_1d_dropout.fstmodel}
    [ -f "$model" ] || { echo "no model at $model (set MODEL=...)" >&2; exit 2; }
    secs=$(audio_seconds "$corpus/audio_test" "$corpus/sample_submission.csv")
    n=$(($(wc -l < "$corpus/sample_submission.csv") - 1))
    read -r wall cpu rss < <(measure "$bin/predict" "$model" "$corpus/audio_test" "$corpus/sample_submission.csv" "$corpus/train.csv" "$work/sub.csv")
    echo "predict: $n clips, ${secs} audio-s: wall ${wall}s (process, including start-up), $(calc "$n / $wall") clips/s, $(calc "$secs / $wall") audio-s/wall-s, peak RSS ${rss} MB"
    grep -o "in [0-9:]* ([^)]*)" "$work/out.txt" | sed 's/^/predict (excluding start-up and model load): /'
    ;;
  elision)
    epochs=${EPOCHS:-3}
    echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores"
    mkdir -p "$work/data" && cd "$work/data"
    "$bin/inputs" "$corpus/audio_train" "$corpus/train.csv" > /dev/null
    echo "--- training steps, batch 64 x 3001 (epoch-0 batches of seed 1), plain and elided alternately"
    "$bin/bench" elision "$work/data" cnn_1d_dropout "${STEPS:-8}" 64 | grep -v '^  step'
    echo "--- $epochs epochs of cnn_1d_dropout, original recipe (padded), seed 1, 20% validation; plain then elided"
    for mode in plain elided; do
      elide=1; [ "$mode" = plain ] && elide=0
      read -r wall cpu rss < <(FREESOUND_ELIDE_PADDING=$elide measure "$bin/model" cnn_1d_dropout "$work/$mode.fstmodel" --epochs "$epochs" --seed 1 --val-fraction 0.2)
      awk -v mode="$mode" -v rss="$rss" -v wall="$wall" '
        /^epoch/ { n++; for (i = 1; i < NF; i++) if ($i ~ /^\(/ && $(i+1) == "s;") { s = $i; gsub(/\(/, "", s) }; sec += s; losses = losses " " $4;
                   for (i = 1; i <= NF; i++) if ($i == "MAP@3") last = $(i+1) }
        END { printf "%-6s: %.2f s/epoch mean, wall %.0f s, train losses%s, final val MAP@3 %s, peak RSS %d MB\n", mode, sec / n, wall, losses, last, rss }' "$work/out.txt"
    done
    echo "--- predict scoring on the test clips with ${MODEL:-pre_trained_models/cnn_1d_dropout.fstmodel}"
    "$bin/bench" score "${MODEL:-$root/pre_trained_models/cnn_1d_dropout.fstmodel}" "$corpus/audio_test" 2
    echo "--- predict on one 10-minute clip (whole process)"
    /usr/bin/python3 - "$work/long/long.wav" <<'PY'
import os, random, struct, sys, wave, math
os.makedirs(os.path.dirname(sys.argv[1]), exist_ok=True)
rate, seconds = 44100, 600
w = wave.open(sys.argv[1], 'wb'); w.setnchannels(1); w.setsampwidth(2); w.setframerate(rate)
rnd = random.Random(1)
block = b''.join(struct.pack('<h', int(8000 * math.sin(i * 0.05) + rnd.randint(-3000, 3000))) for i in range(rate))
for _ in range(seconds): w.writeframes(block)
w.close()
PY
    for mode in plain elided; do
      elide=1; [ "$mode" = plain ] && elide=0
      read -r wall cpu rss < <(FREESOUND_ELIDE_PADDING=$elide measure "$bin/predict" "${MODEL:-$root/pre_trained_models/cnn_1d_dropout.fstmodel}" "$work/long/long.wav")
      echo "$mode: 10-minute clip: wall ${wall}s, peak RSS ${rss} MB; $(grep -m1 -o '[A-Za-z_]* [0-9.]*' "$work/out.txt" | head -1)"
    done
    ;;
  *) echo "usage: bench.sh inputs|sparse|train|predict|elision [corpus]" >&2; exit 2 ;;
esac

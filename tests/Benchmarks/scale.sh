#!/usr/bin/env bash
# The scale benchmark: every stage, whole process, on an FSDKaggle2018-sized proxy, each figure printed
# beside its reference (the last column of the scale table in docs/performance.md). Run after ./build.sh.
#   tests/Benchmarks/scale.sh [corpus]
# corpus defaults to ../shared/corpus-dev. The proxy (make_scale.py, needs sox: `apt-get install sox`) is made from
# its clips once and cached under $SCALE_CACHE (default artifacts/scale/); a second run reuses it.
# Knobs (environment):
#   SCALE_TRAIN=9473 SCALE_TEST=1600   clip counts (e.g. 500/100 for a quick smoke test; the reference is full size)
#   SKIP_DEEP=1                         leave out the cnn_2d_vgg --recipe deep epoch
#   SKIP_TORCH=1                        leave out the PyTorch padded-step reference
#   TORCH_STEPS=3                       PyTorch steps timed (their mean times the epoch's step count is the estimate)
#   MODEL=...                           model for predict (default: the cnn_1d_dropout epoch's, whose classes are the proxy's)
#   BIN=...                             the build to measure (default artifacts/bin)
#   FREESOUND_SPARSE_NPY=0              (read by inputs) write samples.npy's padding as zeros instead of holes
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${BIN:-$root/artifacts/bin}
corpus=$(cd "${1:-$root/../shared/corpus-dev}" && pwd)
ntrain=${SCALE_TRAIN:-9473}
ntest=${SCALE_TEST:-1600}
cache=${SCALE_CACHE:-$root/artifacts/scale}
proxy="$cache/$(basename "$corpus")-$ntrain-$ntest"
[ -x "$bin/inputs" ] || { echo "run ./build.sh first" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/fst-scale.XXXXXX")
trap 'rm -rf "$work"' EXIT

. "$root/tests/Benchmarks/lib.sh"
mb() { echo $(($1 / 1048576)); }

# Runs a command under GNU time; samples its RssAnon and RssFile (/proc/PID/status) every 0.2 s.
# Sets: wall cpu rss (MB, GNU time's peak) anon file (MB, largest samples).
measure() {
  local log="$work/time.txt" pid="" a f
  anon=0; file=0
  /usr/bin/time -f '%e %U %S %M' -o "$log" "$@" > "$work/out.txt" 2> "$work/err.txt" &
  local tpid=$!
  while kill -0 "$tpid" 2>/dev/null; do
    [ -n "$pid" ] || pid=$(pgrep -P "$tpid" | head -1 || true)
    if [ -n "$pid" ] && read -r a f < <(awk '/^RssAnon/ { a = $2 } /^RssFile/ { f = $2 } END { print a + 0, f + 0 }' "/proc/$pid/status" 2>/dev/null); then
      [ "$a" -gt "$anon" ] && anon=$a
      [ "$f" -gt "$file" ] && file=$f
    fi
    sleep 0.2
  done
  wait "$tpid" || { cat "$work/err.txt" >&2; return 1; }
  read -r wall user sys rss < "$log"
  cpu=$(calc "$user + $sys"); rss=$((rss / 1024)); anon=$((anon / 1024)); file=$((file / 1024))
}


echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg); $(date -u '+%Y-%m-%d %H:%M UTC')"
full=""; [ "$ntrain" = 9473 ] && [ "$ntest" = 1600 ] || full=" (the reference is the full 9473/1600; this run is smaller)"

# --- the proxy corpus, made once
if [ ! -f "$proxy/sample_submission.csv" ]; then
  command -v sox > /dev/null || { echo "make_scale.py needs sox (Debian: apt-get install sox)" >&2; exit 2; }
  echo "making the proxy corpus in $proxy (once; a few minutes at full size)..."
  python3 "$root/tests/Benchmarks/make_scale.py" "$corpus" "$proxy" --train "$ntrain" --test "$ntest" >&2
fi
train_secs=$(audio_seconds "$proxy/audio_train" "$proxy/train.csv")
test_secs=$(audio_seconds "$proxy/audio_test" "$proxy/sample_submission.csv")
echo "proxy: $proxy: $ntrain train clips, $(calc "$train_secs / 3600") h; $ntest test clips, $(calc "$test_secs / 3600") h$full"

# --- inputs
mkdir -p "$work/data"
measure "$bin/inputs" "$proxy/audio_train" "$proxy/train.csv" -o "$work/data"
size=$(stat -c %s "$work/data/samples.npy"); alloc=$(($(stat -c %b "$work/data/samples.npy") * $(stat -c %B "$work/data/samples.npy")))
echo "inputs: wall ${wall} s, cpu ${cpu} s, $(calc "$train_secs / $wall") audio-s/wall-s, peak RSS ${rss} MB; samples.npy $(mb "$size") MB long, $(mb "$alloc") MB on disk (du)"
echo "        reference: 163 s, 322 audio-s/s, peak 91 MB, samples.npy 6.8 GB"

# --- one epoch of the original recipe, and the PyTorch padded step it is compared with
# Two epochs: the first carries the process's first-use costs (oneDNN kernels, the conv probe); the second is the
# steady state that the PyTorch estimate below (mean step after a warm-up step, times the steps) compares with.
measure "$bin/model" cnn_1d_dropout "$work/c1d.fstmodel" --data "$work/data" --epochs 2 --seed 1
echo "model cnn_1d_dropout, 2 epochs (original recipe): $(grep '^epoch' "$work/out.txt" | tr '\n' ' ' || true)"
echo "        whole process: wall ${wall} s, cpu ${cpu} s, peak RSS ${rss} MB (largest samples: RssAnon ${anon} MB, RssFile ${file} MB)"
steps=$(( (ntrain + 63) / 64 ))
if [ "${SKIP_TORCH:-0}" != 1 ] && /usr/bin/python3 -c 'import torch' 2> /dev/null; then
  # PyTorch as installed, then given this project's allocator and OpenMP settings (docs/performance.md, "Against PyTorch")
  for tuned in 0 1; do
    if [ "$tuned" = 1 ]; then
      line=$(GLIBC_TUNABLES=glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=2147483647 OMP_WAIT_POLICY=PASSIVE \
        /usr/bin/python3 "$root/tests/Benchmarks/torch_step.py" "${TORCH_STEPS:-3}" 2 | grep cnn_1d_dropout); how="allocator tuned"
    else
      line=$(/usr/bin/python3 "$root/tests/Benchmarks/torch_step.py" "${TORCH_STEPS:-3}" 2 | grep cnn_1d_dropout); how="as installed"
    fi
    step=$(echo "$line" | awk '{ print $4 }')
    echo "        PyTorch padded ($how, torch_step.py): $step s/step x $steps steps = $(calc "$step * $steps") s per epoch ($line)"
  done
  # The same padded step (64 x 3001 random rows, nothing to elide) in this build, right after PyTorch's.
  [ -x "$bin/bench" ] && echo "        this build's padded step: $("$bin/bench" step cnn_1d_dropout "${TORCH_STEPS:-3}" | tail -1)"
else
  echo "        PyTorch padded: skipped (SKIP_TORCH=1 or no torch under /usr/bin/python3: apt-get install python3-torch)"
fi
echo "        reference: epoch 101.5 s vs PyTorch padded 301.7 s"

# --- one epoch of the deep recipe
if [ "${SKIP_DEEP:-0}" != 1 ]; then
  measure "$bin/model" cnn_2d_vgg "$work/vgg.fstmodel" --recipe deep --data "$work/data" --epochs 1 --seed 1
  echo "model cnn_2d_vgg --recipe deep, 1 epoch: $(grep -m1 '^epoch' "$work/out.txt" || true)"
  echo "        whole process: wall ${wall} s, cpu ${cpu} s, peak RSS ${rss} MB (RssAnon ${anon} MB, RssFile ${file} MB)"
else
  echo "model cnn_2d_vgg --recipe deep: skipped (SKIP_DEEP=1)"
fi

# --- predict on the test clips
model=${MODEL:-$work/c1d.fstmodel}
measure "$bin/predict" "$model" "$proxy/audio_test" "$proxy/sample_submission.csv" "$proxy/train.csv" "$work/sub.csv"
echo "predict ($(basename "$model")), $ntest clips, $(calc "$test_secs") audio-s: wall ${wall} s, cpu ${cpu} s, $(calc "$ntest / $wall") clips/s, $(calc "$test_secs / $wall") audio-s/wall-s, peak RSS ${rss} MB"
echo "        reference: 26 s, 468 MB"

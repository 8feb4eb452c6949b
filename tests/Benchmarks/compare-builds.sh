#!/usr/bin/env bash
# Two builds side by side in one run, alternating, so a loaded or drifting machine weighs on both alike.
#   tests/Benchmarks/compare-builds.sh BIN_A BIN_B DATA_DIR [rounds (default 2)]
# BIN_*: folders holding `model` and `bench` (e.g. a copy of artifacts/bin made before a change, and artifacts/bin).
# DATA_DIR: an `inputs` output folder (e.g. corpus-dev's training clips). Prints, per round and build: the padded
# training step (`bench step`, 64 x 3001 x 64) of cnn_1d_dropout, and the seconds of epoch 2 of the original recipe
# (cnn_1d_dropout) and of the deep recipe (cnn_2d_vgg), each a whole `model` process with --seed 1.
# With CORPUS=<FSDKaggle2018-layout folder> also the wall seconds of `inputs` on its training clips and of `predict`
# writing its submission (train.csv '-': the corpus may order its classes otherwise) with a two-model ensemble of pre_trained_models (cnn_1d_dropout + cnn_2d_vgg).
set -euo pipefail
a=$(cd "$1" && pwd); b=$(cd "$2" && pwd); data=$(cd "$3" && pwd); rounds=${4:-2}
work=$(mktemp -d /tmp/fst-compare.XXXXXX)
trap 'rm -rf "$work"' EXIT
epoch2() { # bin variant args... -> seconds of epoch 2 (from the plain epoch line)
  local bin=$1; shift
  "$bin/model" "$@" "$work/m.fstmodel" --data "$data" --epochs 2 --seed 1 2>/dev/null |
    sed -n 's/^epoch 2\/2: .*(\([0-9.]*\) s;.*/\1/p'
  rm -f "$work"/m.fstmodel*
}
echo "A = $a"; echo "B = $b"; echo "data: $data; $(nproc) cores; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
root=$(cd "$(dirname "$0")/../.." && pwd)
wall() { # command... -> its wall seconds, or "failed"
  local start; start=$(date +%s.%N)
  "$@" >/dev/null 2>&1 || { echo failed; return; }
  echo "$(date +%s.%N) - $start" | bc | xargs printf '%.1f'
}
commands() { # bin -> inputs and predict seconds, or nothing without CORPUS
  [ -n "${CORPUS:-}" ] || return 0
  local bin=$1 c; c=$(cd "$CORPUS" && pwd)
  printf '%12s %12s' "$(wall "$bin/inputs" "$c/audio_train" "$c/train.csv" -o "$work/feats")" \
    "$(wall "$bin/predict" "$root/pre_trained_models/cnn_1d_dropout.fstmodel" "$root/pre_trained_models/cnn_2d_vgg.fstmodel" \
      "$c/audio_test" "$c/sample_submission.csv" - "$work/sub.csv")"
  rm -rf "$work/feats" "$work/sub.csv"
}
printf '%-6s %-3s %12s %18s %16s' round bin "step (s)" "original epoch (s)" "deep epoch (s)"
[ -n "${CORPUS:-}" ] && printf ' %12s %12s' "inputs (s)" "predict (s)"
echo
for r in $(seq 1 "$rounds"); do
  for side in A B; do
    bin=$a; [ $side = B ] && bin=$b
    step=$("$bin/bench" step cnn_1d_dropout 3 64 3001 | sed -n 's/^cnn_1d_dropout: \([0-9.]*\) s\/step mean.*/\1/p')
    printf '%-6s %-3s %12s %18s %16s %s\n' "$r" "$side" "$step" "$(epoch2 "$bin" cnn_1d_dropout)" "$(epoch2 "$bin" cnn_2d_vgg --recipe deep)" \
      "$(commands "$bin")"
  done
done

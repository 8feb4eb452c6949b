#!/usr/bin/env bash
# The validation ablation behind the best recipe (docs/recipes-and-results.md): networks trained on corpus-dev's
# training clips minus a held-out 20% of each class, scored on that 20% only; the
# test clips are never touched. Run after ./build.sh.
#   tests/Benchmarks/best-ablation.sh [corpus] [seeds] [configuration...]
# corpus defaults to ../shared/corpus-dev, seeds to "1 2 3", configurations to all of those below. Each configuration is trained once per seed as a
# single network; an ensemble row averages the single networks of its seeds in predict, which is what
# --members does inside one file (its members' seeds are TrainingOptions.MemberSeed of the run's seed).
# Prints one line per network, then the table: validation MAP@3 and log loss (from predict --probabilities).
# Set FST_ABLATION_THREADS=1 and run two copies on other seeds to use both cores of a 2-core machine.
# FST_ABLATION_VALIDATION=verified holds out half of each class's manually verified clips instead (and nothing
# else), so that every validation label is a checked one, as the test clips' are: corpus-dev's unverified labels
# are partly wrong (docs/recipes-and-results.md, "A validation split with checked labels"). Use another
# FST_ABLATION_WORK for it: the two splits' features differ.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${FST_BIN:-$root/artifacts/bin}
corpus=$(cd "${1:-$root/../shared/corpus-dev}" && pwd)
seeds=${2:-"1 2 3"}
shift $(( $# > 2 ? 2 : $# ))
threads=${FST_ABLATION_THREADS:-$(nproc)}
[ -x "$bin/model" ] || { echo "run ./build.sh first" >&2; exit 2; }
python=/usr/bin/python3
"$python" -c "import numpy" 2>/dev/null || { echo "needs numpy under $python (apt-get install python3-numpy)" >&2; exit 2; }

work=${FST_ABLATION_WORK:-$(mktemp -d /tmp/fst-ablation.XXXXXX)}
mkdir -p "$work/feat" "$work/models" "$work/p"
# The split: 20% of each class held out, drawn with Python's random.Random(20261202) (rows grouped by label, as
# the ablation in the docs was run; the row order matters, since batches are drawn by row index); or, with
# FST_ABLATION_VALIDATION=verified, half of each class's verified clips from the same shuffle.
"$python" "$root/tests/Benchmarks/ablation_split.py" "$corpus/train.csv" "$work" "${FST_ABLATION_VALIDATION:-all}"
[ -s "$work/feat/samples.npy" ] || "$bin/inputs" "$corpus/audio_train" "$work/train.csv" -o "$work/feat" > /dev/null

# Every configuration starts from the deep recipe; the best recipe is deep + --members 3 + --tta-shifts 1 +
# --score-window 5.12. How a
# network is scored (the window hop, --windows-per-crop; the band shifts, --tta-shifts) does not change its
# training, so each network is scored seven ways from its weights: 1.28 s windows with a half-window hop (64 frames)
# or 32, with and without band shifts ±1; 2.56 s windows every 1.28 s with shifts; 5.12 s windows every 2.56 s with
# and without shifts (the best recipe: --score-window 5.12 --tta-shifts 1).
declare -A config=(
  [deep]=""
  [label_smoothing]="--label-smoothing 0.1"
  [band_shift]="--band-shift 1"
  [ema]="--ema 0.995"
  [batch16]="--batch-size 16"
  [epochs55]="--epochs 55"
  [lr2]="--lr 0.002"
  [lr05]="--lr 0.0005"
  [epochs160]="--epochs 160"
  [epochs100]="--epochs 100"
  [epochs90_fmin20]="--epochs 90"
  [no_mixup]="--mixup 0"
  [no_masks]="--time-masks 0 --freq-masks 0"
  [constant_lr]="--schedule constant"
  [crop064]="--crop 0.64"
  [mixup1]="--mixup 1.0"
  [mixup02]="--mixup 0.2"
  [crop256_e40]="--crop 2.56 --epochs 40"
  [fmax16k]=""
  [mels128]="--freq-mask-bands 16"
  [nfft1024]=""
  [nfft4096]=""
  [logoff5]=""
  [logoff4]=""
  [unverified05]="--unverified-weight 0.5"
  [logoff4_fmax16k]=""
  [logoff4_fmax16k_fmin50]=""
  [logoff4_fmax16k_fmin20]=""
  [logoff4_fmax16k_fmin0]=""
  [logoff4_fmax22k]=""
  [clippeak6_fmin20]=""
  [clippeak8_fmin20]=""
)
# Configurations on other features: inputs options, one feature folder each (the masks of mels128 keep their width in Hz).
declare -A features=(
  [fmax16k]="--fmax 16000"
  [mels128]="--mels 128"
  [nfft1024]="--n-fft 1024"
  [nfft4096]="--n-fft 4096"
  [logoff5]="--log-offset 1e-5"
  [logoff4]="--log-offset 1e-4"
  [logoff4_fmax16k]="--log-offset 1e-4 --fmax 16000"
  [logoff4_fmax16k_fmin50]="--log-offset 1e-4 --fmin 50 --fmax 16000"
  [logoff4_fmax16k_fmin20]="--log-offset 1e-4 --fmin 20 --fmax 16000"
  [logoff4_fmax16k_fmin0]="--log-offset 1e-4 --fmin 0 --fmax 16000"
  [logoff4_fmax22k]="--log-offset 1e-4 --fmax 22050"
  [epochs90_fmin20]="--log-offset 1e-4 --fmin 20 --fmax 16000"
  [clippeak6_fmin20]="--log-reference clip-peak --log-offset 1e-6 --fmin 20 --fmax 16000"
  [clippeak8_fmin20]="--log-reference clip-peak --log-offset 1e-8 --fmin 20 --fmax 16000"
)
order=(deep label_smoothing band_shift ema batch16 epochs55 epochs100 epochs160 lr2 lr05 no_mixup no_masks constant_lr crop064 mixup1 mixup02 crop256_e40 fmax16k mels128 nfft1024 nfft4096 logoff5 logoff4 unverified05 logoff4_fmax16k logoff4_fmax22k logoff4_fmax16k_fmin50 logoff4_fmax16k_fmin20 logoff4_fmax16k_fmin0 epochs90_fmin20 clippeak6_fmin20 clippeak8_fmin20)
[ $# -gt 0 ] && order=("$@")

score() { # name model... → "MAP@3 m logloss l"
  local name=$1; shift
  "$bin/predict" "$@" "$corpus/audio_train" "$work/val_submission.csv" "$work/train.csv" "$work/p/$name.csv" \
    --truth "$work/val_labels.csv" --probabilities "$work/p/$name.npy" --threads "$threads" > /dev/null
  "$python" - "$work/p/$name.npy" "$work/val_labels.csv" "$work/feat/dataset.json" <<'PY'
import csv, json, sys
import numpy as np
p = np.load(sys.argv[1]); classes = json.load(open(sys.argv[3]))["classes"]
y = np.array([classes.index(r["label"]) for r in csv.DictReader(open(sys.argv[2]))])
top = np.argsort(-p, 1)[:, :3] == y[:, None]
print(f"MAP@3 {(top * [1, 1 / 2, 1 / 3]).sum(1).mean():.4f} logloss {-np.log(np.maximum(p[np.arange(len(y)), y], 1e-12)).mean():.4f}")
PY
}

rescore() { # in out window hop shifts: the same weights scored on windows of `window` frames sliding by `hop`, shifted by ±shifts bands
  local t; t=$(mktemp -d)
  "$bin/model" export "$1" "$t/e" > /dev/null
  "$python" -c "import json, sys; d = json.load(open(sys.argv[1])); d['window_frames'], d['window_hop_frames'], d['band_shifts'] = map(int, sys.argv[2:5]); json.dump(d, open(sys.argv[1], 'w'))" "$t/e.json" "$3" "$4" "$5"
  "$bin/model" import "$t/e.json" "$2" > /dev/null
  rm -rf "$t"
}

for name in "${order[@]}"; do
  for seed in $seeds; do
    m="$work/models/$name.seed$seed.fstmodel"
    data="$work/feat"
    if [ -n "${features[$name]:-}" ]; then
      data="$work/feat-$name"
      mkdir -p "$data"
      # shellcheck disable=SC2086
      [ -s "$data/samples.npy" ] || "$bin/inputs" "$corpus/audio_train" "$work/train.csv" -o "$data" ${features[$name]} > /dev/null
    fi
    if [ ! -f "$m" ]; then
      start=$(date +%s)
      # shellcheck disable=SC2086
      "$bin/model" cnn_2d_vgg "$m" --data "$data" --recipe deep --seed "$seed" --threads "$threads" ${config[$name]} > "$work/models/$name.seed$seed.log"
      echo "$name seed $seed: trained in $(( $(date +%s) - start )) s" >&2
    fi
    rescore "$m" "${m%.fstmodel}.hop32.fstmodel" 128 32 0
    rescore "$m" "${m%.fstmodel}.shift1.fstmodel" 128 64 1
    rescore "$m" "${m%.fstmodel}.hop32.shift1.fstmodel" 128 32 1
    rescore "$m" "${m%.fstmodel}.w256.shift1.fstmodel" 256 128 1
    rescore "$m" "${m%.fstmodel}.w512.fstmodel" 512 256 0
    rescore "$m" "${m%.fstmodel}.w512.shift1.fstmodel" 512 256 1
  done
done

echo "| configuration (validation split, $(wc -l < "$work/val_labels.csv" | awk '{ print $1 - 1 }') clips) | validation |"
echo "|---|---|"
for name in "${order[@]}"; do
  declare -A ways=([.plain]="half-window hop" [.hop32]="hop 32 frames (4 windows per 1.28 s crop)" [.shift1]="half-window hop, band shifts ±1"
    [.hop32.shift1]="hop 32 frames, band shifts ±1" [.w256.shift1]="2.56 s windows every 1.28 s, band shifts ±1"
    [.w512]="5.12 s windows every 2.56 s" [.w512.shift1]="5.12 s windows every 2.56 s, band shifts ±1 (the best recipe's scoring)")
  for key in .plain .hop32 .shift1 .hop32.shift1 .w256.shift1 .w512 .w512.shift1; do
    way=${key#.plain}
    models=()
    for seed in $seeds; do
      echo "| $name, seed $seed, one network, ${ways[$key]} | $(score "$name.s$seed$way" "$work/models/$name.seed$seed$way.fstmodel") |"
      models+=("$work/models/$name.seed$seed$way.fstmodel")
    done
    [ ${#models[@]} -gt 1 ] || continue
    echo "| $name, ensemble of seeds ${seeds// /, }, ${ways[$key]} | $(score "$name.ens$way" "${models[@]}") |"
  done
done
echo "(work files in $work)" >&2

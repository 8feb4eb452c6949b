#!/usr/bin/env bash
# How far log-mel features from MP3, Ogg Vorbis and FLAC copies of a clip set are from the WAV originals.
# Usage: tests/Benchmarks/lossy-features.sh [audio_dir] [train.csv]   (default: tests/sample-data)
# Converts every clip with ffmpeg (MP3: LAME 128 kbit/s CBR; Ogg: libvorbis q4 (~128 kbit/s); FLAC), runs
# `inputs` on each copy with a train.csv naming the converted files, and compares samples.npy with the WAV
# run's over each clip's true frames (numpy from Debian's python3-numpy, /usr/bin/python3).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
audio=$(cd "${1:-$root/tests/sample-data/audio_train}" && pwd)
csv=$(cd "$(dirname "${2:-$root/tests/sample-data/train.csv}")" && pwd)/$(basename "${2:-train.csv}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bin="$root/artifacts/bin"

"$bin/inputs" "$audio" "$csv" --out-dir "$work" >/dev/null 2>&1
mkdir "$work/wav" && mv "$work"/samples.npy "$work"/labels.npy "$work"/dataset.json "$work/wav/"
for fmt in mp3 ogg flac; do
  mkdir -p "$work/$fmt/audio"
  case $fmt in
    mp3) codec=(-c:a libmp3lame -b:a 128k) ;;
    ogg) codec=(-c:a libvorbis -q:a 4) ;;
    flac) codec=(-c:a flac) ;;
  esac
  for f in "$audio"/*.wav; do
    ffmpeg -nostdin -hide_banner -loglevel error -y -i "$f" "${codec[@]}" "$work/$fmt/audio/$(basename "${f%.wav}").$fmt"
  done
  sed "s/\.wav,/.$fmt,/" "$csv" > "$work/$fmt/train.csv"
  "$bin/inputs" "$work/$fmt/audio" "$work/$fmt/train.csv" --out-dir "$work/$fmt" >/dev/null 2>&1
done
/usr/bin/python3 - "$work" <<'PY'
import json, sys, numpy as np
work = sys.argv[1]
def load(fmt):
    meta = json.load(open(f"{work}/{fmt}/dataset.json"))
    return np.load(f"{work}/{fmt}/samples.npy", mmap_mode="r"), meta
wav, wmeta = load("wav")
def frames(meta):
    return meta["frames"]
wf = frames(wmeta)
print(f"{len(wf)} clips, {sum(wf)} frames x 64 bands; log-mel = ln(mel + 0.001), WAV values range {wav.min():.2f} .. {wav.max():.2f}")
print("format  frames differing  mean |d|   median |d|  99th pct |d|  max |d|   clips with max |d| > 1")
for fmt in ["mp3", "ogg", "flac"]:
    x, meta = load(fmt)
    ff = frames(meta)
    diffs, bad = [], 0
    for i, n in enumerate(wf):
        m = min(n, ff[i])
        d = np.abs(x[i, :m] - wav[i, :m]).ravel()
        diffs.append(d)
        bad += d.max() > 1
    d = np.concatenate(diffs)
    nd = sum(a != b for a, b in zip(wf, ff))
    print(f"{fmt:6}  {nd:>3} of {len(wf):<10}  {d.mean():.4f}    {np.median(d):.4f}      {np.percentile(d, 99):.4f}        {d.max():.3f}    {bad}")
PY

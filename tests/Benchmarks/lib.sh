# Shell helpers the benchmark scripts share (sourced by bench.sh and scale.sh).

calc() { awk "BEGIN { printf \"%.1f\", $1 }"; }

audio_seconds() { # total seconds of the WAVs listed in a csv (first column), from their headers
  python3 - "$1" "$2" <<'PY'
import csv, struct, sys, os
total = 0.0
for row in csv.DictReader(open(sys.argv[2])):
    path = os.path.join(sys.argv[1], row['fname'])
    with open(path, 'rb') as f:
        data = f.read(65536)
    i, rate, align = 12, 44100, 2
    while i + 8 <= len(data):
        cid, size = data[i:i+4], struct.unpack('<I', data[i+4:i+8])[0]
        if cid == b'fmt ':
            rate, align = struct.unpack('<I', data[i+12:i+16])[0], struct.unpack('<H', data[i+20:i+22])[0]
        if cid == b'data':
            total += min(size, os.path.getsize(path) - i - 8) / align / rate; break
        i += 8 + size + (size & 1)
print(f"{total:.1f}")
PY
}

list_four_times() { # CORPUS DIR: DIR/audio4 (links under new names) and DIR/train4.csv, the corpus listed 4 times
  local corpus=$1 dir=$2
  mkdir -p "$dir/audio4"
  echo "fname,label,manually_verified" > "$dir/train4.csv"
  for k in 1 2 3 4; do
    tail -n +2 "$corpus/train.csv" | while IFS=, read -r f label verified; do
      ln -sf "$corpus/audio_train/$f" "$dir/audio4/$k-$f"
      echo "$k-$f,$label,$verified"
    done >> "$dir/train4.csv"
  done
}

#!/usr/bin/env bash
# Training steps on a busy machine: this build's against PyTorch's, idle and with LOAD other CPU-bound processes
# running (busy shell loops, as other users' jobs on a shared VM), alternating in each round.
#   tests/Benchmarks/under-load.sh [rounds (default 2)]
# Knobs: LOAD=5 (busy processes), STEPS=6, BIN=artifacts/bin. Needs python3-torch under /usr/bin/python3.
# Per line: the s/step of each side (mean over STEPS after a warm-up step) and, last, each side's loaded/idle ratio.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${BIN:-$root/artifacts/bin}
rounds=${1:-2}; load=${LOAD:-5}; steps=${STEPS:-6}
[ -x "$bin/bench" ] || { echo "run ./build.sh first" >&2; exit 2; }
/usr/bin/python3 -c 'import torch' 2> /dev/null || { echo "needs python3-torch (apt-get install python3-torch)" >&2; exit 2; }
busy=()
stop_load() { [ ${#busy[@]} -eq 0 ] || kill "${busy[@]}" 2> /dev/null || true; busy=(); }
trap stop_load EXIT
start_load() { for _ in $(seq "$load"); do bash -c 'while :; do :; done' & busy+=($!); done; sleep 2; }

ours() { # network batch frames -> s/step
  "$bin/bench" step "$1" "$steps" "$2" "$3" 2 | tail -1 | awk '{ print $2 }'
}
theirs() {
  if [ "$1" = cnn_2d_vgg ]; then /usr/bin/python3 "$root/tests/Benchmarks/torch_vgg_step.py" "$steps" 2 "$2" "$3" | awk '{ print $4 }'
  else /usr/bin/python3 "$root/tests/Benchmarks/torch_step.py" "$steps" 2 | awk '/cnn_1d:/ { print $4 }'; fi
}

echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; load average before: $(cut -d' ' -f1-3 /proc/loadavg); $(date -u '+%Y-%m-%d %H:%M UTC')"
printf '%-6s %-24s %10s %10s %10s %10s %14s %14s\n' round network "ours idle" "torch idle" "ours load" "torch load" "ours slowdown" "torch slowdown"
for r in $(seq "$rounds"); do
  for spec in "cnn_2d_vgg 32 128" "cnn_1d 64 3001"; do
    set -- $spec
    oi=$(ours "$@"); ti=$(theirs "$@")
    start_load
    ol=$(ours "$@"); tl=$(theirs "$@")
    stop_load
    printf '%-6s %-24s %10s %10s %10s %10s %14s %14s\n' "$r" "$1 ${2}x$3" "$oi" "$ti" "$ol" "$tl" \
      "$(echo "scale=2; $ol / $oi" | bc)x" "$(echo "scale=2; $tl / $ti" | bc)x"
  done
done
echo "(load: $load busy processes on $(nproc) cores; PyTorch as installed, its default OpenMP and allocator settings)"

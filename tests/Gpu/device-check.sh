#!/usr/bin/env bash
# The project's GPU check, part 2: FreesoundTagging on CUDA, in one run on a GPU machine that has Python 3 + PyTorch
# (CUDA) in /opt/torch/.venv or on PATH, g++; NO dotnet, NO network. docs/gpu.md says how a session runs it.
#
# Prepared on the CPU machine first by tests/Gpu/prepare-carry.sh, which fills <checkout>/.cuda-carry/ (git-ignored):
#   ft-apps.tar.xz            self-contained, trimmed publish of inputs/model/predict WITHOUT libtorch natives
#   torchsharp-native.tar.gz  TorchSharp 0.107.0's src/Native (commit c20b6a1c), to rebuild libLibTorchSharp.so
#   ref/                      C# CPU (libtorch 2.10) probabilities of two shipped models + their PyTorch exports
#   device-check.sh, ft_cuda.py
# Then, on the GPU machine, in a copy of the checkout that includes .cuda-carry/ (under 9 minutes):
#   bash .cuda-carry/device-check.sh          (results and logs under $OUT, default /tmp/ft-out; summary.txt first)
# Reuse later: put the libLibTorchSharp.so that it left in $OUT into <checkout>/.cuda-shims/ as
#   libLibTorchSharp-torch-<version>.so (e.g. ...-torch-2.11.0.so): the build step is then skipped (-3 min).
#
# What it checks (each a line of summary.txt): the .NET apps start; the shim builds against that libtorch; predict
# of two shipped models on CUDA (TF32 off, the default, and --tf32) against the CPU; every CUDA run's first status
# line names the GPU (no silent CPU fallback); training on CUDA against the CPU for cnn_1d (no dropout),
# cnn_1d_dropout (masks from the run's CPU generator: comparable) and cnn_2d_vgg --recipe deep; the same seed twice on
# CUDA (deterministic: identical); --resume on CUDA against an uninterrupted CUDA run; a CUDA checkpoint resumed on the
# CPU; epoch times CPU vs GPU; and, without .NET, the exported networks in PyTorch on CPU and CUDA.
# Knobs: FT_BUDGET (s, default 420) FT_BUILD_TIMEOUT (240) FT_TILE (16) FT_EPOCHS (3) FT_SKIP_BUILD=1
#        FT_PYTHON (python3) FT_TORCH_LIB (libtorch lib dir; default: the wheel's)
set -uo pipefail
T0=$(date +%s)
here=$(pwd)
C=${FT_CARRY:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
OUT=${OUT:-/tmp/ft-out}
W=${FT_WORK:-/tmp/ft-cuda}
BUDGET=${FT_BUDGET:-420}
TILE=${FT_TILE:-16}
EPOCHS=${FT_EPOCHS:-3}
PY=${FT_PYTHON:-$( [ -x /opt/torch/.venv/bin/python ] && echo /opt/torch/.venv/bin/python || echo python3)}
mkdir -p "$OUT"
rm -rf "$W" && mkdir -p "$W"/{logs,p,m,train}
exec > >(tee -a "$OUT/log.txt") 2>&1
SUM=$OUT/summary.txt
: > "$SUM"
say() { echo "$*" | tee -a "$SUM"; }
left() { echo $(( BUDGET - ($(date +%s) - T0) )); }
elapsed() { echo $(( $(date +%s) - T0 )); }
# run NAME TIMEOUT CMD... : logs to $W/logs/NAME.log, prints rc and seconds; never exits the script.
run() {
  local name=$1 t=$2; shift 2
  local s e rc
  if [ "$(left)" -lt 20 ]; then say "[$name] SKIPPED (budget)"; return 99; fi
  [ "$t" -gt "$(left)" ] && t=$(left)
  s=$(date +%s.%N)
  timeout -k 5 "$t" "$@" >"$W/logs/$name.log" 2>&1; rc=$?
  e=$(date +%s.%N)
  echo "[$name] rc=$rc $(awk "BEGIN{printf \"%.1f\", $e-$s}")s  ($(elapsed)s elapsed)"
  [ $rc -ne 0 ] && tail -n 5 "$W/logs/$name.log" | sed "s/^/  [$name] /"
  return $rc
}
result() { grep '^RESULT ' | tail -n 1 | cut -c8-; }

echo "== 0. machine ($(date -u +%FT%TZ))"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | head -2
head -2 /etc/os-release 2>/dev/null
g++ --version 2>&1 | head -1; cmake --version 2>&1 | head -1; nproc
ldconfig -p 2>/dev/null | grep -E 'libssl\.so\.3|libcrypto\.so\.3' | head -2 || echo "no libssl.so.3 (SHA-256 in .NET needs it)"
TORCH_DIR=$($PY -c 'import torch, os; print(os.path.dirname(torch.__file__))' 2>/dev/null)
$PY -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, "available", torch.cuda.is_available(), "cudnn", torch.backends.cudnn.version() if torch.cuda.is_available() else None, "cxx11abi", torch._C._GLIBCXX_USE_CXX11_ABI)' 2>&1
TORCH_LIB=${FT_TORCH_LIB:-$TORCH_DIR/lib}
NV=$(ls -d "$(dirname "$TORCH_DIR")"/nvidia/*/lib "$(dirname "$TORCH_DIR")"/nvidia/*/*/lib 2>/dev/null | tr '\n' ':')
export LD_LIBRARY_PATH="$TORCH_LIB:${NV}${LD_LIBRARY_PATH:-}"
export DOTNET_EnableWriteXorExecute=0 DOTNET_EnableDiagnostics=0 DOTNET_NOLOGO=1
echo "libtorch: $TORCH_LIB ($(ls "$TORCH_LIB" | grep -c '\.so'))"
readelf -d "$TORCH_LIB/libtorch.so" 2>/dev/null | grep NEEDED | sed 's/.*\[/  libtorch.so needs [/'
say "torch lib: $TORCH_LIB"

echo "== 1. unpack the apps"
APPS=$W/apps
mkdir -p "$APPS" && tar -C "$APPS" -xJf "$C/ft-apps.tar.xz" || { say "FATAL: cannot unpack $C/ft-apps.tar.xz"; exit 2; }
PREBUILT=$APPS/model/libLibTorchSharp.so
PREBUILT_COPY=$W/libLibTorchSharp.prebuilt-0.107.0.so
cp "$PREBUILT" "$PREBUILT_COPY"
"$APPS/inputs/inputs" --help >/dev/null 2>&1 && say "dotnet runtime: starts" || say "dotnet runtime: DOES NOT START (see log)"

echo "== 2. does TorchSharp 0.107's shim (built for libtorch 2.10) resolve against this libtorch?"
nm -D "$PREBUILT" | awk '$1=="U"{print $2}' | sed 's/@.*//' | sort -u >"$W/undef.txt"
( for f in "$TORCH_LIB"/*.so* $(ldconfig -p | awk '/(libstdc\+\+\.so\.6|libc\.so\.6|libm\.so\.6|libgcc_s\.so\.1|ld-linux-x86-64\.so\.2) \(libc6,x86-64\)/{print $NF}'); do
    nm -D --defined-only "$f" 2>/dev/null | awk '{print $NF}' | sed 's/@.*//'; done ) | sort -u >"$W/defined.txt"
# std::ios_base_library_init() is a marker without relocation (docs/torch-workarounds.md, 1): absent on Debian 12.
comm -23 "$W/undef.txt" "$W/defined.txt" | grep -v '^_ZSt21ios_base_library_initv$' >"$OUT/missing-symbols.txt"
MISSING=$(wc -l <"$OUT/missing-symbols.txt")
say "prebuilt shim: $(wc -l <"$W/undef.txt") undefined symbols, $MISSING not exported by this libtorch"
[ "$MISSING" -gt 0 ] && c++filt <"$OUT/missing-symbols.txt" | head -n 15 | sed 's/^/  missing: /'

echo "== 3. rebuild libLibTorchSharp.so from TorchSharp 0.107.0's source against this libtorch's headers"
SHIM=""; SHIM_KIND=""
CARRIED=$(ls "$C"/libLibTorchSharp-torch-*.so 2>/dev/null | head -n 1)
TV=$($PY -c 'import torch; print(torch.__version__.split("+")[0])' 2>/dev/null)
if [ -n "$CARRIED" ] && [ "$CARRIED" = "$C/libLibTorchSharp-torch-$TV.so" ]; then
  SHIM=$CARRIED; SHIM_KIND="carried build for torch $TV"
elif [ "${FT_SKIP_BUILD:-0}" != 1 ] && [ -d "$TORCH_DIR/include/torch" ]; then
  B=$W/shim && mkdir -p "$B/obj" && tar -C "$B" -xzf "$C/torchsharp-native.tar.gz"
  SRC=$B/src/Native/LibTorchSharp
  ABI=$($PY -c 'import torch; print(int(torch._C._GLIBCXX_USE_CXX11_ABI))')
  export FT_INC="-I$TORCH_DIR/include -I$TORCH_DIR/include/torch/csrc/api/include -I$B/src/Native"
  export FT_DEFS="-O1 -g0 -DNDEBUG -fPIC -fvisibility=hidden -D_GLIBCXX_USE_CXX11_ABI=$ABI -D__LINUX__ -D_NO_ASYNCRTIMP -D_NO_PPLXIMP -w"
  export FT_OBJ=$B/obj
  compile_one() { local f=$1 o; o=$FT_OBJ/$(basename "${f%.*}").o
    if [[ $f == *.c ]]; then gcc -O2 -fPIC -c "$f" -o "$o" 2>"$o.err"; else g++ -std=$FT_STD $FT_DEFS $FT_INC -c "$f" -o "$o" 2>"$o.err"; fi; }
  export -f compile_one
  bs=$(date +%s); BT=${FT_BUILD_TIMEOUT:-240}; [ "$BT" -gt "$(( $(left) - 150 ))" ] && BT=$(( $(left) - 150 ))
  for std in c++17 c++20; do
    export FT_STD=$std; rm -f "$B"/obj/*.o "$B"/obj/*.err
    # In a process group of its own, so that a timeout stops every compiler, not only xargs.
    setsid bash -c 'ls "$0"/*.cpp "$0"/*.c | xargs -P "$(nproc)" -n 1 bash -c '"'"'compile_one "$0"'"'"'' "$SRC" & grp=$!
    ( sleep "$BT"; kill -TERM -- -$grp 2>/dev/null ) & watch=$!
    wait $grp; kill $watch 2>/dev/null; kill -KILL -- -$grp 2>/dev/null
    grep -lq 'C++20' "$B"/obj/*.err 2>/dev/null && [ $std = c++17 ] && { echo "headers want C++20: again"; continue; }
    break
  done
  nobj=$(ls "$B"/obj/*.o 2>/dev/null | wc -l); nsrc=$(ls "$SRC"/*.cpp "$SRC"/*.c | wc -l)
  failed=$(for f in "$SRC"/*.cpp "$SRC"/*.c; do b=$(basename "${f%.*}"); [ -f "$B/obj/$b.o" ] || echo "$b"; done | tr '\n' ' ')
  # Units FreesoundTagging never calls (TorchScript, torch.export/AOTI, torchvision, datasets): a shim without them
  # still serves our commands; their P/Invokes would fail only if called.
  optional=" THSJIT THSExport THSVision THSData cifar10 "
  partial=1; for b in $failed; do [[ $optional == *" $b "* ]] || partial=0; done
  if [ "$nobj" -eq "$nsrc" ] || { [ -n "$failed" ] && [ $partial = 1 ]; }; then
    g++ -shared -o "$B/libLibTorchSharp.so" "$B"/obj/*.o -L"$TORCH_LIB" -Wl,--no-as-needed -ltorch -ltorch_cpu -lc10 \
      -Wl,-Bsymbolic -Wl,-Bsymbolic-functions -Wl,-rpath,'$ORIGIN' 2>"$B/link.err" && SHIM=$B/libLibTorchSharp.so \
      && SHIM_KIND="built here ($FT_STD${failed:+, WITHOUT $failed})"
  fi
  [ -n "$failed" ] && say "shim units that did not compile: $failed"
  cat "$B"/obj/*.err "$B/link.err" 2>/dev/null | grep -E 'error|Error' | head -n 60 >"$OUT/build-errors.txt"
  say "shim build: $nobj/$nsrc objects, $(( $(date +%s) - bs ))s, $( [ -n "$SHIM" ] && echo OK || echo FAILED) ($(wc -l <"$OUT/build-errors.txt") error lines)"
  head -n 8 "$OUT/build-errors.txt" | sed 's/^/  /'
  if [ -n "$SHIM" ]; then
    cp "$SHIM" "$OUT/libLibTorchSharp.so"
    ex=$(nm -D --defined-only "$SHIM" | grep -c ' T THS'); say "built shim exports $ex THS* functions (prebuilt: $(nm -D --defined-only "$PREBUILT" | grep -c ' T THS'))"
  fi
else
  say "shim build: skipped (FT_SKIP_BUILD or no $TORCH_DIR/include/torch)"
fi
if [ -z "$SHIM" ] && [ "$MISSING" -eq 0 ]; then SHIM=$PREBUILT_COPY; SHIM_KIND="prebuilt 0.107.0 (libtorch 2.10 ABI, symbols all resolve: NOT ABI-safe)"; fi
DOTNET_OK=0
if [ -n "$SHIM" ]; then
  for d in model predict inputs; do install -m 755 "$SHIM" "$APPS/$d/libLibTorchSharp.so"; done
  say "shim in use: $SHIM_KIND"
  DOTNET_OK=1
else
  say "no usable shim: the .NET steps are skipped, only the PyTorch checks run"
fi

S=$here/tests/sample-data
PRED=$APPS/predict/predict; MODEL=$APPS/model/model; INPUTS=$APPS/inputs/inputs
cmp_p() { # name A B tol  -> one summary line
  local r; r=$($PY "$C/ft_cuda.py" compare "$2" "$3" "$4" "$1" | result)
  say "  $1: $r"
}
# The first status line of a run names its device: a CUDA run that fell back to the CPU would say so here.
status_line() { local l; l=$(grep -m1 '^device: ' "$W/logs/$1.log" 2>/dev/null); say "  $1: ${l:-no device line}"; }
CUDA=0
if [ $DOTNET_OK = 1 ]; then
  echo "== 4. shipped models: predict on CPU and CUDA (TF32 off, the default; then --tf32) vs the C# CPU reference from libtorch 2.10"
  for m in cnn_1d_dropout cnn_2d_vgg; do
    for dev in cpu cuda cuda-tf32; do
      d=$dev; extra=(); [ $dev = cuda-tf32 ] && { d=cuda; extra=(--tf32); }
      run "pred-$m-$dev" 120 "$PRED" "$here/pre_trained_models/$m.fstmodel" "$S/audio_test" "$S/sample_submission.csv" - \
        "$W/p/$m-$dev.csv" --probabilities "$W/p/$m-$dev.npy" --device "$d" ${extra[@]+"${extra[@]}"}
      [ $dev != cpu ] && status_line "pred-$m-$dev"
      [ $dev = cuda ] && [ -f "$W/p/$m-cuda.npy" ] && CUDA=1
    done
    [ -f "$W/p/$m-cpu.npy" ] && cmp_p "$m: device CPU (this libtorch) vs C# CPU ref (2.10)" "$C/ref/p_$m.npy" "$W/p/$m-cpu.npy" 1e-4
    [ -f "$W/p/$m-cuda.npy" ] && cmp_p "$m: CUDA (TF32 off) vs CPU" "$W/p/$m-cpu.npy" "$W/p/$m-cuda.npy" 1e-4
    [ -f "$W/p/$m-cuda-tf32.npy" ] && cmp_p "$m: CUDA --tf32 vs CPU" "$W/p/$m-cpu.npy" "$W/p/$m-cuda-tf32.npy" 2e-2
  done
  [ $CUDA = 0 ] && { say "CUDA: the .NET commands got no CUDA device (see logs/pred-*-cuda.log)"; grep -h -m1 -i 'error' "$W"/logs/pred-*-cuda.log 2>/dev/null | head -n 2 | sed 's/^/  /'; }

  echo "== 5. training data: sample-data features, tiled x$TILE"
  mkdir -p "$W/d40"; run inputs-train 120 "$INPUTS" "$S/audio_train" "$S/train.csv" -o "$W/d40"
  run tile 60 "$PY" "$C/ft_cuda.py" tile "$W/d40" "$W/big" "$TILE"
  cd "$W/train"
  # train NAME DEVICE [env...] -- ARGS...
  train() { local name=$1 dev=$2; shift 2; local envs=(); while [ "$1" != -- ]; do envs+=("$1"); shift; done; shift
    if [ "$dev" = cuda ] && [ $CUDA = 0 ]; then say "  train-$name: skipped (no CUDA)"; return; fi
    run "train-$name" 200 env ${envs[@]+"${envs[@]}"} "$MODEL" "$@" "$W/m/$name.fstmodel" --data "$W/big" --seed 1 --val-fraction 0.2 --device "$dev"
    [ "$dev" = cuda ] && status_line "train-$name"
    [ -f "$W/logs/train-$name.log" ] && say "  train-$name: $($PY "$C/ft_cuda.py" epochs "$W/logs/train-$name.log" | result)"
    [ -f "$W/m/$name.fstmodel" ] && run "predict-$name" 60 "$PRED" "$W/m/$name.fstmodel" "$S/audio_test" "$S/sample_submission.csv" "$S/train.csv" \
        "$W/p/$name.csv" --probabilities "$W/p/$name.npy" --device cpu --truth "$S/test_labels.csv"; }
  echo "== 6. training: CPU ($(nproc) threads) vs CUDA, $EPOCHS epochs on $(( 40 * TILE )) clips"
  # a) no dropout: CPU and CUDA follow the same trajectory up to float rounding (Adam, elision, loader).
  train cnn_1d-cpu cpu -- cnn_1d --epochs "$EPOCHS"
  train cnn_1d-cuda cuda -- cnn_1d --epochs "$EPOCHS"
  [ -f "$W/p/cnn_1d-cuda.npy" ] && cmp_p "cnn_1d trained on CUDA vs on CPU (test probabilities, both scored on CPU)" "$W/p/cnn_1d-cpu.npy" "$W/p/cnn_1d-cuda.npy" 1e-2
  # b) the original recipe with dropout: its masks come from the run's CPU generator on any device, so CUDA follows
  #    the CPU run too; the same seed twice on CUDA must give identical weights (cuDNN deterministic, TF32 off).
  train cnn_1d_dropout-cpu cpu -- cnn_1d_dropout --epochs "$EPOCHS"
  train cnn_1d_dropout-cuda cuda -- cnn_1d_dropout --epochs "$EPOCHS"
  train cnn_1d_dropout-cuda-again cuda -- cnn_1d_dropout --epochs "$EPOCHS"
  [ -f "$W/p/cnn_1d_dropout-cuda.npy" ] && cmp_p "cnn_1d_dropout trained on CUDA vs on CPU (same masks)" "$W/p/cnn_1d_dropout-cpu.npy" "$W/p/cnn_1d_dropout-cuda.npy" 1e-2
  [ -f "$W/p/cnn_1d_dropout-cuda-again.npy" ] && cmp_p "cnn_1d_dropout: CUDA run twice, same seed (0 = deterministic)" "$W/p/cnn_1d_dropout-cuda.npy" "$W/p/cnn_1d_dropout-cuda-again.npy" 0
  # c) --resume on CUDA: EPOCHS-1 epochs, then resumed to EPOCHS, against the uninterrupted run above.
  if [ $CUDA = 1 ] && [ "$EPOCHS" -ge 2 ]; then
    run resume-cuda-a 120 "$MODEL" cnn_1d_dropout "$W/m/resumed.fstmodel" --data "$W/big" --seed 1 --val-fraction 0.2 --device cuda --epochs $(( EPOCHS - 1 ))
    run resume-cuda-b 120 "$MODEL" cnn_1d_dropout "$W/m/resumed.fstmodel" --data "$W/big" --seed 1 --val-fraction 0.2 --device cuda --epochs "$EPOCHS" --resume
    [ -f "$W/m/resumed.fstmodel" ] && run predict-resumed 60 "$PRED" "$W/m/resumed.fstmodel" "$S/audio_test" "$S/sample_submission.csv" "$S/train.csv" \
      "$W/p/resumed.csv" --probabilities "$W/p/resumed.npy" --device cpu
    [ -f "$W/p/resumed.npy" ] && cmp_p "cnn_1d_dropout: resumed on CUDA vs uninterrupted CUDA run (0 = equal)" "$W/p/cnn_1d_dropout-cuda.npy" "$W/p/resumed.npy" 0
  fi
  # d) a checkpoint written on CUDA resumed on the CPU (Adam moments and weights cross devices).
  [ -f "$W/m/cnn_1d_dropout-cuda.fstmodel.ckpt" ] && run resume-on-cpu 120 "$MODEL" cnn_1d_dropout "$W/m/cnn_1d_dropout-cuda.fstmodel" --data "$W/big" --seed 1 --val-fraction 0.2 --device cpu --epochs $(( EPOCHS + 1 )) --resume
  [ -f "$W/logs/resume-on-cpu.log" ] && say "  resume-on-cpu: $(tail -n 1 "$W/logs/resume-on-cpu.log" | cut -c1-120)"
  # e) the 2-D network with the deep recipe (crops, mixup, SpecAugment, cosine), as pre_trained_models/train.sh.
  train cnn_2d_vgg-cpu cpu -- cnn_2d_vgg --recipe deep --epochs "$EPOCHS"
  train cnn_2d_vgg-cuda cuda -- cnn_2d_vgg --recipe deep --epochs "$EPOCHS"
  [ -f "$W/p/cnn_2d_vgg-cuda.npy" ] && cmp_p "cnn_2d_vgg (deep recipe) trained on CUDA vs on CPU" "$W/p/cnn_2d_vgg-cpu.npy" "$W/p/cnn_2d_vgg-cuda.npy" 5e-2
  # f) a model trained on CUDA scores the same on CUDA and CPU.
  for n in cnn_1d_dropout-cuda cnn_2d_vgg-cuda; do
    [ -f "$W/m/$n.fstmodel" ] || continue
    run "predict-$n-on-cuda" 60 "$PRED" "$W/m/$n.fstmodel" "$S/audio_test" "$S/sample_submission.csv" "$S/train.csv" \
      "$W/p/$n-oncuda.csv" --probabilities "$W/p/$n-oncuda.npy" --device cuda
    [ -f "$W/p/$n-oncuda.npy" ] && cmp_p "$n model: scored on CUDA vs on CPU" "$W/p/$n.npy" "$W/p/$n-oncuda.npy" 1e-4
  done
  cd "$here"
fi

echo "== 7. PyTorch alone (no .NET): exported shipped models on CPU/CUDA vs the C# reference; step timings"
if [ ! -f "$W/dtest/samples.npy" ]; then mkdir -p "$W/dtest"; run inputs-test 120 "$INPUTS" "$S/audio_test" "$S/test_labels.csv" -o "$W/dtest"; fi
if [ -f "$W/dtest/samples.npy" ] && [ "$(left)" -gt 60 ]; then
  run pytorch 150 "$PY" "$C/ft_cuda.py" pytorch "$here" "$C" "$W/dtest" "$W/p"
  say "  pytorch: $(result <"$W/logs/pytorch.log")"
fi

echo "== 8. summary ($(elapsed)s)"
say "epoch seconds after the first (CPU $(nproc) threads / CUDA), from the logs above:"
for v in cnn_1d cnn_1d_dropout cnn_2d_vgg; do
  c=$(grep -h "train-$v-cpu: {" "$SUM" | sed -n 's/.*"mean_seconds_after_first": \([0-9.]*\).*/\1/p')
  g=$(grep -h "train-$v-cuda: {" "$SUM" | head -n 1 | sed -n 's/.*"mean_seconds_after_first": \([0-9.]*\).*/\1/p')
  say "  $v: cpu ${c:-?} s, cuda ${g:-?} s"
done
tar -C "$W" -czf "$OUT/logs.tgz" logs p 2>/dev/null
cat "$SUM"
sleep 1

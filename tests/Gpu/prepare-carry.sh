#!/usr/bin/env bash
# The project's GPU check, part 1: prepares <checkout>/.cuda-carry/ for device-check.sh, on the CPU machine, BEFORE
# any device time is spent (docs/gpu.md says how a session runs both).
#   bash tests/Gpu/prepare-carry.sh [checkout (default: .)] [TORCHSHARP_GIT_DIR]
# Makes (~15 MB; a GPU machine's copy of the working tree may carry 64 MiB in all, which the script checks):
#   ft-apps.tar.xz            inputs/model/predict published self-contained (linux-x64, TrimMode=partial, JSON reflection
#                             kept on, IL rather than ReadyToRun: a third of the size), libtorch natives removed,
#                             identical files hard-linked
#   torchsharp-native.tar.gz  src/Native of dotnet/TorchSharp at c20b6a1c (0.107.0, libtorch 2.10), to rebuild
#                             libLibTorchSharp.so against the GPU machine's libtorch: tests/Gpu/torchsharp-native-0.107.0.tar.gz
#                             (MIT, made by `git archive c20b6a1c src/Native`), or from TORCHSHARP_GIT_DIR when given
#   ref/                      C# CPU probabilities of pre_trained_models/{cnn_1d_dropout,cnn_2d_vgg} on
#                             tests/sample-data/audio_test, and their `model export` (PyTorch) files
# It publishes from a throw-away clone (with your uncommitted changes applied), never touching artifacts/ or obj/ of
# the checkout, then runs the published apps here on the CPU against the NuGet libtorch (a smoke test of the carry).
# CPU-heavy steps run under nice. Takes ~6-8 minutes on a 2-core machine.
set -euo pipefail
root=$(cd "${1:-.}" && pwd)
ts_git=${2:-}
ts_commit=c20b6a1cc574d690707638a488d2583f3b8b983f
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[ -f "$root/FreesoundTagging.sln" ] || { echo "not a FreesoundTagging checkout: $root" >&2; exit 2; }
carry=$root/.cuda-carry
work=$(mktemp -d /tmp/ft-cuda-prep.XXXXXX)
trap 'rm -rf "$work"' EXIT
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
rm -rf "$carry" && mkdir -p "$carry/ref"

echo "== clone + uncommitted changes -> $work/src"
git clone -q --no-hardlinks "$root" "$work/src"
(cd "$root" && git diff HEAD --binary) >"$work/changes.diff"
[ -s "$work/changes.diff" ] && git -C "$work/src" apply "$work/changes.diff"

natives=$(ls ~/.nuget/packages/libtorch-cpu-linux-x64/2.10.0/runtimes/linux-x64/native/)
for app in Model Predict Inputs; do
  lower=$(echo $app | tr A-Z a-z)
  echo "== publish $lower (self-contained, trimmed)"
  find "$work/src" -path '*obj/Release*' -type d -name linked -prune -exec rm -rf {} +
  nice -n 19 dotnet publish "$work/src/src/$app/$app.csproj" -c Release -r linux-x64 --self-contained \
    -p:PublishTrimmed=true -p:TrimMode=partial -p:JsonSerializerIsReflectionEnabledByDefault=true -p:PublishReadyToRun=false \
    -p:TreatWarningsAsErrors=false -p:SuppressTrimAnalysisWarnings=true -p:DebugType=none \
    -o "$work/apps/$lower" -nologo -v:q -clp:NoSummary
  (cd "$work/apps/$lower" && rm -f $natives createdump libmscordaccore.so libmscordbi.so libcoreclrtraceptprovider.so)
done
# Identical files once (tar keeps hard links): the three trimmed apps share their natives and most of the runtime.
for d in predict inputs; do
  for f in "$work/apps/$d"/*; do b=$(basename "$f")
    for ref in model predict; do [ $ref = $d ] && break
      if [ -f "$work/apps/$ref/$b" ] && cmp -s "$f" "$work/apps/$ref/$b"; then ln -f "$work/apps/$ref/$b" "$f"; break; fi
    done
  done
done
echo "== ft-apps.tar.xz ($(du -sb "$work/apps" | cut -f1) bytes unpacked)"
tar -C "$work/apps" -cf - . | nice -n 19 xz -T2 -9 >"$carry/ft-apps.tar.xz"

if [ -n "$ts_git" ]; then
  echo "== torchsharp-native.tar.gz from $ts_git @ $ts_commit"
  git -C "$ts_git" archive "$ts_commit" src/Native | gzip -9n >"$carry/torchsharp-native.tar.gz"
else
  echo "== torchsharp-native.tar.gz: the copy in tests/Gpu (TorchSharp @ $ts_commit)"
  cp "$here/torchsharp-native-0.107.0.tar.gz" "$carry/torchsharp-native.tar.gz"
fi

echo "== references on this CPU (libtorch 2.10 from NuGet), and a smoke test of the carried apps"
export LD_LIBRARY_PATH=$HOME/.nuget/packages/libtorch-cpu-linux-x64/2.10.0/runtimes/linux-x64/native
S=$root/tests/sample-data
for m in cnn_1d_dropout cnn_2d_vgg; do
  nice -n 19 "$work/apps/predict/predict" "$root/pre_trained_models/$m.fstmodel" "$S/audio_test" "$S/sample_submission.csv" - \
    "$work/$m.csv" --probabilities "$carry/ref/p_$m.npy" --device cpu | tail -n 1
  nice -n 19 "$work/apps/model/model" export "$root/pre_trained_models/$m.fstmodel" "$carry/ref/$m" | tail -n 2
done
(cd "$work" && mkdir -p "$work/d" && nice -n 19 "$work/apps/inputs/inputs" "$S/audio_train" "$S/train.csv" -o "$work/d" >/dev/null &&
  nice -n 19 "$work/apps/model/model" cnn_1d_dropout "$work/m.fstmodel" --data "$work/d" --epochs 1 --seed 1 --device cpu | tail -n 1)

cp "$here/device-check.sh" "$here/ft_cuda.py" "$carry/"
# A shim built on an earlier device run (see device-check.sh), kept beside the checkout (not in git), skips the build.
ls "$root"/.cuda-shims/libLibTorchSharp-torch-*.so >/dev/null 2>&1 && cp "$root"/.cuda-shims/libLibTorchSharp-torch-*.so "$carry/" || true
tracked=$(cd "$root" && git ls-files -z | xargs -0 du -cb 2>/dev/null | tail -n 1 | cut -f1)
untracked=$(cd "$root" && git ls-files -z --others --exclude-standard | xargs -0 -r du -cb 2>/dev/null | tail -n 1 | cut -f1)
size=$(du -sb "$carry" | cut -f1)
total=$(( tracked + ${untracked:-0} + size ))
echo "carry $size bytes + tracked $tracked + untracked ${untracked:-0} = $total of 67108864 (64 MiB)"
[ $total -lt 67108864 ] || { echo "too big to carry (64 MiB)" >&2; exit 1; }
echo "next: on the GPU machine, bash .cuda-carry/device-check.sh"

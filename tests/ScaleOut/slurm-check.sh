#!/usr/bin/env bash
# The Slurm recipe of docs/scale-out.md, run on a real Slurm: a one-node cluster on this machine (munged, slurmctld,
# slurmd on 127.0.0.1, state under <work>), the documented `sbatch --array=1-4` job of `inputs --shard auto/4` on
# the embedded sample data (40 clips), then `model --data shard-*` as a job that depends on the array
# (`--dependency=afterok`). Outside Slurm: one whole `inputs` run and `model` on it with the same --seed.
# Checks: every array task and the model job COMPLETED, each shard folder holds `"shard": "K/4"`, the two models
# print the same epoch line and give the same probabilities for the 24 test clips (`predict --all --format csv`).
# SlurmTests (tests/FreesoundTagging.Tests/CommandLine/) runs this script and then compares the rows byte for byte.
#
# Usage: slurm-check.sh <folder with inputs/model/predict> <work folder (created; left with whole/, shard-1..4/)> [array]
# [array] replaces --array=1-4 (e.g. 1-3: a task missing, which must fail the check at the model job).
# Exit: 0 checked; 77 skipped (the last stderr line says why: not Linux, not root, Slurm not installed and not
# installable, or the daemons cannot start here); anything else a failure. Installs Debian's slurm-wlm and munge
# with apt-get when missing and run as root (FREESOUND_NO_APT=1: never). Every daemon it started is stopped on
# exit, whatever happens; every wait has a deadline. Only 127.0.0.1 is used, on two free ports.
set -euo pipefail
[ $# -eq 2 ] || [ $# -eq 3 ] || { echo "usage: $0 <bin folder> <work folder> [array, default 1-4]" >&2; exit 2; }
bin=$(cd "$1" && pwd)
mkdir -p "$2"
work=$(cd "$2" && pwd)
data=$(cd "$(dirname "$0")/../sample-data" && pwd)
shards=4
tasks=${3:-1-$shards}

skip() { echo "skip: $*" >&2; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }
say() { echo "== $*"; }

# --- Slurm and munge present, or installed here ---------------------------------------------------------------
[ "$(uname -s)" = Linux ] || skip "Slurm runs on Linux only"
export PATH="$PATH:/usr/sbin:/sbin"
[ "$(id -u)" = 0 ] || skip "not root: slurmd must run as root to start job steps (run as root, e.g. in CI)"
have_slurm() { command -v slurmctld && command -v slurmd && command -v sbatch && command -v munged && command -v mungekey; } >/dev/null 2>&1
if ! have_slurm; then
  [ "${FREESOUND_NO_APT:-0}" != 1 ] || skip "slurm-wlm and munge are not installed and FREESOUND_NO_APT=1 (apt-get install slurm-wlm munge)"
  command -v apt-get >/dev/null 2>&1 || skip "slurm-wlm and munge are not installed and there is no apt-get"
  echo "installing slurm-wlm and munge (Debian packages; once)..." >&2
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurm-wlm munge; } \
    >"$work/apt.log" 2>&1 || skip "apt-get install slurm-wlm munge failed (see $work/apt.log)"
  have_slurm || skip "slurm-wlm installed but slurmctld, slurmd, sbatch or munged is not on PATH"
fi

# --- a one-node cluster under $work/cluster --------------------------------------------------------------------
c=$work/cluster
rm -rf "$c" "$work"/whole "$work"/shard-* "$work"/*.fstmodel "$work"/*.csv "$work"/*.out
mkdir -p "$c"/munge "$c"/state "$c"/spool "$c"/log
daemons=()
stop_daemons() {
  local code=$?
  # Jobs first (a step left running would outlive slurmd), then the daemons, newest first; bounded waits.
  if [ -n "${SLURM_CONF:-}" ] && [ ${#daemons[@]} -gt 1 ]; then
    timeout 10 scancel --quiet --full --user=root 2>/dev/null || true
  fi
  local i pid
  for (( i=${#daemons[@]}-1; i>=0; i-- )); do
    pid=${daemons[$i]}
    kill -TERM "$pid" 2>/dev/null || continue
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  exit $code
}
trap stop_daemons EXIT
trap 'exit 143' TERM INT

# Logs of a daemon that did not come up, for the skip or failure message.
tail_logs() { for f in "$c"/log/*; do [ -s "$f" ] && { echo "--- $f"; tail -n 8 "$f"; }; done >&2 || true; }

# Two free ports on 127.0.0.1 (nothing answers a connect), starting from one derived from our pid.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
  local p=$1
  while ! port_free "$p"; do p=$((p + 1)); [ "$p" -lt 65000 ] || fail "no free port above $1"; done
  echo "$p"
}
ctld_port=$(free_port $((20000 + ($$ % 20000))))
slurmd_port=$(free_port $((ctld_port + 1)))

host=$(hostname -s)
cpus=$(nproc)
memory_mb=$(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo)

mungekey --create --keyfile="$c/munge/munge.key" >/dev/null 2>&1 || skip "mungekey could not create a key"
chmod 400 "$c/munge/munge.key"
munge_socket=$c/munge/munge.socket
munged --force --key-file="$c/munge/munge.key" --socket="$munge_socket" --pid-file="$c/munge/munged.pid" \
  --seed-file="$c/munge/munged.seed" --log-file="$c/log/munged.log" --foreground >"$c/log/munged.stderr" 2>&1 &
daemons+=($!)
for _ in $(seq 100); do [ -S "$munge_socket" ] && break; kill -0 "${daemons[0]}" 2>/dev/null || break; sleep 0.1; done
[ -S "$munge_socket" ] || { tail_logs; skip "munged did not start here (log above)"; }

cat >"$c/slurm.conf" <<EOF
# One node, this machine, nothing outside 127.0.0.1; written by tests/ScaleOut/slurm-check.sh
ClusterName=fstcheck
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$munge_socket
StateSaveLocation=$c/state
SlurmdSpoolDir=$c/spool
SlurmctldPidFile=$c/slurmctld.pid
SlurmdPidFile=$c/slurmd.pid
SlurmctldLogFile=$c/log/slurmctld.log
SlurmdLogFile=$c/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
MailProg=/bin/true
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory_mb State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$c/slurm.conf
# The scheduler variables of a surrounding job (CI under Slurm) must not reach our sbatch or inputs.
unset SLURM_JOB_ID SLURM_ARRAY_TASK_ID SLURM_ARRAY_TASK_MIN SLURM_ARRAY_JOB_ID JOB_COMPLETION_INDEX

slurmctld -D -i -f "$SLURM_CONF" >"$c/log/slurmctld.stderr" 2>&1 &
daemons+=($!)
slurmd -D -f "$SLURM_CONF" -N "$host" >"$c/log/slurmd.stderr" 2>&1 &
daemons+=($!)

say "waiting for node $host to be idle ($(sinfo --version))"
state=
for _ in $(seq 120); do
  kill -0 "${daemons[1]}" 2>/dev/null || { tail_logs; skip "slurmctld exited at start-up here (logs above)"; }
  kill -0 "${daemons[2]}" 2>/dev/null || { tail_logs; skip "slurmd exited at start-up here (logs above)"; }
  state=$(timeout 5 sinfo --noheader --nodes="$host" --format=%T 2>/dev/null || true)
  [ "$state" = idle ] && break
  sleep 0.5
done
[ "$state" = idle ] || { tail_logs; skip "node $host not idle after 60 s (state '${state:-no answer}'; logs above)"; }

# --- the documented job array, then model on its shards as a dependent job -------------------------------------
cd "$work"
cat >inputs.sbatch <<EOF
#!/bin/bash
#SBATCH --job-name=fst-inputs
#SBATCH --array=$tasks
#SBATCH --cpus-per-task=1
#SBATCH --mem=1G
#SBATCH --time=00:10:00
#SBATCH --output=$work/inputs-%A_%a.out
set -euo pipefail
data=$data
out=$work/shard-\$SLURM_ARRAY_TASK_ID
mkdir -p "\$out"
$bin/inputs "\$data/audio_train" "\$data/train.csv" --out-dir "\$out" --shard auto/$shards --threads "\$SLURM_CPUS_PER_TASK"
EOF
array=$(sbatch --parsable inputs.sbatch)
say "submitted job array $array (--array=$tasks)"
train=$(sbatch --parsable --dependency=afterok:"$array" --kill-on-invalid-dep=yes --job-name=fst-model --cpus-per-task="$cpus" \
  --output="$work/model-%j.out" --wrap="$bin/model cnn_1d $work/b.fstmodel --data $work/shard-* --epochs 1 --seed 3 --threads 1 --device cpu")
say "submitted model job $train (--dependency=afterok:$array)"

# Meanwhile, outside Slurm: the single run and its model.
mkdir -p whole
"$bin/inputs" "$data/audio_train" "$data/train.csv" --out-dir whole --threads 1 >whole.out 2>&1 || { cat whole.out >&2; fail "inputs (whole) failed"; }
"$bin/model" cnn_1d a.fstmodel --data whole --epochs 1 --seed 3 --threads 1 --device cpu >model-whole.out 2>&1 \
  || { cat model-whole.out >&2; fail "model on whole failed"; }

deadline=$((SECONDS + 150))
while [ -n "$(squeue --noheader --jobs="$array,$train" --format=%i 2>/dev/null)" ]; do
  [ $SECONDS -lt $deadline ] || { squeue >&2 || true; fail "jobs $array and $train not finished after 150 s"; }
  sleep 1
done
# Without accounting, scontrol remembers finished jobs for MinJobAge (300 s): each one's final state.
states=$(for job in "$array" "$train"; do scontrol show job "$job" --oneliner; done \
  | sed -n 's/^JobId=[0-9]* ArrayJobId=\([0-9]*\) ArrayTaskId=\([0-9]*\) .* JobState=\([A-Z_]*\) .*/\1_\2 \3/p; s/^JobId=\([0-9]*\) JobName=fst-model .* JobState=\([A-Z_]*\) .*/\1 \2/p')
echo "$states"
for out in inputs-*.out model-*.out; do echo "--- $out"; cat "$out"; done
[ -z "$(grep -v ' COMPLETED$' <<<"$states")" ] && [ "$(wc -l <<<"$states")" = $((shards + 1)) ] \
  || fail "not every job COMPLETED: $(tr '\n' ' ' <<<"$states")"

# --- the checks ---------------------------------------------------------------------------------------------------
for k in $(seq "$shards"); do
  grep -q "\"shard\": \"$((k - 1))/$shards\"" "shard-$k/dataset.json" || fail "shard-$k/dataset.json does not say shard $((k - 1))/$shards"
done
whole_line=$(grep -o 'epoch 1/1: loss [0-9.]* acc [0-9.]*' model-whole.out) || fail "no epoch line from model on whole"
shard_line=$(grep -o 'epoch 1/1: loss [0-9.]* acc [0-9.]*' model-"$train".out) || fail "no epoch line from the model job"
say "whole:    $whole_line"
say "shard-*:  $shard_line"
[ "$whole_line" = "$shard_line" ] || fail "model on the shards printed '$shard_line', on the single run '$whole_line'"
"$bin/predict" a.fstmodel "$data/audio_test" --all --format csv --threads 1 --device cpu >a.csv
"$bin/predict" b.fstmodel "$data/audio_test" --all --format csv --threads 1 --device cpu >b.csv
[ "$(wc -l <a.csv)" -gt 20 ] || fail "predict wrote $(wc -l <a.csv) lines"
cmp -s a.csv b.csv || { diff a.csv b.csv | head >&2; fail "the two models' probabilities differ"; }
say "ok: $shards array tasks and the dependent model job completed on $(sinfo --version); the shards train the single run's model ($(($(wc -l <a.csv) - 1)) clips, the same probabilities)"

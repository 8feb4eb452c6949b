#!/usr/bin/env bash
# One network of an ensemble file (model --members K) as a model file of its own, to score the members alone:
#   tests/Benchmarks/ensemble-member.sh ensemble.fstmodel K out.fstmodel     (K is 1-based)
# Member 1 of `--recipe best --seed S` is the network `--recipe deep --seed S` trains (TrainingOptions.MemberSeed).
# Goes through model export / import and src/python/freesound_tagging.py, so it needs /usr/bin/python3 with torch.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${FST_BIN:-$root/artifacts/bin}
[ $# -eq 3 ] || { echo "usage: $0 ensemble.fstmodel K out.fstmodel" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bin/model" export "$1" "$work/ensemble" > /dev/null
/usr/bin/python3 - "$root/src/python" "$work/ensemble.json" "$2" "$work/member" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
import freesound_tagging as ft
model = ft.load(sys.argv[2])
k = int(sys.argv[3])
members = getattr(model, "members", None)
if members is None or not 1 <= k <= len(members):
    sys.exit(f"{sys.argv[2]}: has no member {k}")
ft.save(members[k - 1], sys.argv[4], dict(model.description, members=1, recipe=f"member {k} of {model.description.get('recipe')}"))
PY
"$bin/model" import "$work/member.json" "$3" > /dev/null
echo "wrote $3"

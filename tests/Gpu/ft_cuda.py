#!/usr/bin/env python3
"""Helpers for tests/Gpu/device-check.sh (numpy, and torch for the `pytorch` subcommand).

  ft_cuda.py compare A.npy B.npy TOL [NAME]   probabilities (N, C): max |dp|, centred log-p (= logits up to a
                                             per-row constant), top-1 / top-3 agreement; PASS when max |dp| <= TOL
  ft_cuda.py tile SRC_DIR DST_DIR K          an inputs dataset repeated K times (fnames suffixed), for timing
  ft_cuda.py epochs LOG                      the `model` progress lines of a log as JSON (loss, val MAP@3, seconds)
  ft_cuda.py pytorch REPO CARRY TEST_DIR OUT PyTorch-only checks: exported models on CPU vs CUDA vs the C# CPU
                                             reference, and training-step timings of the same networks
Each subcommand prints one line starting with RESULT and a JSON object (device-check.sh greps them).
"""
import json
import math
import os
import re
import sys
import time

import numpy as np


def _result(obj):
    print("RESULT " + json.dumps(obj, sort_keys=True))
    return obj


def compare(a_path, b_path, tol, name=""):
    a, b = np.load(a_path).astype(np.float64), np.load(b_path).astype(np.float64)
    if a.shape != b.shape:
        return _result({"name": name, "ok": False, "why": f"shapes {a.shape} vs {b.shape}"})
    rows = ~(np.isnan(a).any(1) | np.isnan(b).any(1))
    a, b = a[rows], b[rows]
    if a.size == 0:
        return _result({"name": name, "ok": False, "why": "no comparable rows"})
    dp = float(np.abs(a - b).max())
    la, lb = np.log(np.maximum(a, 1e-30)), np.log(np.maximum(b, 1e-30))
    la -= la.mean(1, keepdims=True)
    lb -= lb.mean(1, keepdims=True)
    dl = float(np.abs(la - lb).max())
    top1 = float((a.argmax(1) == b.argmax(1)).mean())
    k = min(3, a.shape[1])
    t3a, t3b = np.argsort(-a, 1, kind="stable")[:, :k], np.argsort(-b, 1, kind="stable")[:, :k]
    top3 = float(np.mean([set(x) == set(y) for x, y in zip(t3a, t3b)]))
    return _result({"name": name, "rows": int(rows.sum()), "max_dp": dp, "max_dlogit": dl, "top1": top1, "top3": top3,
                    "tol": tol, "ok": bool(dp <= tol and math.isfinite(dp))})


def tile(src, dst, k):
    os.makedirs(dst, exist_ok=True)
    with open(os.path.join(src, "dataset.json"), encoding="utf-8") as f:
        info = json.load(f)
    samples = np.load(os.path.join(src, "samples.npy"), mmap_mode="r")
    labels = np.load(os.path.join(src, "labels.npy"))
    n = samples.shape[0]
    out = np.lib.format.open_memmap(os.path.join(dst, "samples.npy"), mode="w+", dtype=samples.dtype, shape=(n * k,) + samples.shape[1:])
    for r in range(k):
        out[r * n:(r + 1) * n] = samples
    out.flush()
    np.save(os.path.join(dst, "labels.npy"), np.tile(labels, (k, 1)))
    stem = lambda f, r: f if r == 0 else f"{os.path.splitext(f)[0]}_{r}{os.path.splitext(f)[1]}"
    info["fnames"] = [stem(f, r) for r in range(k) for f in info["fnames"]]
    info["frames"] = info["frames"] * k
    info["verified"] = info["verified"] * k
    if info.get("sourceRows") is not None:
        info["sourceRows"] = list(range(n * k))
    info.pop("rowCount", None)
    with open(os.path.join(dst, "dataset.json"), "w", encoding="utf-8") as f:
        json.dump(info, f)
    return _result({"rows": n * k, "dir": dst})


EPOCH = re.compile(r"epoch (\d+)/(\d+): loss ([-\d.naif]+) acc ([\d.]+)(?:, val loss ([-\d.naif]+) acc ([\d.]+) MAP@3 ([\d.]+))? \(([\d.]+) s;")


def epochs(log):
    rows = []
    with open(log, encoding="utf-8", errors="replace") as f:
        for line in f:
            # Progress redraws may share a line; the finished epoch line is what matters.
            for m in EPOCH.finditer(line):
                rows.append({"epoch": int(m.group(1)), "loss": float(m.group(3)), "acc": float(m.group(4)),
                             "val_map3": float(m.group(7)) if m.group(7) else None, "seconds": float(m.group(8))})
    later = [r["seconds"] for r in rows[1:]] or [r["seconds"] for r in rows]
    return _result({"log": os.path.basename(log), "epochs": rows,
                    "mean_seconds_after_first": (sum(later) / len(later)) if later else None})


def _fnames(csv_path):
    with open(csv_path, encoding="utf-8") as f:
        return [line.split(",")[0] for line in f.read().splitlines()[1:] if line.strip()]


def pytorch(repo, carry, test_dir, out_dir):
    """What can be checked with PyTorch alone (no .NET): the exported networks' CUDA numerics and speed."""
    import torch
    import torch.nn.functional as F
    sys.path.insert(0, os.path.join(repo, "src", "python"))
    import freesound_tagging as ft
    res = {"torch": torch.__version__, "cuda": torch.cuda.is_available(),
           "cudnn_tf32_default": bool(torch.backends.cudnn.allow_tf32)}
    devs = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    with open(os.path.join(test_dir, "dataset.json"), encoding="utf-8") as f:
        info = json.load(f)
    samples = np.load(os.path.join(test_dir, "samples.npy"), mmap_mode="r")
    order = {f: i for i, f in enumerate(info["fnames"])}
    sub = _fnames(os.path.join(repo, "tests", "sample-data", "sample_submission.csv"))
    rows = [order[f] for f in sub]  # the reference p.npy rows follow sample_submission.csv

    def proba(model, dev, clip):
        # freesound_tagging.predict_proba feeds the batch to wherever the model is.
        return ft.predict_proba(model.to(dev), clip)

    res["models"] = {}
    for name in ("cnn_1d_dropout", "cnn_2d_vgg"):
        desc = os.path.join(carry, "ref", name + ".json")
        ref_path = os.path.join(carry, "ref", f"p_{name}.npy")
        if not os.path.exists(desc) or not os.path.exists(ref_path):
            continue
        ref = np.load(ref_path)
        entry = {}
        for dev, tf32 in [(d, t) for d in devs for t in ((None,) if d == "cpu" else (True, False))]:
            if tf32 is not None:
                torch.backends.cudnn.allow_tf32 = tf32
            model = ft.load(desc).to(dev)
            p = np.stack([proba(model, dev, samples[r, :min(info["frames"][r], samples.shape[1])]) for r in rows])
            key = dev if tf32 is None else f"{dev}_tf32" if tf32 else f"{dev}_fp32"
            np.save(os.path.join(out_dir, f"py_{name}_{key}.npy"), p)
            entry[key] = {"max_dp_vs_csharp_cpu": float(np.nanmax(np.abs(p - ref))),
                          "top1_vs_csharp_cpu": float((p.argmax(1) == ref.argmax(1)).mean())}
        torch.backends.cudnn.allow_tf32 = res["cudnn_tf32_default"]
        res["models"][name] = entry

    # Training-step timings of the same networks in PyTorch: the ceiling for TorchSharp, which calls the same kernels.
    res["step_seconds"] = {}
    for variant, shape in (("cnn_1d_dropout", (64, 3001, 64)), ("cnn_2d_vgg", (32, 128, 64))):
        for dev in devs:
            torch.manual_seed(1)
            net = ft.build(variant, 64, 41).to(dev).train()
            opt = torch.optim.Adam(net.parameters(), 1e-3, eps=1e-7)
            x = torch.randn(*shape, device=dev)
            y = torch.randint(0, 41, (shape[0],), device=dev)
            times = []
            for s in range(6):
                if dev == "cuda":
                    torch.cuda.synchronize()
                t = time.perf_counter()
                loss = F.cross_entropy(net(x), y)
                opt.zero_grad()
                loss.backward()
                opt.step()
                if dev == "cuda":
                    torch.cuda.synchronize()
                if s > 0:
                    times.append(time.perf_counter() - t)
            res["step_seconds"][f"{variant}_{dev}"] = sorted(times)[len(times) // 2]
    return _result(res)


def main(argv):
    if not argv:
        print(__doc__)
        return 2
    cmd = argv[0]
    if cmd == "compare":
        return 0 if compare(argv[1], argv[2], float(argv[3]), argv[4] if len(argv) > 4 else "")["ok"] else 1
    if cmd == "tile":
        tile(argv[1], argv[2], int(argv[3]))
        return 0
    if cmd == "epochs":
        epochs(argv[1])
        return 0
    if cmd == "pytorch":
        pytorch(*argv[1:5])
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

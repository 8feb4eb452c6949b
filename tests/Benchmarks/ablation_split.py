"""The validation split of the ablations (best-ablation.sh, robustness-ablation.sh), drawn the same way every time.
  ablation_split.py train.csv work_dir all|verified|sources [audio_train]
all: 20% of each class held out. verified: half of each class's manually verified clips. sources: each class's clips
are split in two by timbre (k-means on the cepstrum of their mean log spectrum, which follows the instrument, kit or
recording more than the note), and the smaller cluster is held out whole: its verified clips are the validation set and
none of its clips is trained on, so the networks are scored on sources they never heard (needs audio_train and
numpy). Writes work_dir/train.csv (the rest), work_dir/val_labels.csv and work_dir/val_submission.csv."""
import collections, csv, os, random, sys

rows = list(csv.DictReader(open(sys.argv[1])))
rng, by = random.Random(20261202), collections.defaultdict(list)
for r in rows: by[r["label"]].append(r)


def timbre(path):
    """Cepstral coefficients 1-12 of the clip's mean log power in 40 log-spaced bands (50 Hz-16 kHz), over the frames
    within 40 dB of its loudest: the spectral envelope, without the level (coefficient 0)."""
    import numpy as np
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import degrade
    x, rate = degrade.read(path)
    n = 2048
    x = np.pad(x, (0, max(0, n - len(x))))
    frames = np.lib.stride_tricks.sliding_window_view(x, n)[::512] * np.hanning(n)
    spectrum = np.abs(np.fft.rfft(frames, axis=1)) ** 2
    loud = spectrum.sum(1) >= spectrum.sum(1).max() * 1e-4
    mean = spectrum[loud].mean(0)
    edges = np.geomspace(50, 16000, 41) * n / rate
    bins = np.arange(mean.size)
    bands = np.array([mean[(bins >= lo) & (bins < hi)].sum() + 1e-12 for lo, hi in zip(edges[:-1], edges[1:])])
    log = np.log(bands)
    k = np.arange(40)
    return np.array([(log * np.cos(np.pi * c * (k + 0.5) / 40)).sum() for c in range(1, 13)])


def two_clusters(vectors):
    """k-means with k = 2, started from the two vectors farthest apart: deterministic."""
    import numpy as np
    v = np.array(vectors)
    d = ((v[:, None] - v[None]) ** 2).sum(2)
    i, j = np.unravel_index(d.argmax(), d.shape)
    centres = v[[i, j]]
    for _ in range(50):
        assign = ((v[:, None] - centres[None]) ** 2).sum(2).argmin(1)
        new = np.array([v[assign == c].mean(0) if (assign == c).any() else centres[c] for c in range(2)])
        if np.allclose(new, centres): break
        centres = new
    return assign


train, val = [], []
for label in sorted(by):
    group = by[label][:]; rng.shuffle(group)
    if sys.argv[3] == "sources":
        assign = two_clusters([timbre(os.path.join(sys.argv[4], r["fname"])) for r in group])
        held_cluster = 0 if (assign == 0).sum() <= (assign == 1).sum() else 1
        held = [r for r, a in zip(group, assign) if a == held_cluster]
        val += [r for r in held if r["manually_verified"] == "1"]
        train += [r for r, a in zip(group, assign) if a != held_cluster]
    elif sys.argv[3] == "verified":
        verified = [r for r in group if r["manually_verified"] == "1"]
        held = verified[:round(len(verified) * 0.5)]
        val += held; train += [r for r in group if r not in held]
    else:
        k = round(len(group) * 0.2)
        val += group[:k]; train += group[k:]
with open(sys.argv[2] + "/train.csv", "w") as f:
    f.write("fname,label,manually_verified\n")
    for r in train: f.write(f"{r['fname']},{r['label']},{r['manually_verified']}\n")
with open(sys.argv[2] + "/val_labels.csv", "w") as f, open(sys.argv[2] + "/val_submission.csv", "w") as g:
    f.write("fname,label\n"); g.write("fname,label\n")
    for r in val: f.write(f"{r['fname']},{r['label']}\n"); g.write(f"{r['fname']},x\n")

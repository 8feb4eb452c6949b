"""Load a FreesoundTagging model in PyTorch.

`model export my.fstmodel` writes my.safetensors (the state dict, same keys as ours) and my.json (variant,
classes, feature settings, how predict feeds the network). This module builds the same networks in PyTorch,
loads both files and scores log-mel clips as `predict` does. Dependencies: PyTorch and numpy only.

    import numpy as np, freesound_tagging as ft
    model = ft.load("my.json")                      # a torch.nn.Module in eval mode, with .classes, .description
    clip = np.load("clip.npy")                      # (frames, n_mels) log-mel, e.g. one row of inputs' samples.npy
    probabilities = ft.predict_proba(model, clip)   # (classes,) numpy array, softmax, as predict computes it

Audio straight in (the PANNs habit): the same log-mel front end as `inputs` and `predict`, in numpy, from the
feature settings the export carries (within 1e-5 of ours; tested against the project's librosa goldens):

    clip = ft.log_mel_of_file("dog.wav", model.description["features"])   # (frames, n_mels) float32
    probabilities = ft.predict_proba(model, clip)

WAV (PCM 8/16/24/32-bit, float) is read with numpy; other formats need the `soundfile` package.

Command line:
  python3 freesound_tagging.py my.json a.wav b.wav ...            -> each file's name and its top-3 labels
  python3 freesound_tagging.py my.json samples.npy [dataset.json]  -> top-3 labels per row of an inputs array
(with dataset.json, each row of samples.npy is cut to its true frame count first, as predict sees the clip).
"""
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

FORMAT = "freesound-tagging-pytorch/2"
# Exports of earlier builds differ only in spelling log_reference "clip_peak" (read below either way).
READABLE_FORMATS = ("freesound-tagging-pytorch/1", FORMAT)
ALIGNMENT = 16  # conv channels padded to a multiple of this, as ChannelAlignedConv does (see aligned_conv1d)

_DTYPES = {"F32": np.float32, "F64": np.float64, "I64": np.int64, "I32": np.int32}


def read_safetensors(path):
    """{name: torch.Tensor} from a safetensors file, read with numpy (no safetensors package needed)."""
    with open(path, "rb") as f:
        data = f.read()
    header_len = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + header_len].decode("utf-8"))
    start = 8 + header_len
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        array = np.frombuffer(data[start + begin:start + end], dtype=_DTYPES[info["dtype"]]).reshape(info["shape"])
        tensors[name] = torch.from_numpy(array.copy())
    return tensors


def aligned_conv1d(conv, x):
    """conv(x) computed with input and output channels zero-padded to multiples of 16: the same convolution.

    Our C# side does this because libtorch's oneDNN conv1d kernels (AVX2 and wider) return wrong values on some
    CPUs (seen on AMD EPYC) when a channel count is not a multiple of 16; PyTorch builds can carry the same
    kernels, so the same padding is applied here."""
    w = conv.weight
    extra_in = (-x.shape[1]) % ALIGNMENT
    extra_out = (-w.shape[0]) % ALIGNMENT
    if (extra_in == 0 and extra_out == 0) or w.shape[2] == 1:
        return conv(x)
    xp = F.pad(x, (0, 0, 0, extra_in))
    wp = F.pad(w, (0, 0, 0, extra_in, 0, extra_out))
    y = F.conv1d(xp, wp, None, stride=conv.stride, padding=conv.padding)[:, :w.shape[0]]
    return y if conv.bias is None else y + conv.bias.view(1, -1, 1)


def keras_same_max_pool1d(x, pool, stride):
    """Keras MaxPooling1D(padding='same'): output length ceil(L / stride), the shortfall padded with -inf,
    the smaller half on the left."""
    length = x.shape[-1]
    out_len = (length + stride - 1) // stride
    total = max((out_len - 1) * stride + pool - length, 0)
    if total:
        x = F.pad(x, (total // 2, total - total // 2), value=float("-inf"))
    return F.max_pool1d(x, pool, stride)


class Cnn1d(nn.Module):
    """The 1-D conv body of cnn_1d, cnn_1d_dropout and cnn_1d_dense_dropout, then `head` (the variant's):
    (N, T, F) -> logits (N, C)."""

    def __init__(self, n_mels, head):
        super().__init__()
        self.conv1 = nn.Conv1d(n_mels, 100, 7, padding=3)
        self.conv2 = nn.Conv1d(100, 150, 5, padding=2)
        self.conv3 = nn.Conv1d(150, 200, 3, padding=1)
        self.head = head

    def forward(self, x):
        x = x.transpose(1, 2)  # channels-last (Keras) -> (N, C, L)
        x = keras_same_max_pool1d(F.relu(aligned_conv1d(self.conv1, x)), 3, 2)
        x = keras_same_max_pool1d(F.relu(aligned_conv1d(self.conv2, x)), 3, 2)
        x = F.relu(aligned_conv1d(self.conv3, x))
        return self.head(x.amax(2))


class Vgg2d(nn.Module):
    """cnn_2d_vgg (and cnn_2d_vgg_narrow, with other widths): (N, T, F) -> logits (N, C)."""

    WIDTHS = (16, 32, 64, 128)
    NARROW_WIDTHS = (16, 16, 32, 64)

    def __init__(self, n_mels, n_classes, widths=WIDTHS):
        super().__init__()
        self.bandNorm = nn.BatchNorm1d(n_mels)
        blocks, channels = [], 1
        for width in widths:
            blocks.append(nn.Sequential(
                nn.Conv2d(channels, width, 3, padding=1, bias=False), nn.BatchNorm2d(width), nn.ReLU(),
                nn.Conv2d(width, width, 3, padding=1, bias=False), nn.BatchNorm2d(width), nn.ReLU()))
            channels = width
        self.blocks = nn.ModuleList(blocks)
        self.dropout = nn.Dropout(0.3)
        self.classifier = nn.Linear(2 * channels, n_classes)

    def forward(self, x):
        x = self.bandNorm(x.transpose(1, 2)).unsqueeze(1)  # (N, 1, F, T)
        for block in self.blocks:
            x = F.max_pool2d(block(x), 2, 2, ceil_mode=True)
        over_frequency = x.mean(2)
        return self.classifier(self.dropout(torch.cat([over_frequency.amax(2), over_frequency.mean(2)], 1)))


class MemberAverage(nn.Module):
    """An ensemble file's networks (`model --members K`): the log of their mean softmax, so a softmax over the
    output is that mean. State-dict keys members.0. ... members.(K-1)., as ours."""

    def __init__(self, networks):
        super().__init__()
        self.members = nn.ModuleList(networks)

    def forward(self, x):
        log_p = torch.stack([F.log_softmax(m(x), 1) for m in self.members])
        return torch.logsumexp(log_p, 0) - math.log(len(self.members))


# Every variant this module builds, by the name model files carry: variant name -> builder(n_mels, n_classes).
# The C# side's ModelVariant.All and these names are checked to agree (tests/**/Interop), so a new variant is
# added here too. The head layers' positions are part of the state-dict keys (head.1.weight ...).
BUILDERS = {
    "cnn_1d": lambda n_mels, n_classes: Cnn1d(n_mels, nn.Sequential(nn.Linear(200, n_classes))),
    "cnn_1d_dropout": lambda n_mels, n_classes: Cnn1d(n_mels, nn.Sequential(nn.Dropout(0.2), nn.Linear(200, n_classes))),
    "cnn_1d_dense_dropout": lambda n_mels, n_classes: Cnn1d(n_mels, nn.Sequential(
        nn.Dropout(0.2), nn.Linear(200, 100), nn.ReLU(), nn.Dropout(0.2), nn.Linear(100, n_classes))),
    "cnn_2d_vgg": Vgg2d,
    "cnn_2d_vgg_narrow": lambda n_mels, n_classes: Vgg2d(n_mels, n_classes, Vgg2d.NARROW_WIDTHS),
}


def build(variant, n_mels, n_classes, members=1):
    """A fresh network of a variant (or an ensemble of `members` of them), with our state-dict keys."""
    if variant not in BUILDERS:
        raise ValueError(f"unknown variant {variant}: this module builds {', '.join(BUILDERS)}")
    if members > 1:
        return MemberAverage([build(variant, n_mels, n_classes) for _ in range(members)])
    return BUILDERS[variant](n_mels, n_classes)


def load(description_path):
    """The exported model (eval mode) with .classes and .description (the JSON) attached."""
    with open(description_path, encoding="utf-8") as f:
        description = json.load(f)
    if description.get("format") not in READABLE_FORMATS:
        raise ValueError(f"{description_path}: not a {FORMAT} description")
    features = description["features"]
    model = build(description["variant"], features["n_mels"], len(description["classes"]), description.get("members", 1))
    weights = os.path.join(os.path.dirname(os.path.abspath(description_path)), description["weights"])
    model.load_state_dict(read_safetensors(weights), strict=True)
    model.eval()
    model.classes = description["classes"]
    model.description = description
    return model


_NAMES = {np.dtype(np.float32): "F32", np.dtype(np.float64): "F64", np.dtype(np.int64): "I64", np.dtype(np.int32): "I32"}


def write_safetensors(path, tensors):
    """Writes {name: torch.Tensor} as a safetensors file (numpy only)."""
    # .contiguous() rather than np.ascontiguousarray, which turns 0-d tensors (num_batches_tracked) into 1-d.
    arrays = {name: t.detach().cpu().contiguous().numpy() for name, t in tensors.items()}
    header, offset = {}, 0
    for name, a in arrays.items():
        header[name] = {"dtype": _NAMES[a.dtype], "shape": list(a.shape), "data_offsets": [offset, offset + a.nbytes]}
        offset += a.nbytes
    encoded = json.dumps(header).encode("utf-8")
    encoded += b" " * (-len(encoded) % 8)
    with open(path, "wb") as f:
        f.write(len(encoded).to_bytes(8, "little"))
        f.write(encoded)
        for a in arrays.values():
            f.write(a.tobytes())


def save(model, prefix, description=None):
    """Writes prefix.safetensors + prefix.json for `model import prefix.json new.fstmodel`: a network of this
    module (e.g. fine-tuned in PyTorch) with the description of the export it came from (or `description`)."""
    description = dict(description or model.description)
    description["weights"] = os.path.basename(prefix) + ".safetensors"
    write_safetensors(prefix + ".safetensors", model.state_dict())
    with open(prefix + ".json", "w", encoding="utf-8") as f:
        json.dump(description, f, indent=2)


def _windows(frames, window, hop):
    """Window starts as predict uses them: every hop frames, the last flush with the clip's end."""
    if frames <= window:
        return [0]
    last = frames - window
    return list(range(0, last, hop)) + [last]


def _crop(clip, start, length):
    """length frames from start, looping a clip shorter than that (as training and predict do)."""
    index = (start + np.arange(length)) % clip.shape[0]
    return clip[index]


def _shift_bands(batch, k):
    """batch (N, frames, n_mels) moved k mel bands up (k > 0) or down, the uncovered bands repeating the edge band."""
    if k == 0:
        return batch
    index = np.clip(np.arange(batch.shape[2]) - k, 0, batch.shape[2] - 1)
    return batch[:, :, index]


def predict_logits(model, clip):
    """Logits (windows, classes) for one clip (frames, n_mels): one row per window for a crop-trained model,
    one row for a whole-clip model (zero-padded to max_frames). With band_shifts K, each of those rows is followed
    by the same input shifted by +1, -1, ..., +K, -K mel bands (predict_proba averages all of them)."""
    d = model.description
    clip = np.asarray(clip, dtype=np.float32)
    window = d.get("window_frames")
    if window:
        hop = d.get("window_hop_frames") or max(1, window // 2)
        batch = np.stack([_crop(clip, s, window) for s in _windows(clip.shape[0], window, hop)])
    else:
        frames = clip.shape[0] if d.get("length_bucketed") else max(d["features"]["max_frames"], clip.shape[0])
        batch = np.zeros((1, frames, clip.shape[1]), dtype=np.float32)
        batch[0, :clip.shape[0]] = clip
    shifts = d.get("band_shifts") or 0
    if shifts:
        order = [0] + [sign * k for k in range(1, shifts + 1) for sign in (1, -1)]
        batch = np.stack([_shift_bands(batch, k) for k in order], 1).reshape(-1, *batch.shape[1:])
    device = next(model.parameters()).device  # the batch goes where the model is (model.to("cuda") works)
    with torch.no_grad():
        return model(torch.from_numpy(np.ascontiguousarray(batch)).to(device)).float().cpu().numpy()


def predict_proba(model, clip):
    """Class probabilities (classes,) for one clip, as predict computes them: softmax, averaged over windows
    (and band shifts)."""
    logits = torch.from_numpy(predict_logits(model, clip))
    return F.softmax(logits, 1).mean(0).numpy()


# ---------------------------------------------------------------------------------------------------------------
# The log-mel front end (docs/features.md): mono, resampled to sr with resampy's kaiser_best, centre padding,
# periodic Hann frames, float64 power spectrum, Slaney mel bank, ln(mel [/ clip peak] + log_offset).

def read_audio(path):
    """(mono float32 samples, sample rate): channels averaged. WAV with numpy; anything else through soundfile."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] in (b"RIFF", b"RF64") and data[8:12] == b"WAVE":
        return _read_wav(data, path)
    try:
        import soundfile
    except ImportError:
        raise ValueError(f"{path}: not a WAV file, and reading other formats needs the soundfile package") from None
    y, sr = soundfile.read(path, dtype="float32", always_2d=True)
    return y.mean(axis=1, dtype=np.float32), sr


def _read_wav(data, path):
    pos, fmt, samples = 12, None, None
    while pos + 8 <= len(data):
        cid, size = data[pos:pos + 4], int.from_bytes(data[pos + 4:pos + 8], "little")
        body = data[pos + 8:pos + 8 + size]
        if cid == b"fmt ":
            tag, channels, rate = int.from_bytes(body[0:2], "little"), int.from_bytes(body[2:4], "little"), int.from_bytes(body[4:8], "little")
            bits = int.from_bytes(body[14:16], "little")
            if tag == 0xFFFE and len(body) >= 26:  # WAVE_FORMAT_EXTENSIBLE: the sub-format's first two bytes
                tag = int.from_bytes(body[24:26], "little")
            fmt = (tag, channels, rate, bits)
        elif cid == b"data":
            samples = body  # a file cut short keeps what it holds, as inputs does
        pos += 8 + size + (size & 1)
    if fmt is None or samples is None:
        raise ValueError(f"{path}: WAV without a fmt or data chunk")
    tag, channels, rate, bits = fmt
    width = bits // 8
    usable = len(samples) - len(samples) % (width * channels)
    raw = np.frombuffer(samples[:usable], dtype=np.uint8)
    if tag == 3 and bits in (32, 64):
        y = raw.view("<f4" if bits == 32 else "<f8").astype(np.float32)
    elif tag == 1 and bits == 8:
        y = (raw.astype(np.float32) - 128) * np.float32(1 / 128)
    elif tag == 1 and bits == 16:
        y = raw.view("<i2").astype(np.float32) * np.float32(1 / 32768)
    elif tag == 1 and bits == 24:
        b = raw.reshape(-1, 3).astype(np.int32)
        y = ((b[:, 0] | b[:, 1] << 8 | b[:, 2] << 16) << 8 >> 8).astype(np.float32) * np.float32(1 / 8388608)
    elif tag == 1 and bits == 32:
        y = raw.view("<i4").astype(np.float32) * np.float32(1 / 2147483648)
    else:
        raise ValueError(f"{path}: WAV encoding {tag} with {bits}-bit samples is not read here (use soundfile)")
    y = y.reshape(-1, channels)
    return (y[:, 0] if channels == 1 else y.sum(axis=1, dtype=np.float32) / np.float32(channels)), rate


_KAISER_ZEROS, _KAISER_TABLE, _KAISER_ROLLOFF, _KAISER_BETA = 50, 8192, 0.917347, 12.9846
_kaiser = None


def _kaiser_best():
    """resampy 0.4.2's kaiser_best table (right wing, 2^13 taps per zero crossing) and its differences."""
    global _kaiser
    if _kaiser is None:
        half = _KAISER_ZEROS * _KAISER_TABLE
        r = np.arange(half + 1) / half
        taper = np.i0(_KAISER_BETA * np.sqrt(1 - r * r)) / np.i0(_KAISER_BETA)
        t = np.arange(half + 1) * (_KAISER_ZEROS / half)
        window = taper * (_KAISER_ROLLOFF * np.sinc(_KAISER_ROLLOFF * t))
        _kaiser = (window, np.append(np.diff(window), 0.0))
    return _kaiser


def resample(y, sr, target):
    """librosa 0.6's resample(y, sr, target): resampy kaiser_best summed in float64, then fix_length to
    ceil(n * target / sr) samples."""
    y = np.asarray(y, dtype=np.float32)
    if sr == target:
        return y.copy()
    ratio = target / sr
    n_out = int(math.ceil(len(y) * ratio))
    n_resampy = min(n_out, int(len(y) * target / sr))
    window, delta = _kaiser_best()
    length = len(window)
    scale = min(1.0, ratio)
    step = int(scale * _KAISER_TABLE)
    x = y.astype(np.float64)
    time = np.arange(n_resampy) * (1.0 / ratio)
    n = time.astype(np.int64)
    out = np.zeros(n_out, dtype=np.float32)
    total = np.zeros(n_resampy)
    for side in (0, 1):
        frac = scale * (time - n)
        if side:
            frac = scale - frac
        index = frac * _KAISER_TABLE
        offset = index.astype(np.int64)
        eta = index - offset
        limit = np.minimum(n + 1 if not side else len(x) - n - 1, (length - offset) // step)
        for i in range(int(limit.max()) if len(limit) else 0):
            live = i < limit
            j = np.where(live, offset + i * step, 0)
            source = np.where(live, n - i if not side else n + i + 1, 0)
            total += np.where(live, (window[j] + eta * delta[j]) * x[source], 0.0)
    out[:n_resampy] = (scale * total).astype(np.float32)
    return out


def _hz_to_mel(f):
    f = np.asarray(f, dtype=np.float64)
    f_sp, min_hz = 200.0 / 3, 1000.0
    logstep = math.log(6.4) / 27.0
    return np.where(f >= min_hz, min_hz / f_sp + np.log(np.maximum(f, 1e-300) / min_hz) / logstep, f / f_sp)


def _mel_to_hz(m):
    m = np.asarray(m, dtype=np.float64)
    f_sp, min_hz = 200.0 / 3, 1000.0
    min_mel, logstep = min_hz / f_sp, math.log(6.4) / 27.0
    return np.where(m >= min_mel, min_hz * np.exp(logstep * (m - min_mel)), f_sp * m)


def mel_filters(sr, n_fft, n_mels, fmin, fmax):
    """librosa's Slaney mel bank (htk=False, norm='slaney'), (n_mels, 1 + n_fft // 2) float64."""
    fft_freqs = np.linspace(0, sr / 2, 1 + n_fft // 2)
    mel_f = _mel_to_hz(np.linspace(_hz_to_mel(fmin), _hz_to_mel(fmax), n_mels + 2))
    fdiff = np.diff(mel_f)
    ramps = np.subtract.outer(mel_f, fft_freqs)
    lower = -ramps[:-2] / fdiff[:-1, None]
    upper = ramps[2:] / fdiff[1:, None]
    weights = np.maximum(0, np.minimum(lower, upper))
    return weights * (2.0 / (mel_f[2:n_mels + 2] - mel_f[:n_mels]))[:, None]


def log_mel(y, features):
    """(frames, n_mels) float32 log-mel of mono samples already at features["sr"], as `inputs` computes it."""
    n_fft, hop = int(features["n_fft"]), int(features["hop_length"])
    mode = "reflect" if str(features.get("pad_mode", "reflect")).lower() == "reflect" else "constant"
    y = np.asarray(y, dtype=np.float32)
    padded = np.pad(y, n_fft // 2, mode=mode) if len(y) else np.zeros(n_fft, dtype=np.float32)
    frames = 1 + (len(padded) - n_fft) // hop
    index = np.arange(n_fft)[None, :] + hop * np.arange(frames)[:, None]
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n_fft) / n_fft)  # periodic Hann, float64
    bank = mel_filters(features["sr"], n_fft, int(features["n_mels"]), features["fmin"], features["fmax"])
    mel = np.empty((frames, bank.shape[0]))
    for start in range(0, frames, 512):  # bounded memory for long files
        block = padded[index[start:start + 512]].astype(np.float64) * window
        mel[start:start + 512] = (np.abs(np.fft.rfft(block, axis=1)) ** 2) @ bank.T
    offset = float(features.get("log_offset", 0.001))
    if str(features.get("log_reference", "absolute")).lower().replace("_", "-") == "clip-peak":
        peak = mel.max() if mel.size else 0.0
        mel = mel / peak if peak > 0 else np.zeros_like(mel)
    return np.log(mel + offset).astype(np.float32)


def log_mel_of_file(path, features):
    """The log-mel of an audio file with an export's feature settings: mono, resampled to features["sr"]."""
    y, sr = read_audio(path)
    return log_mel(resample(y, sr, int(features["sr"])), features)


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    model = load(argv[0])
    if not argv[1].endswith(".npy"):
        # Audio files: each one's name, then its top-3 labels, as soon as it is done.
        status = 0
        for path in argv[1:]:
            try:
                p = predict_proba(model, log_mel_of_file(path, model.description["features"]))
            except (OSError, ValueError) as e:
                print(f"error: {e}", file=sys.stderr)
                status = 3
                continue
            top = np.argsort(-p, kind="stable")[:3]
            print(path + "\t" + " ".join(f"{model.classes[c]}:{p[c]:.3f}" for c in top), flush=True)
        return status
    samples = np.load(argv[1], mmap_mode="r")
    if samples.ndim == 2:
        samples = samples[None]
    frames = None
    if len(argv) > 2:
        with open(argv[2], encoding="utf-8") as f:
            frames = json.load(f)["frames"]
    for i in range(samples.shape[0]):
        clip = samples[i] if frames is None else samples[i, :min(frames[i], samples.shape[1])]
        p = predict_proba(model, clip)
        top = np.argsort(-p, kind="stable")[:3]
        print(" ".join(f"{model.classes[c]}:{p[c]:.3f}" for c in top))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

#!/usr/bin/python3
"""Degraded copies of a set of clips, the ways real recordings differ from rendered ones (issue: recipes that hold on
real recordings). Deterministic: every random draw comes from a generator seeded by the degradation and the clip name.

    /usr/bin/python3 tests/Benchmarks/degrade.py AUDIO_DIR LABELS_CSV OUT_DIR [--only NAME,...]

LABELS_CSV is fname,label (a corpus's test_labels.csv, or a validation split's rows of train.csv). OUT_DIR/<name>/ gets
one WAV per clip (16-bit, the clip's rate, same names) for each degradation; OUT_DIR/labels.csv is the labels.
Band limits, codecs and reverberation use sox and ffmpeg (Debian: apt-get install sox ffmpeg); noise, mixing, gain
and DC offset are computed here (numpy). A folder already complete is kept.
"""
import argparse, csv, hashlib, os, shutil, subprocess, sys, tempfile, wave
import numpy as np

# name -> (kind, parameter). Levels in dB; SNR is against the clip's mean power over its non-silent part.
DEGRADATIONS = {
    "band-4k": ("resample", 8000), "band-8k": ("resample", 16000), "band-11k": ("resample", 22050),
    "mp3-64k": ("codec", ["-c:a", "libmp3lame", "-b:a", "64k"], "mp3"),
    "ogg-q0": ("codec", ["-c:a", "libvorbis", "-q:a", "0"], "ogg"),
    "reverb-room": ("reverb", ["40", "50", "30"]), "reverb-hall": ("reverb", ["85", "40", "100", "100", "20"]),
    "white-20db": ("noise", "white", 20), "white-10db": ("noise", "white", 10), "white-5db": ("noise", "white", 5),
    "pink-20db": ("noise", "pink", 20), "pink-10db": ("noise", "pink", 10), "pink-5db": ("noise", "pink", 5),
    "babble-20db": ("noise", "babble", 20), "babble-10db": ("noise", "babble", 10), "babble-5db": ("noise", "babble", 5),
    "second-sound-10db": ("second", 10),
    "gain-40db": ("gain", -40),
    "dc-offset": ("dc", 0.2),
}


def read(path):
    with wave.open(path, "rb") as w:
        rate, channels, width, n = w.getframerate(), w.getnchannels(), w.getsampwidth(), w.getnframes()
        raw = w.readframes(n)
    if width != 2:
        raise SystemExit(f"{path}: only 16-bit PCM WAV is read here")
    x = np.frombuffer(raw, "<i2").astype(np.float64).reshape(-1, channels).mean(1) / 32768.0
    return x, rate


def write(path, x, rate):
    pcm = np.clip(np.round(x * 32768.0), -32768, 32767).astype("<i2")
    with wave.open(path, "wb") as w:
        w.setnchannels(1); w.setsampwidth(2); w.setframerate(rate); w.writeframes(pcm.tobytes())


def generator(*parts):
    return np.random.default_rng(int.from_bytes(hashlib.sha256("/".join(map(str, parts)).encode()).digest()[:8], "little"))


def power(x):
    """Mean power over the clip's frames louder than -50 dB of its peak (a short sound in silence is not diluted)."""
    frames = x[: len(x) // 512 * 512].reshape(-1, 512) if len(x) >= 512 else x.reshape(1, -1)
    energy = (frames ** 2).mean(1)
    loud = energy[energy >= energy.max() * 1e-5]
    return float(loud.mean()) if loud.size else 1e-12


def pink(n, rng):
    spectrum = np.fft.rfft(rng.standard_normal(n))
    f = np.arange(spectrum.size); f[0] = 1
    return np.fft.irfft(spectrum / np.sqrt(f), n)


def fit(y, n, rng):
    """y looped or cut to n samples from a random start."""
    if len(y) == 0:
        return np.zeros(n)
    reps = -(-n // len(y)) + 1
    start = int(rng.integers(0, len(y)))
    return np.tile(y, reps)[start:start + n]


def tool(args):
    subprocess.run(args, check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("audio"); parser.add_argument("labels"); parser.add_argument("out")
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    with open(args.labels, newline="") as f:
        rows = [(r["fname"], r["label"]) for r in csv.DictReader(f)]
    names = [n for n, _ in rows]
    label = dict(rows)
    os.makedirs(args.out, exist_ok=True)
    shutil.copyfile(args.labels, os.path.join(args.out, "labels.csv"))
    wanted = [d for d in DEGRADATIONS if not args.only or d in args.only.split(",")]
    cache = {}

    def clip(name):
        if name not in cache:
            cache[name] = read(os.path.join(args.audio, name))
        return cache[name]

    for d in wanted:
        folder = os.path.join(args.out, d)
        if os.path.isdir(folder) and len(os.listdir(folder)) == len(names):
            continue
        partial = folder + ".partial"
        shutil.rmtree(partial, ignore_errors=True); os.makedirs(partial)
        spec = DEGRADATIONS[d]
        with tempfile.TemporaryDirectory() as tmp:
            for name in names:
                source, target = os.path.join(args.audio, name), os.path.join(partial, name)
                rng = generator(d, name)
                kind = spec[0]
                if kind == "resample":
                    low = os.path.join(tmp, "low.wav")
                    tool(["sox", "-D", source, "-r", str(spec[1]), low])
                    tool(["sox", "-D", low, "-r", str(clip(name)[1]), target])
                elif kind == "codec":
                    coded = os.path.join(tmp, "coded." + spec[2])
                    tool(["ffmpeg", "-nostdin", "-y", "-loglevel", "error", "-i", source] + spec[1] + [coded])
                    tool(["ffmpeg", "-nostdin", "-y", "-loglevel", "error", "-i", coded, "-ac", "1", "-c:a", "pcm_s16le", target])
                elif kind == "reverb":
                    # The tail is kept (the clip grows by the reverberation time), as a recording's would be.
                    tool(["sox", "-D", source, target, "gain", "-3", "pad", "0", "1", "reverb"] + spec[1])
                else:
                    x, rate = clip(name)
                    if kind == "noise":
                        if spec[1] == "white":
                            noise = rng.standard_normal(len(x))
                        elif spec[1] == "pink":
                            noise = pink(len(x), rng)
                        else:
                            # Six other clips of the set, each from a random start, summed: many overlapping sources.
                            others = rng.choice([n for n in names if n != name], 6, replace=False)
                            noise = sum(fit(clip(o)[0], len(x), rng) for o in others)
                        noise *= np.sqrt(power(x) / max(power(noise), 1e-20) / 10 ** (spec[2] / 10))
                        y = x + noise
                    elif kind == "second":
                        other = rng.choice([n for n in names if label[n] != label[name]])
                        z = clip(other)[0]
                        z = z[: len(x)] if len(z) >= len(x) else np.pad(z, (int(rng.integers(0, len(x) - len(z) + 1)), 0))[: len(x)]
                        z = np.pad(z, (0, len(x) - len(z)))
                        y = x + z * np.sqrt(power(x) / max(power(z), 1e-20) / 10 ** (spec[1] / 10))
                    elif kind == "gain":
                        y = x * 10 ** (spec[1] / 20)
                    else:
                        y = x * (1 - spec[1]) + spec[1]
                    # A mix louder than full scale is scaled down, as a recorder's gain would be set.
                    peak = np.abs(y).max()
                    write(target, y / peak * 0.99 if peak > 0.99 else y, rate)
        os.rename(partial, folder)
        print(f"{d}: {len(names)} clips", file=sys.stderr)


if __name__ == "__main__":
    main()

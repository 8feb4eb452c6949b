"""Reference vectors for Resampler: resampy 0.4.2 kaiser_best + librosa 0.6's fix_length.

Run with Debian 12's python3-resampy (0.4.2, numpy 1.24.2), the versions that made golden/original:
    /usr/bin/python3 generate.py
Writes x.npy (float32 input) and y_<from>_<to>.npy (float32) for each rate pair below.
"""
import math
import os

import numpy as np
import resampy

RATES = [(48000, 44100), (44100, 22050), (44100, 16000), (16000, 44100), (8000, 44100), (22050, 44100)]

here = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20180101)
n = 4801
t = np.arange(n)
x = (0.4 * np.sin(2 * np.pi * t / 37.0) + 0.2 * np.sin(2 * np.pi * t / 5.3 + 1.0)
     + 0.1 * rng.standard_normal(n)).astype(np.float32)
np.save(os.path.join(here, "x.npy"), x)
for sr_orig, sr_new in RATES:
    y = resampy.resample(x, sr_orig, sr_new, filter="kaiser_best", axis=-1)
    n_samples = int(math.ceil(len(x) * float(sr_new) / sr_orig))  # librosa 0.6 resample + fix_length
    y = np.pad(y, (0, max(0, n_samples - len(y))))[:n_samples].astype(np.float32)
    np.save(os.path.join(here, f"y_{sr_orig}_{sr_new}.npy"), y)
    print(sr_orig, sr_new, len(y))

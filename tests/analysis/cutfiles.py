"""Recordings cut short, for the interrupted-session tests."""
import shutil
from pathlib import Path

import h5py
import numpy as np


def truncated(src: Path, dst: Path, end_s: float) -> Path:
    """A copy of ``src`` as if its session had stopped at ``end_s`` (an abort or a crash):
    samples, envelope and events after it gone, the rest untouched."""
    shutil.copy(src, dst)
    with h5py.File(dst, "r+") as f:
        n = int(np.searchsorted(f["emg/timestamps"][()], end_s))
        for k in ("data", "timestamps", "sample_index"):
            f["emg"][k].resize(n, axis=0)
        m = int(np.searchsorted(f["envelope/timestamps"][()], end_s))
        for k in ("data", "timestamps"):
            f["envelope"][k].resize(m, axis=0)
        ev = f["events"]
        keep = np.flatnonzero(ev["onset_s"][()] + ev["duration_s"][()] <= end_s)
        for k in ("onset_s", "duration_s", "kind", "label", "channel"):
            vals = ev[k][()][keep]
            ev[k].resize(len(keep), axis=0)
            ev[k][...] = vals
        if "n_samples" in f.attrs:
            f.attrs["n_samples"] = n
    return dst

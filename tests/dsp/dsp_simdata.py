"""Simulated sEMG for the DSP tests (cached per configuration)."""
from __future__ import annotations

import functools

import numpy as np

from emgmap.sim import SimConfig, Simulator


@functools.lru_cache(maxsize=8)
def _simulate(seconds: float, fs: float, channels: int, seed: int, scenario: str) -> np.ndarray:
    sim = Simulator(SimConfig(fs=fs, channels=channels, seed=seed, scenario=scenario))
    n_frames = int(np.ceil(seconds * fs / sim.frame_len))
    x = np.concatenate([sim.next_frame()[1] for _ in range(n_frames)])
    x = x[:int(seconds * fs)]
    x.flags.writeable = False
    return x


def simulate(seconds: float, fs: float = 2000.0, channels: int = 8, seed: int = 0,
             scenario: str = "healthy") -> np.ndarray:
    """(n, C) µV of the simulator's live demo (rest lead-in, then reps, with artefacts)."""
    return _simulate(float(seconds), float(fs), channels, seed, scenario)

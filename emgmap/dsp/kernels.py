"""The numba kernel: the whole SOS cascade and the envelope in one call per block.

All state lives in arrays owned by :class:`~emgmap.dsp.pipeline.Pipeline`, and
the kernel walks the block sample by sample doing exactly the same arithmetic
whatever the block size, so any chunking gives bit-identical output.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

ENV_RMS = 0
ENV_LINEAR = 1


@njit(cache=True, nogil=True)
def process_block(x, sos, zi_unit, zi, fresh, ring, pos, sums, env_kind, env_sos, env_zi,
                  filtered, envelope, invalid):
    """Filter and envelope ``x`` (n, C) in place into ``filtered`` and ``envelope``.

    Each section is scipy's direct form II transposed (``sosfilt``), so the
    output equals scipy's to rounding. ``fresh[c]`` set means channel ``c``
    (re)starts here: its filter state is set to ``zi_unit * x[i, c]`` (scipy
    ``sosfilt_zi`` scaled by the first sample, no start-up transient) and its
    envelope history to zero. A non-finite sample gives NaN output, counts in
    ``invalid[c]`` and sets ``fresh[c]`` so the channel restarts on the next
    finite sample.

    RMS: ``ring`` (N, C) holds the last N squared outputs, ``sums`` their running
    sum. The sum is recomputed from the ring each time the shared write position
    ``pos[0]`` wraps to 0, so rounding error never accumulates beyond one window
    (the 8-hour no-drift requirement) and the recompute happens at the same
    absolute samples whatever the chunking.
    """
    n, C = x.shape
    S = sos.shape[0]
    E = env_sos.shape[0]
    N = ring.shape[0]
    for i in range(n):
        p = pos[0]
        for c in range(C):
            v = x[i, c]
            if not math.isfinite(v):
                invalid[c] += 1
                fresh[c] = True
                filtered[i, c] = np.nan
                envelope[i, c] = np.nan
                if env_kind == ENV_RMS:
                    sums[c] -= ring[p, c]
                    ring[p, c] = 0.0
                continue
            if fresh[c]:
                fresh[c] = False
                for s in range(S):
                    zi[s, 0, c] = zi_unit[s, 0] * v
                    zi[s, 1, c] = zi_unit[s, 1] * v
                for s in range(E):
                    env_zi[s, 0, c] = 0.0
                    env_zi[s, 1, c] = 0.0
                if env_kind == ENV_RMS:
                    for k in range(N):
                        ring[k, c] = 0.0
                    sums[c] = 0.0
            for s in range(S):
                y = sos[s, 0] * v + zi[s, 0, c]
                zi[s, 0, c] = sos[s, 1] * v - sos[s, 4] * y + zi[s, 1, c]
                zi[s, 1, c] = sos[s, 2] * v - sos[s, 5] * y
                v = y
            filtered[i, c] = v
            if env_kind == ENV_RMS:
                sq = v * v
                sums[c] += sq - ring[p, c]
                ring[p, c] = sq
                m = sums[c]
                envelope[i, c] = math.sqrt(m / N) if m > 0.0 else 0.0
            else:
                u = abs(v)
                for s in range(E):
                    y = env_sos[s, 0] * u + env_zi[s, 0, c]
                    env_zi[s, 0, c] = env_sos[s, 1] * u - env_sos[s, 4] * y + env_zi[s, 1, c]
                    env_zi[s, 1, c] = env_sos[s, 2] * u - env_sos[s, 5] * y
                    u = y
                envelope[i, c] = u
        p += 1
        if p == N:
            p = 0
            if env_kind == ENV_RMS:
                for c in range(C):
                    t = 0.0
                    for k in range(N):
                        t += ring[k, c]
                    sums[c] = t
        pos[0] = p


def warm_up() -> None:
    """Compile (or load from the cache) every specialisation the Pipeline uses."""
    C = 2
    x = np.zeros((3, C))
    sos = np.zeros((1, 6))
    sos[0, 0] = sos[0, 3] = 1.0
    for kind in (ENV_RMS, ENV_LINEAR):
        process_block(x, sos, np.zeros((1, 2)), np.zeros((1, 2, C)), np.ones(C, dtype=np.bool_),
                      np.zeros((2, C)), np.zeros(1, dtype=np.int64), np.zeros(C), kind, sos,
                      np.zeros((1, 2, C)), np.empty((3, C)), np.empty((3, C)), np.zeros(C, dtype=np.int64))

"""The numba kernels: the whole SOS cascade and the envelope in one call per block
(:func:`process_block`), and the live indices', onsets' and calibration's loops.

All state lives in arrays owned by :class:`~emgmap.dsp.pipeline.Pipeline`, and
every output sample gets exactly the same arithmetic whatever the block size, so
any chunking gives bit-identical output.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

TILE = 256   # rows per pass of process_block: the tile stays in L1/L2 across the sections
LANES = 256  # most channels the vectorised tile path takes (its scratch rows are this far apart)


def as_input(x) -> np.ndarray:
    """``x`` as the one array type the kernels are compiled for: float64, C-contiguous,
    writeable (numba compiles a read-only array as a separate specialisation, which
    would make a first block wait for the compiler)."""
    x = np.ascontiguousarray(x, dtype=np.float64)
    return x if x.flags.writeable else x.copy()


def kernel_buffers(sos, zi_unit, env_sos, window: int, n_channels: int):
    """The three flat arrays :func:`process_block` takes besides its input and output:
    ``coef`` (the cascade, its unit steady state, the envelope's sections), ``state``
    (all float state, zero) and ``counts`` (the sizes, the ring position, every channel
    fresh, no invalid samples). :func:`views` names their parts."""
    S, E, C = sos.shape[0], env_sos.shape[0], n_channels
    coef = np.concatenate([np.ravel(sos), np.ravel(zi_unit), np.ravel(env_sos)], dtype=np.float64)
    state = np.zeros(2 * S * C + 2 * E * C + window * C + C)
    counts = np.zeros(4 + 2 * C, dtype=np.int64)
    counts[:3] = S, E, window
    counts[4:4 + C] = 1
    return coef, state, counts


@njit(inline="always", nogil=True)
def views(coef, state, counts, C):
    """The named parts of :func:`kernel_buffers`' arrays, as views (numba and numpy alike:
    the Pipeline calls ``views.py_func`` for the same layout).

    Returns ``sos`` (S, 6), ``zi_unit`` (S, 2), ``env_sos`` (E, 6); ``zi`` (S, 2, C),
    ``env_zi`` (E, 2, C), ``ring`` (N, C), ``sums`` (C,); ``pos`` (1,), ``fresh`` (C,)
    (1: the channel restarts at its next finite sample) and ``invalid`` (C,) int64.
    Packed so that a block costs numba's dispatcher five arrays, not thirteen: each
    array it unboxes is about 0.1-0.2 µs, a tenth of a 200-sample block in all."""
    S, E, N = counts[0], counts[1], counts[2]
    sos = coef[:6 * S].reshape(S, 6)
    zi_unit = coef[6 * S:8 * S].reshape(S, 2)
    env_sos = coef[8 * S:8 * S + 6 * E].reshape(E, 6)
    a, b, r = 2 * S * C, 2 * (S + E) * C, (2 * (S + E) + N) * C
    zi = state[:a].reshape(S, 2, C)
    env_zi = state[a:b].reshape(E, 2, C)
    ring = state[b:r].reshape(N, C)
    sums = state[r:r + C]
    return sos, zi_unit, env_sos, zi, env_zi, ring, sums, counts[3:4], counts[4:4 + C], counts[4 + C:4 + 2 * C]


@njit(cache=True, nogil=True)
def process_block(x, coef, state, counts, out):
    """Filter and envelope ``x`` (n, C) into ``out[0]`` (filtered) and ``out[1]``
    (envelope); returns the number of non-finite samples in ``x``. ``coef``, ``state``
    and ``counts`` are :func:`kernel_buffers`' arrays; their parts are named below as
    :func:`views` names them.

    Each section is scipy's direct form II transposed (``sosfilt``), so the
    output equals scipy's to rounding. ``fresh[c]`` set means channel ``c``
    (re)starts here: its filter state is set to ``zi_unit * x[i, c]`` (scipy
    ``sosfilt_zi`` scaled by the first sample, no start-up transient) and its
    envelope history to zero. A non-finite sample gives NaN output, counts in
    ``invalid[c]`` and sets ``fresh[c]`` so the channel restarts on the next
    finite sample.

    The envelope is the trailing RMS when ``env_sos`` has no sections, else the
    rectified signal through ``env_sos`` (the linear envelope). RMS: ``ring``
    (N, C) holds the last N squared outputs, ``sums`` their running sum. The sum
    is recomputed from the ring each time the shared write position ``pos[0]``
    wraps to 0, so rounding error never accumulates beyond one window (the
    8-hour no-drift requirement) and the recompute happens at the same absolute
    samples whatever the chunking.

    Speed: the block goes in tiles of :data:`TILE` rows. The channels of one sample
    are contiguous and independent, so a tile whose samples are all finite (the
    usual case) runs section by section over the tile with the channels innermost
    (:func:`_cascade_block`, :func:`_rms_block`): branch-free loops the compiler
    turns into SIMD lanes (4 channels per AVX2 instruction). Any other tile, and
    every tile of more than :data:`LANES` channels, goes sample by sample, channel
    by channel (:func:`_sample_by_sample`). Both do the
    same floating-point operations in the same order for every output (no
    fastmath, so no fused multiply-add), so the path never changes a bit.
    """
    n, C = x.shape
    sos, zi_unit, env_sos, zi, env_zi, ring, sums, pos, fresh, invalid = views(coef, state, counts, C)
    filtered, envelope = out[0], out[1]
    zz = np.empty(6 * LANES)   # the vectorised passes' section state (see _three_sections)
    bad = 0
    a = 0
    while a < n:
        b = min(n, a + TILE)
        for c in range(C):  # a restart on a tile's first sample needs no slow path
            if fresh[c] and math.isfinite(x[a, c]):
                _restart(c, x[a, c], zi_unit, zi, ring, sums, env_zi)
                fresh[c] = 0
        tile_bad = _count_nonfinite(x, a, b)
        bad += tile_bad
        clean = tile_bad == 0 and C <= LANES
        for c in range(C):
            clean &= not fresh[c]
        if clean:
            _cascade_block(sos, zi, zz, x, filtered, a, b)
            if env_sos.shape[0] == 0:
                _rms_block(filtered, ring, pos, sums, envelope, a, b)
            else:
                _rectify(filtered, envelope, a, b)
                for s in range(env_sos.shape[0]):  # (one at a time: few sections, not the hot path)
                    _one_section(env_sos, s, env_zi, zz, envelope, envelope, a, b)
        else:
            _sample_by_sample(x, sos, zi_unit, zi, fresh, ring, pos, sums, env_sos, env_zi,
                              filtered, envelope, invalid, a, b)
        a = b
    return bad


@njit(inline="always", nogil=True)
def _count_nonfinite(x, a, b):
    """How many samples of rows ``a:b`` of ``x`` (n, C) are NaN or infinite.

    One flat loop over the rows (they are contiguous) counting ``v - v != 0``
    (NaN for NaN and inf, 0 for every finite v): it vectorises, where an ``and``
    of ``isfinite`` row by row ran four times slower."""
    C = x.shape[1]
    rows = x.reshape(x.size)[a * C:b * C]
    bad = 0
    for k in range(rows.size):
        v = rows[k]
        bad += (v - v) != 0.0
    return bad


@njit(inline="always", nogil=True)
def _rectify(f, envelope, a, b):
    """``envelope[a:b] = |f[a:b]|``."""
    for i in range(a, b):
        for c in range(f.shape[1]):
            envelope[i, c] = abs(f[i, c])


@njit(inline="always", nogil=True)
def _restart(c, v, zi_unit, zi, ring, sums, env_zi):
    """Channel ``c`` starts afresh at the finite sample ``v``."""
    for s in range(zi.shape[0]):
        zi[s, 0, c] = zi_unit[s, 0] * v
        zi[s, 1, c] = zi_unit[s, 1] * v
    for s in range(env_zi.shape[0]):
        env_zi[s, 0, c] = 0.0
        env_zi[s, 1, c] = 0.0
    for k in range(ring.shape[0]):  # (a one-row placeholder for the linear envelope)
        ring[k, c] = 0.0
    sums[c] = 0.0


@njit(inline="always", nogil=True)
def _cascade_block(sos, zi, zz, x, v, a, b):
    """Run rows ``a:b`` of ``x`` (n, C) through the sections of ``sos``, state ``zi``
    (S, 2, C), into the same rows of ``v``; C <= :data:`LANES`, ``zz`` the scratch.

    Three sections at a time (:func:`_three_sections`), the last one or two alone
    (:func:`_one_section`), each pass over the rows with the channels innermost.
    The first pass reads ``x`` (no copy into ``v`` first) when there are three
    sections or more, as in every configuration but the lowest filter orders.
    (Each call site is a copy of the loop in the compiled kernel, which numba's
    cache loads at start-up: three of them, not four.)"""
    S = sos.shape[0]
    s = 0
    if S >= 3:
        _three_sections(sos, 0, zi, zz, x, v, a, b)
        s = 3
    else:
        for i in range(a, b):
            for c in range(v.shape[1]):
                v[i, c] = x[i, c]
    while s + 3 <= S:
        _three_sections(sos, s, zi, zz, v, v, a, b)
        s += 3
    while s < S:
        _one_section(sos, s, zi, zz, v, v, a, b)
        s += 1


@njit(inline="always", nogil=True)
def _df2t(u, z0, z1, k):
    """One sample through one section, direct form II transposed: scipy ``sosfilt``'s
    arithmetic, in its order. ``k`` = (b0, b1, b2, a1, a2); returns (y, z0', z1')."""
    y = k[0] * u + z0
    return y, k[1] * u - k[3] * y + z1, k[2] * u - k[4] * y


@njit(inline="always", nogil=True)
def _coefficients(sos, s):
    return sos[s, 0], sos[s, 1], sos[s, 2], sos[s, 4], sos[s, 5]


@njit(inline="always", nogil=True)
def _three_sections(sos, s, zi, zz, src, dst, a, b):
    """Sections ``s, s+1, s+2`` over rows ``a:b``: ``dst`` = them applied to ``src``.

    Why it is written so (the speed of the whole kernel): the loop over the
    channels is the one the compiler turns into AVX2 lanes (4 channels per
    instruction), and it only does so when it can prove the state it updates
    does not overlap the rows it writes. The six state rows (z0, z1 of each
    section) therefore live in one scratch ``zz`` at fixed offsets of
    :data:`LANES` (distances it can check at compile time) rather than in six
    arrays (more run-time overlap checks than it will emit), and the coefficients
    in local tuples (a load from ``sos`` inside the loop might see a store). Three
    sections per pass give each row three independent recurrences to overlap and
    a third of the per-row loop overhead of one section per pass."""
    C = dst.shape[1]
    L = LANES
    k0, k1, k2 = _coefficients(sos, s), _coefficients(sos, s + 1), _coefficients(sos, s + 2)
    for j in range(3):
        for c in range(C):
            zz[2 * j * L + c] = zi[s + j, 0, c]
            zz[(2 * j + 1) * L + c] = zi[s + j, 1, c]
    for i in range(a, b):
        for c in range(C):
            y, zz[c], zz[L + c] = _df2t(src[i, c], zz[c], zz[L + c], k0)
            y, zz[2 * L + c], zz[3 * L + c] = _df2t(y, zz[2 * L + c], zz[3 * L + c], k1)
            y, zz[4 * L + c], zz[5 * L + c] = _df2t(y, zz[4 * L + c], zz[5 * L + c], k2)
            dst[i, c] = y
    for j in range(3):
        for c in range(C):
            zi[s + j, 0, c] = zz[2 * j * L + c]
            zi[s + j, 1, c] = zz[(2 * j + 1) * L + c]


@njit(inline="always", nogil=True)
def _one_section(sos, s, zi, zz, src, dst, a, b):
    """Section ``s`` over rows ``a:b``, as :func:`_three_sections`."""
    C = dst.shape[1]
    L = LANES
    k = _coefficients(sos, s)
    for c in range(C):
        zz[c] = zi[s, 0, c]
        zz[L + c] = zi[s, 1, c]
    for i in range(a, b):
        for c in range(C):
            dst[i, c], zz[c], zz[L + c] = _df2t(src[i, c], zz[c], zz[L + c], k)
    for c in range(C):
        zi[s, 0, c] = zz[c]
        zi[s, 1, c] = zz[L + c]


@njit(inline="always", nogil=True)
def _rms_block(f, ring, pos, sums, envelope, a, b):
    """Trailing RMS of rows ``a:b`` of the filtered ``f`` (n, C) into ``envelope``, channels innermost."""
    C = f.shape[1]
    N = ring.shape[0]
    inv_n = 1.0 / N
    acc = np.empty(C)
    for c in range(C):
        acc[c] = sums[c]
    p = pos[0]
    i = a
    while i < b:  # runs up to the next wrap of the ring, where the sums are recomputed
        run = min(b - i, N - p)
        for j in range(run):
            for c in range(C):
                sq = f[i + j, c] * f[i + j, c]
                m = acc[c] + (sq - ring[p + j, c])
                acc[c] = m
                ring[p + j, c] = sq
                envelope[i + j, c] = _rms(m, inv_n)
        i += run
        p += run
        if p == N:
            p = 0
            _resum(ring, acc)
    pos[0] = p
    for c in range(C):
        sums[c] = acc[c]


@njit(inline="always", nogil=True)
def _rms(m, inv_n):
    """The envelope from the sum ``m`` of a window's squares and ``inv_n`` = 1/N (a multiply,
    not a divide per sample: vdivpd was the slowest step of the loop); 0 for a sum that
    rounding left at or below 0."""
    return math.sqrt(m * inv_n) if m > 0.0 else 0.0


@njit(inline="always", nogil=True)
def _resum(ring, sums):
    """``sums[c]`` = the sum of ``ring[:, c]``, added in ring order."""
    for c in range(ring.shape[1]):
        sums[c] = 0.0
    for k in range(ring.shape[0]):
        for c in range(ring.shape[1]):
            sums[c] += ring[k, c]


@njit(inline="always", nogil=True)
def _sample_by_sample(x, sos, zi_unit, zi, fresh, ring, pos, sums, env_sos, env_zi,
                      filtered, envelope, invalid, a, b):
    """The general path of :func:`process_block` over rows ``a:b``: non-finite samples and restarts."""
    C = x.shape[1]
    S = sos.shape[0]
    E = env_sos.shape[0]
    N = ring.shape[0]
    inv_n = 1.0 / N
    rms = E == 0
    for i in range(a, b):
        p = pos[0]
        for c in range(C):
            v = x[i, c]
            if not math.isfinite(v):
                invalid[c] += 1
                fresh[c] = 1
                filtered[i, c] = np.nan
                envelope[i, c] = np.nan
                if rms:
                    sums[c] -= ring[p, c]
                    ring[p, c] = 0.0
                continue
            if fresh[c]:
                fresh[c] = 0
                _restart(c, v, zi_unit, zi, ring, sums, env_zi)
            for s in range(S):
                v, zi[s, 0, c], zi[s, 1, c] = _df2t(v, zi[s, 0, c], zi[s, 1, c], _coefficients(sos, s))
            filtered[i, c] = v
            if rms:
                sq = v * v
                sums[c] += sq - ring[p, c]
                ring[p, c] = sq
                envelope[i, c] = _rms(sums[c], inv_n)
            else:
                u = abs(v)
                for s in range(E):
                    u, env_zi[s, 0, c], env_zi[s, 1, c] = _df2t(u, env_zi[s, 0, c], env_zi[s, 1, c],
                                                               _coefficients(env_sos, s))
                envelope[i, c] = u
        p += 1
        if p == N:
            p = 0
            if rms:
                _resum(ring, sums)
        pos[0] = p


def warm_up() -> None:
    """Load from numba's on-disk cache (or compile) the kernels a live session runs on
    every block: :func:`process_block`, :func:`trailing_mean_block` (the live indices)
    and :func:`onset_block` (live onsets), so that the first block never waits for
    them. In a fresh process most of the time is numba's own first use (loading its
    registries, compiling its runtime), which any first cached function pays: about
    0.3-0.4 s here, against about 20 ms for ``process_block`` itself (docs/dsp.md §9).
    :func:`warm_up_analysis` loads the rest."""
    C = 2
    x = np.zeros((3, C))
    sos = np.zeros((1, 6))
    sos[0, 0] = sos[0, 3] = 1.0
    process_block(x, *kernel_buffers(sos, np.zeros((1, 2)), sos, 2, C), np.empty((2, 3, C)))
    trailing_mean_block(x, np.zeros((2, C)), np.zeros(1, dtype=np.int64), np.zeros(C), np.zeros(C, dtype=np.int64),
                        np.zeros(1, dtype=np.int64), 2, np.empty((3, C)), np.zeros(C))
    state = np.zeros((C, 5), dtype=np.int64)
    state[:, 2:4] = -1
    onset_block(x, np.ones(C), 1, 1, 1, state, 0, np.zeros((2 * 3 * C, 4), dtype=np.int64))


def warm_up_analysis() -> None:
    """Load (or compile) the kernels of recorded-data analysis and calibration:
    :func:`tkeo_block` (offline onsets) and :func:`sliding_mean_extremes` (MVC)."""
    C = 2
    x = np.zeros((3, C))
    tkeo_block(x, np.zeros((2, C)), np.empty((3, C)))
    sliding_mean_extremes(x, 2, np.zeros(C), np.zeros(C))


@njit(cache=True, nogil=True)
def tkeo_block(x, prev, psi):
    """Teager-Kaiser energy ``psi[i] = |x[k-1]^2 - x[k-2] x[k]|`` for the samples k of the
    block ``x`` (n, C), i.e. psi of samples k-1 (psi needs the next sample); ``prev`` (2, C)
    holds the two samples before the block (zeros before the stream) and is updated.
    Element for element the numpy expression ``abs(x1**2 - x0*x2)``, in one pass."""
    n, C = x.shape
    for i in range(min(n, 2)):  # the first two need the samples before the block
        for c in range(C):
            x1 = prev[1, c] if i == 0 else x[0, c]
            psi[i, c] = abs(x1 * x1 - prev[i, c] * x[i, c])
    for i in range(2, n):
        for c in range(C):
            psi[i, c] = abs(x[i - 1, c] * x[i - 1, c] - x[i - 2, c] * x[i, c])
    if n >= 2:
        for c in range(C):
            prev[0, c] = x[n - 2, c]
            prev[1, c] = x[n - 1, c]
    elif n == 1:
        for c in range(C):
            prev[0, c] = prev[1, c]
            prev[1, c] = x[0, c]


@njit(cache=True, nogil=True)
def sliding_mean_extremes(x, M, hi, lo):
    """Into ``hi``/``lo`` (C,): the highest and lowest mean of ``x`` (n, C) over every run of
    ``M`` consecutive samples, skipping windows with a non-finite sample (left as they are
    when no window is valid). Each mean is the difference of two cumulative sums over
    ``M``, the sums added in order with non-finite samples as 0: exactly what numpy's
    ``cumsum`` difference gives (:func:`emgmap.dsp.calibration.sliding_means`). The last
    ``M + 1`` cumulative sums live in a ring."""
    n, C = x.shape
    R = M + 1
    cs = np.zeros((R, C))
    nb = np.zeros((R, C), dtype=np.int64)
    run = np.zeros(C)
    bad = np.zeros(C, dtype=np.int64)
    seen = np.zeros(C, dtype=np.bool_)
    for i in range(n):
        k = i + 1
        r = k % R
        for c in range(C):
            v = x[i, c]
            if math.isfinite(v):
                run[c] += v
            else:
                run[c] += 0.0
                bad[c] += 1
            cs[r, c] = run[c]
            nb[r, c] = bad[c]
        if k >= M:
            r0 = (k - M) % R
            for c in range(C):
                if nb[r, c] == nb[r0, c]:
                    m = (cs[r, c] - cs[r0, c]) / M
                    if not seen[c] or m > hi[c]:
                        hi[c] = m
                    if not seen[c] or m < lo[c]:
                        lo[c] = m
                    seen[c] = True


class TrailingMean:
    """The state :func:`trailing_mean_block` carries across blocks for a trailing mean over
    ``window`` samples of ``n_channels`` (the live indices, the TKEO envelope)."""

    def __init__(self, window: int, n_channels: int):
        self.ring = np.zeros((max(1, window), n_channels))
        self.pos = np.zeros(1, dtype=np.int64)
        self.sums = np.zeros(n_channels)
        self.bad = np.zeros(n_channels, dtype=np.int64)
        self.count = np.zeros(1, dtype=np.int64)
        self.peak = np.zeros(n_channels)

    @property
    def window(self) -> int:
        return self.ring.shape[0]

    def block(self, x: np.ndarray, step: int, rows: np.ndarray) -> int:
        """Feed ``x`` (n, C); fills ``rows`` with the mean at every ``step``-th sample."""
        return trailing_mean_block(x, self.ring, self.pos, self.sums, self.bad, self.count, step, rows, self.peak)


@njit(cache=True, nogil=True)
def trailing_mean_block(x, ring, pos, sums, bad, count, step, rows, peak):
    """Trailing mean of ``x`` (n, C) over M = ``ring.shape[0]`` samples, with zeros
    before the stream, sampled at every absolute sample k with (k + 1) % step == 0.

    ``count[0]`` is the absolute index of ``x[0]``. The means at those samples go
    to ``rows`` (in order; the caller sizes it) and the number written is
    returned. ``peak[c]`` keeps the highest finite mean at *any* sample. A
    non-finite value is held as 0 in the ring and counted in ``bad[c]`` while it
    is inside the window; the mean is NaN then. As in :func:`process_block` the
    sum is recomputed whenever the write position wraps, so it never drifts.
    """
    n, C = x.shape
    M = ring.shape[0]
    r = 0
    for i in range(n):
        p = pos[0]
        k = count[0]
        emit = (k + 1) % step == 0 and r < rows.shape[0]  # the caller sizes rows; never write past it
        for c in range(C):
            v = x[i, c]
            old = ring[p, c]
            if old != old:  # NaN marks a bad sample leaving the window
                bad[c] -= 1
                old = 0.0
            if math.isfinite(v):
                sums[c] += v - old
                ring[p, c] = v
            else:
                sums[c] -= old
                ring[p, c] = np.nan
                bad[c] += 1
            m = sums[c] / M if bad[c] == 0 else np.nan
            if bad[c] == 0 and m > peak[c]:
                peak[c] = m
            if emit:
                rows[r, c] = m
        if emit:
            r += 1
        p += 1
        if p == M:
            p = 0
            for c in range(C):
                t = 0.0
                for j in range(M):
                    if ring[j, c] == ring[j, c]:
                        t += ring[j, c]
                sums[c] = t
        pos[0] = p
        count[0] = k + 1
    return r


@njit(cache=True, nogil=True)
def onset_block(x, thr, hold_n, gap_n, min_n, state, k0, events):
    """Burst detection state machine over ``x`` (n, C) (a non-negative detection
    envelope), for absolute samples k0 .. k0 + n - 1 (reference §3).

    A burst starts at the first sample of a run above ``thr[c]`` lasting at least
    ``hold_n`` samples (Hodges & Bui 1996), absorbs runs below it shorter than
    ``gap_n`` (gap merging) and ends at the first sample of a below run of ``gap_n``;
    bursts shorter than ``min_n`` are dropped (spike suppression). NaN counts as below.
    An onset is reported once the burst has lasted ``min_n`` samples, an offset when its
    closing below run reaches ``gap_n``. ``state`` (C, 5) int64 per channel: in_burst,
    start, above-run start (-1 none), below-run start (-1 none), confirmed.
    ``events`` rows get (channel, kind 1 onset / 2 offset, sample, detected at); returns
    how many were written (the caller sizes ``events`` at 2 n C rows at most).
    """
    n, C = x.shape
    e = 0
    for i in range(n):
        k = k0 + i
        for c in range(C):
            above = x[i, c] > thr[c]  # False for NaN
            if state[c, 0] == 0:  # idle
                if above:
                    if state[c, 2] < 0:
                        state[c, 2] = k
                    if k - state[c, 2] + 1 >= hold_n:
                        state[c, 0] = 1
                        state[c, 1] = state[c, 2]
                        state[c, 3] = -1
                        state[c, 4] = 0
                else:
                    state[c, 2] = -1
            if state[c, 0] == 1:  # in a burst (possibly since this sample)
                if above:
                    state[c, 3] = -1
                elif state[c, 3] < 0:
                    state[c, 3] = k
                start = state[c, 1]
                end_now = state[c, 3] if state[c, 3] >= 0 else k + 1
                if state[c, 4] == 0 and end_now - start >= min_n:
                    state[c, 4] = 1
                    events[e, 0] = c
                    events[e, 1] = 1
                    events[e, 2] = start
                    events[e, 3] = k
                    e += 1
                if state[c, 3] >= 0 and k - state[c, 3] + 1 >= gap_n:
                    if state[c, 4] == 1:
                        events[e, 0] = c
                        events[e, 1] = 2
                        events[e, 2] = state[c, 3]
                        events[e, 3] = k
                        e += 1
                    state[c, 0] = 0
                    state[c, 2] = -1
                    state[c, 3] = -1
                    state[c, 4] = 0
    return e

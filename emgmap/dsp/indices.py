"""Imbalance indices (reference/semg.md §3) and their live tracker.

Offline functions work on values already normalised the same way (see
:mod:`emgmap.dsp.calibration`); :class:`IndexTracker` computes them live from the
envelope, one row every ``1 / rate_hz`` s of signal, each value labelled with
the normalisation it used. Definitions: docs/dsp.md.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import signal

from ..montage import Montage
from ..types import ConfigError, Side
from . import kernels
from .calibration import NORMS, UNITS, CalibrationSnapshot

SI_SYMMETRIC_PERCENT = 10.0   # |SI| below this reads "symmetric": a convention (10-15 %), a setting


def symmetry_index(left, right):
    """SI = (R - L) / (0.5 (R + L)) x 100 %; positive = right dominant (reference §3)."""
    left, right = np.asarray(left, dtype=np.float64), np.asarray(right, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (right - left) / (0.5 * (right + left)) * 100.0


def lr_ratio(left, right):
    """L / R, reported beside the SI."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(left, dtype=np.float64) / np.asarray(right, dtype=np.float64)


def pair_ratio(agonists, antagonists):
    """Agonist:antagonist ratio: the mean over the agonist muscles divided by the mean
    over the antagonist muscles; each argument is (k, ...) (one row per muscle)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.mean(np.asarray(agonists, dtype=np.float64), axis=0) / \
            np.mean(np.asarray(antagonists, dtype=np.float64), axis=0)


def cci(a, b, axis=0):
    """Falconer & Winter (1985) co-contraction index over a window or rep:
    CCI = 2 sum(min(A, B)) / sum(A + B) x 100 %, A and B normalised envelopes."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return 2.0 * np.minimum(a, b).sum(axis=axis) / (a + b).sum(axis=axis) * 100.0


MDF_METHODS = ("welch", "periodogram")


def median_frequency(x, fs: float, method: str = "welch", segment_s: float = 0.25):
    """Median frequency (Hz) of the filtered signal ``x`` (n,) or (n, C): the frequency
    below which half of the power lies, interpolated linearly in the cumulative power.

    ``welch`` (default): Welch's averaged periodogram, Hann window, segments of
    ``segment_s`` (0.25 s, 4 Hz bins) with 50 % overlap (scipy.signal.welch);
    ``periodogram``: one Hann-windowed periodogram of the whole span. Fatigue lowers it
    10-30 % over a hold (reference §3).
    """
    from .config import check_fs
    fs = check_fs(fs)
    x = np.asarray(x, dtype=np.float64)
    if method not in MDF_METHODS:
        raise ConfigError(f"median-frequency method {method!r} is not known; choose one of {', '.join(MDF_METHODS)}")
    if method == "welch":
        nper = min(x.shape[0], max(8, int(round(segment_s * fs))))
        f, p = signal.welch(x, fs, window="hann", nperseg=nper, axis=0)
    else:
        f, p = signal.periodogram(x, fs, window="hann", axis=0)
    cp = np.cumsum(p, axis=0)
    cp = np.concatenate((np.zeros((1,) + cp.shape[1:]), cp), axis=0)
    # bin k covers [f_k - df/2, f_k + df/2]: the cumulative power is known at the bin edges
    df = f[1] - f[0] if len(f) > 1 else fs / 2
    edges = np.concatenate(([f[0] - df / 2], f + df / 2))
    edges = np.clip(edges, 0, fs / 2)
    flat = cp.reshape(cp.shape[0], -1)
    out = np.array([np.interp(0.5 * col[-1], col, edges) if col[-1] > 0 else np.nan for col in flat.T])
    return out.reshape(cp.shape[1:]) if cp.ndim > 1 else float(out[0])


# --- live -------------------------------------------------------------------------------
@dataclass(frozen=True)
class LabelledValue:
    value: float
    norm: str                 # "mvc" | "peak" | "none"

    @property
    def unit(self) -> str:
        return UNITS[self.norm]


@dataclass(frozen=True)
class Symmetry:
    muscle: str
    left: float
    right: float
    si_percent: float
    lr_ratio: float
    norm: str


@dataclass(frozen=True)
class Ratio:
    name: str                 # "gmed:tfl", "bf+st:rf+vm"
    side: str                 # "left" | "right"
    agonist: float
    antagonist: float
    value: float
    norm: str


@dataclass(frozen=True)
class LiveIndices:
    """The newest row of the live indices, ready to show (immutable)."""
    t: float                                    # session time of the row's sample, s
    sample: int                                 # its absolute ring index
    activation: dict[str, LabelledValue]        # channel name -> normalised activation
    symmetry: tuple[Symmetry, ...]
    ratios: tuple[Ratio, ...]


class IndexLayout:
    """Which indices a montage yields, in a fixed column order, and how to compute them
    from per-channel mean envelopes (µV) and a calibration.

    Columns: ``sample``, ``act:<channel>``, then ``si:<muscle>`` and ``lr:<muscle>`` for each
    muscle recorded on both sides, then ``ratio:<pair>:<side>`` for each montage pair on each
    side where all its muscles are recorded. A value's normalisation is the best one all the
    channels it uses share (docs/dsp.md §5).
    """

    def __init__(self, montage: Montage):
        self.montage = montage
        self.names = montage.names
        cols = ["sample"] + [f"act:{n}" for n in montage.names]
        self._sym = []
        for m in montage.bilateral_muscles():
            self._sym.append((m, montage.index(m, Side.LEFT), montage.index(m, Side.RIGHT)))
            cols += [f"si:{m}", f"lr:{m}"]
        self._pairs = []
        for pair in montage.pairs:
            for side in (Side.LEFT, Side.RIGHT):
                ag = [montage.index(m, side) for m in pair.agonists]
                an = [montage.index(m, side) for m in pair.antagonists]
                if None not in ag and None not in an:
                    self._pairs.append((pair.name, side.value, ag, an))
                    cols.append(f"ratio:{pair.name}:{side.value}")
        self.columns: tuple[str, ...] = tuple(cols)
        C = len(montage)
        self._sym_lr = (np.array([l for _, l, _ in self._sym], dtype=np.intp),
                        np.array([r for _, _, r in self._sym], dtype=np.intp))
        # group means by gathering: (channels, weights) padded to the largest group; a pad
        # repeats the group's first channel with weight 0 (no 0 * inf from other channels)
        def gather(groups):
            g = max((len(x) for x in groups), default=1)
            idx = np.array([x + [x[0]] * (g - len(x)) for x in groups], dtype=np.intp).reshape(-1, g)
            w = np.array([[1.0 / len(x)] * len(x) + [0.0] * (g - len(x)) for x in groups]).reshape(-1, g)
            return idx, w
        self._pair_ag = gather([ag for _, _, ag, _ in self._pairs])
        self._pair_an = gather([an for _, _, _, an in self._pairs])
        self._pair_members = np.zeros((len(self._pairs), C), dtype=bool)
        for p, (_, _, ag, an) in enumerate(self._pairs):
            self._pair_members[p, ag + an] = True

    def rows(self, samples: np.ndarray, means: np.ndarray, cal: CalibrationSnapshot) -> tuple[np.ndarray, np.ndarray]:
        """Index rows (R, K) and their normalisation codes (K,) int8 from means (R, C) µV."""
        means = np.atleast_2d(np.asarray(means, dtype=np.float64))
        R, C = means.shape
        codes_ch = cal.norm_codes.astype(np.intp)
        S = means[None, :, :] * np.stack([cal.scale(np.full(C, q)) for q in range(len(NORMS))])[:, None, :]
        cols = np.arange(C)
        act = S[codes_ch, :, cols].T                                    # each channel in its own norm
        out = [np.asarray(samples, dtype=np.float64).reshape(-1, 1), act]
        codes = [np.zeros(1, np.int8), codes_ch]
        if self._sym:
            li, ri = self._sym_lr
            q = np.minimum(codes_ch[li], codes_ch[ri])
            left, right = S[q, :, li].T, S[q, :, ri].T                    # (R, n_sym)
            out.append(np.stack((symmetry_index(left, right), lr_ratio(left, right)), axis=2).reshape(R, -1))
            codes.append(np.repeat(q, 2))
        if self._pairs:
            q = self._pair_codes(codes_ch)
            (ai, aw), (bi, bw) = self._pair_ag, self._pair_an
            ag = (S[q[:, None], :, ai] * aw[:, :, None]).sum(axis=1).T     # (R, n_pairs): group means
            an = (S[q[:, None], :, bi] * bw[:, :, None]).sum(axis=1).T
            out.append(pair_ratio(ag[None], an[None]))
            codes.append(q)
        return np.hstack(out), np.concatenate(codes).astype(np.int8)

    def _pair_codes(self, codes_ch: np.ndarray) -> np.ndarray:
        """Per pair, the best normalisation all its channels share."""
        masked = np.where(self._pair_members, codes_ch[None, :], len(NORMS))
        return masked.min(axis=1)

    def describe(self, row: np.ndarray, codes: np.ndarray, t: float, means: np.ndarray,
                 cal: CalibrationSnapshot) -> LiveIndices:
        """A readable :class:`LiveIndices` of one row (``means``: its mean envelopes (C,) µV)."""
        names = self.names
        C = len(names)
        S = [(means * cal.scale(np.full(C, q))).tolist() for q in range(len(NORMS))]
        row = row.tolist()
        act = {n: LabelledValue(row[1 + c], NORMS[codes[1 + c]]) for c, n in enumerate(names)}
        k = 1 + C
        sym = []
        for m, l, r in self._sym:
            v = S[codes[k]]
            sym.append(Symmetry(m, v[l], v[r], row[k], row[k + 1], NORMS[codes[k]]))
            k += 2
        ratios = []
        for name, side, ag, an in self._pairs:
            v = S[codes[k]]
            ratios.append(Ratio(name, side, sum(v[i] for i in ag) / len(ag), sum(v[i] for i in an) / len(an),
                                row[k], NORMS[codes[k]]))
            k += 1
        return LiveIndices(t, int(row[0]), act, tuple(sym), tuple(ratios))

    def window(self, mean_envelope, cal: CalibrationSnapshot, t: float = float("nan"),
               sample: int = -1) -> LiveIndices:
        """The indices of one window or rep from each channel's mean envelope (C,) µV over it
        (offline analysis: the same numbers the live rows give for the same means)."""
        means = np.asarray(mean_envelope, dtype=np.float64)
        vals, codes = self.rows(np.array([sample]), means[None, :], cal)
        return self.describe(vals[0], codes, t, means, cal)


class IndexTracker:
    """Live indices from the envelope stream.

    Every ``step = max(1, round(fs / rate_hz))`` samples (at absolute samples k with
    (k + 1) % step == 0) it emits the mean of each channel's envelope over the trailing
    ``window_s`` (zeros before the stream); :attr:`layout` turns those into index rows.
    The trailing mean is exact at every sample (numba, chunk-invariant); its maximum
    feeds the peak-in-task.
    """

    def __init__(self, montage: Montage, fs: float, window_s: float = 0.5, rate_hz: float = 100.0):
        from .config import check_fs
        self.fs = check_fs(fs)
        if not window_s > 0 or not rate_hz > 0:
            raise ConfigError("index window_s and rate_hz must be positive")
        self.layout = IndexLayout(montage)
        self.columns = self.layout.columns
        self.window_s = float(window_s)
        self.step = max(1, int(round(self.fs / rate_hz)))
        C = len(montage)
        self._mean = kernels.TrailingMean(int(round(window_s * self.fs)), C)

    @property
    def window(self) -> int:
        """The trailing window in samples; rows before it has filled average in zeros."""
        return self._mean.window

    @property
    def peak_uv(self) -> np.ndarray:
        """(C,) highest trailing-window mean of the envelope so far (0 before any)."""
        return self._mean.peak.copy()

    def n_rows(self, n: int) -> int:
        """Rows the next ``n`` samples will emit."""
        k0 = int(self._mean.count[0])
        return (k0 + n) // self.step - k0 // self.step

    def means(self, envelope: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Feed a block of envelope (n, C); returns (samples (R,), means (R, C)) of the rows."""
        env = kernels.as_input(envelope)
        k0 = int(self._mean.count[0])
        rows = np.empty((self.n_rows(env.shape[0]), env.shape[1]))
        r = self._mean.block(env, self.step, rows)
        first = ((k0 + 1 + self.step - 1) // self.step) * self.step - 1
        return first + self.step * np.arange(r, dtype=np.int64), rows

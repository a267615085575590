"""Pipeline settings and the filter cascade they define (DESIGN §3, reference §1).

:func:`design` turns a :class:`PipelineConfig` and a sampling rate into the
exact scipy second-order sections the kernel runs, clamping a low-pass above
``0.45 * fs`` (with a warning the UI can show) and refusing an impossible band.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np
from scipy import signal

from ..types import ConfigError

ENVELOPES = ("rms", "linear")
MAX_FRACTION = 0.45   # no cut-off or notch above 0.45 * fs (reference §1)
NOTCH_Q = 30.0


@dataclass(frozen=True)
class PipelineConfig:
    """Filter and envelope settings; defaults from reference/semg.md §1.

    Parameters
    ----------
    hp_hz, hp_order : Butterworth high-pass, 20 Hz order 2 (De Luca et al. 2010).
    lp_hz, lp_order : Butterworth low-pass, 450 Hz order 4 (De Luca 2010), clamped to 0.45 fs.
    notch : mains notch on/off (off by default: ISEK/SENIAM advise against notching sEMG).
    mains_hz : 50 or 60; every harmonic ``k * mains_hz`` below 0.45 fs is notched (Q = 30).
    envelope : ``"rms"`` (trailing RMS over ``window_s``) or ``"linear"`` (full-wave
        rectification then a Butterworth low-pass ``linear_hz``, order ``linear_order``).
    window_s : RMS window, 100 ms (Delsys on-sensor RMS).
    linear_hz, linear_order : linear-envelope low-pass, 6 Hz order 2 (common clinical default).
    """

    hp_hz: float = 20.0
    hp_order: int = 2
    lp_hz: float = 450.0
    lp_order: int = 4
    notch: bool = False
    mains_hz: float = 50.0
    envelope: str = "rms"
    window_s: float = 0.100
    linear_hz: float = 6.0
    linear_order: int = 2

    def __post_init__(self) -> None:
        if self.envelope not in ENVELOPES:
            raise ConfigError(f"envelope {self.envelope!r} is not known; choose one of {', '.join(ENVELOPES)}")
        for name in ("hp_hz", "lp_hz", "window_s", "linear_hz"):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0):
                raise ConfigError(f"pipeline setting {name} must be a positive number, got {v!r}")
        for name in ("hp_order", "lp_order", "linear_order"):
            v = getattr(self, name)
            if not (isinstance(v, int) and 1 <= v <= 8):
                raise ConfigError(f"pipeline setting {name} must be a whole number from 1 to 8, got {v!r}")
        if self.mains_hz not in (50.0, 60.0):
            raise ConfigError(f"pipeline setting mains_hz must be 50 or 60, got {self.mains_hz!r}")

    def to_dict(self) -> dict:
        """Plain values, for the recording's TOML ``config`` attribute."""
        return asdict(self)


@dataclass(frozen=True)
class Design:
    """What a config means at one sampling rate."""
    fs: float
    sos: np.ndarray                 # (n_sections, 6) the whole cascade, a0 = 1
    lp_hz: float                    # effective low-pass (after clamping)
    notch_hz: tuple[float, ...]     # notched frequencies
    window: int                     # RMS window N in samples
    env_sos: np.ndarray             # linear-envelope low-pass (empty for RMS)
    warnings: tuple[str, ...] = field(default=())


def check_fs(fs) -> float:
    try:
        fs = float(fs)
    except (TypeError, ValueError):
        raise ConfigError(f"sampling frequency must be a positive number, got {fs!r}") from None
    if not (math.isfinite(fs) and fs > 0):
        raise ConfigError(f"sampling frequency must be a positive number, got {fs!r}")
    return fs


def design(config: PipelineConfig, fs: float) -> Design:
    """The cascade of DESIGN §3 for ``config`` at ``fs`` Hz.

    cascade = ``butter(hp_order, hp, 'highpass')``, ``butter(lp_order, min(lp, 0.45 fs),
    'lowpass')`` and one ``iirnotch(f0, 30)`` per mains harmonic below 0.45 fs when the
    notch is on, all ``output='sos'``/``fs=fs`` as in scipy.signal.
    """
    fs = check_fs(fs)
    top = MAX_FRACTION * fs
    warnings = []
    lp = config.lp_hz
    if lp > top:
        lp = top
        warnings.append(f"low-pass {config.lp_hz:g} Hz is above 0.45 x {fs:g} Hz; using {lp:g} Hz")
    if config.hp_hz >= lp:
        raise ConfigError(
            f"high-pass {config.hp_hz:g} Hz is not below the low-pass {lp:g} Hz at fs = {fs:g} Hz; "
            f"lower the high-pass or raise the sampling rate")
    parts = [signal.butter(config.hp_order, config.hp_hz, "highpass", output="sos", fs=fs),
             signal.butter(config.lp_order, lp, "lowpass", output="sos", fs=fs)]
    notch_hz: list[float] = []
    if config.notch:
        k = 1
        while k * config.mains_hz < top:
            f0 = k * config.mains_hz
            b, a = signal.iirnotch(f0, NOTCH_Q, fs=fs)
            parts.append(signal.tf2sos(b, a))
            notch_hz.append(f0)
            k += 1
    sos = np.ascontiguousarray(np.concatenate(parts), dtype=np.float64)
    sos /= sos[:, 3:4]  # a0 = 1 in every section (the kernel relies on it)
    window = max(1, int(round(config.window_s * fs)))
    if config.envelope == "linear":
        if config.linear_hz >= top:
            raise ConfigError(f"linear-envelope low-pass {config.linear_hz:g} Hz must be below "
                              f"0.45 x {fs:g} Hz; lower it")
        env_sos = signal.butter(config.linear_order, config.linear_hz, "lowpass", output="sos", fs=fs)
    else:
        env_sos = np.zeros((0, 6))
    return Design(fs, sos, float(lp), tuple(notch_hz), window, np.ascontiguousarray(env_sos, dtype=np.float64),
                  tuple(warnings))

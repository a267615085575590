"""The activation levels as an immutable view, Qt-free: each muscle's level with its
unit, and the one scale the bars and the body map share.

Each channel arrives in its own normalisation (``Session.latest_indices()``,
docs/dsp.md §5 and §8): %MVC when it has an MVC reference, else % of task peak,
else µV. Rules:

- **One scale never mixes units.** The shared scale is in the best unit present
  (%MVC, else % peak, else µV); a channel in another unit keeps its own number
  and unit but is marked ``on_scale=False``: the map hatches it and the bars draw
  it muted, so a 60 µV muscle never looks like 60 %MVC beside it.
- **µV full scale**: the 1-2-5 step over the 95th percentile of the last 10 s of
  the highest µV level (a movement artefact's spike does not shrink every muscle
  for seconds), and never under :data:`QUIET_HEADROOM` times the highest quiet
  level (rest mean, else the lowest 500 ms mean seen) nor :data:`MIN_UV_FULL_SCALE`:
  a resting muscle fills a fifth of the scale at most, so noise is never painted
  as activity.
- %MVC and % peak have a full scale of 100.
"""
from __future__ import annotations

import collections
import math
from dataclasses import dataclass

import numpy as np

from ..dsp.calibration import NORMS, UNITS, CalibrationSnapshot
from ..dsp.indices import LiveIndices
from ..montage import Montage
from ..types import Side

HISTORY_S = 10.0            # the µV scale follows the last 10 s
PEAK_PERCENTILE = 95.0
QUIET_HEADROOM = 5.0        # µV full scale >= 5 x the quiet level: rest fills <= 20 %
MIN_UV_FULL_SCALE = 20.0    # before any quiet level is known
SCALE_STEPS_UV = np.array([b * 10.0 ** e for e in range(0, 6) for b in (1, 2, 5)])
UNIT_ORDER = tuple(UNITS[n] for n in reversed(NORMS))   # best first: %MVC, % peak, µV
NORM_TEXT = {"%MVC": "levels: %MVC", "% peak": "levels: % of task peak (no MVC)",
             "µV": "levels: µV envelope (not calibrated)"}


def nice_scale(amplitude: float, current: float) -> float:
    """The 1-2-5 step that holds ``amplitude``; keeps ``current`` while it still
    fits well (40-100 % used), so the scale does not hop every second."""
    if current and 0.4 * current <= amplitude <= current:
        return current
    i = np.searchsorted(SCALE_STEPS_UV, amplitude)
    return float(SCALE_STEPS_UV[min(i, len(SCALE_STEPS_UV) - 1)])


@dataclass(frozen=True)
class Level:
    """One channel's level: the number to print with its unit, and the bar length."""
    muscle: str
    side: Side
    value: float
    unit: str
    fraction: float       # of its own unit's full scale, 0..1 (NaN: no value)
    on_scale: bool        # in the shared scale's unit (else drawn hatched / muted)

    @property
    def text(self) -> str:
        return f"{self.value:.0f}" if math.isfinite(self.value) else "—"


@dataclass(frozen=True)
class LevelsView:
    levels: tuple[Level, ...] = ()
    unit: str = ""                # the shared scale's unit
    full_scale: float = 100.0     # ... and its full scale
    uv_full_scale: float = 0.0    # the µV full scale (0: no µV channel)
    legend: str = ""              # the map's colour bar top: "100 %MVC"
    header: str = ""              # the bars' header: "full bar = 100 %MVC"
    norm_text: str = ""           # what the levels are: "levels: %MVC"

    @property
    def mixed(self) -> bool:
        return any(not lv.on_scale for lv in self.levels)

    def level(self, muscle: str, side: Side) -> Level | None:
        return next((lv for lv in self.levels if lv.muscle == muscle and lv.side == side), None)

    @property
    def spoken(self) -> str:
        """Every level in words (accessible description)."""
        parts = [f"{lv.muscle} {lv.side.value} {lv.text} {lv.unit}" for lv in self.levels]
        return f"{self.norm_text}; " + ", ".join(parts) if parts else "no levels yet"


class LevelsModel:
    """The levels of a session's montage, one :class:`LevelsView` per :meth:`update`."""

    def __init__(self, montage: Montage):
        self.montage = montage
        self._peaks: collections.deque[tuple[float, float]] = collections.deque()
        self._uv_scale = 0.0
        self.view = LevelsView()

    def update(self, live: LiveIndices, calibration: CalibrationSnapshot | None = None) -> LevelsView:
        chans = self.montage.assigned   # an unassigned channel has no place on the map or the bars
        vals = [live.activation[c.name] for c in chans]
        units = {v.unit for v in vals}
        uv = [v.value for v in vals if v.unit == "µV" and math.isfinite(v.value)]
        if uv:
            self._peaks.append((live.t, max(uv)))
            while live.t - self._peaks[0][0] > HISTORY_S:
                self._peaks.popleft()
            floor = max(MIN_UV_FULL_SCALE, QUIET_HEADROOM * self._quiet_uv(calibration, vals))
            amp = max(float(np.percentile([p for _, p in self._peaks], PEAK_PERCENTILE)), floor)
            self._uv_scale = nice_scale(amp, self._uv_scale)
        scale_unit = next(u for u in UNIT_ORDER if u in units)
        full = {u: (self._uv_scale if u == "µV" else 100.0) for u in units}
        levels = tuple(Level(c.muscle, c.side, v.value, v.unit,
                             min(1.0, max(0.0, v.value / full[v.unit])) if math.isfinite(v.value) else math.nan,
                             v.unit == scale_unit) for c, v in zip(chans, vals))
        if len(units) == 1:
            legend, header = f"{full[scale_unit]:g} {scale_unit}", f"full bar = {full[scale_unit]:g} {scale_unit}"
            norm = NORM_TEXT[scale_unit]
        else:   # some channels calibrated, some not: each in its own unit, said so
            ordered = [u for u in UNIT_ORDER if u in units]
            fulls = " / ".join(f"{full[u]:g} {u}" for u in ordered)
            legend = f"{full[scale_unit]:g} {scale_unit}; hatched: {', '.join(ordered[1:])}"
            header = f"per channel: {', '.join(ordered)}, full bar {fulls}"
            norm = f"levels: {scale_unit} where calibrated, else " + " / ".join(ordered[1:])
        self.view = LevelsView(levels, scale_unit, full[scale_unit], self._uv_scale if uv else 0.0,
                               legend, header, norm)
        return self.view

    def _quiet_uv(self, cal: CalibrationSnapshot | None, vals) -> float:
        """The highest quiet level (µV) among the channels shown in µV (0 when unknown)."""
        if cal is None:
            return 0.0
        quiet = np.where(np.isfinite(cal.rest_mean_uv), cal.rest_mean_uv,
                         cal.floor_uv if cal.floor_uv is not None else np.nan)
        q = [quiet[i] for i, v in enumerate(vals) if v.unit == "µV" and np.isfinite(quiet[i])]
        return float(max(q)) if q else 0.0

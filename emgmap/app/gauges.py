"""The index gauges as immutable views, Qt-free: what each live index says and
whether it may be judged.

The numbers come from the DSP (``Session.latest_indices()``, docs/dsp.md §6 and
§8): symmetry index SI = (R - L) / (0.5 (R + L)) x 100 % per bilateral muscle
(positive = right dominant) with L/R beside it, and agonist:antagonist ratios
per montage pair and side, each labelled with its normalisation. This model
decides what a clinician sees, and the rule is: **a number gets a zone (a
colour, a pill, a warning) only when its inputs are comparable with the range
it is judged against.**

- The zones' ranges are %MVC ranges (reference/semg.md §3-4: a symmetry
  threshold of 10-20 % and the expected agonist:antagonist ratios come from
  MVC-normalised studies; amplitudes are only comparable across muscles, and
  across the two sides' electrodes, after MVC normalisation). A value in % of
  task peak or in µV is shown, muted and with its unit, never zoned: the gauge
  says "calibrate MVC to judge".
- Below a real activity threshold an index is noise over noise: "at rest",
  neutral, and a gap in its trend. The threshold of a channel, in µV, is the
  highest of: its rest mean + 3 SD (Hodges & Bui 1996, the usual onset
  criterion), :data:`ACTIVE_OVER_QUIET` times its quiet level (rest mean, else
  the lowest 500 ms mean seen) and :data:`ACTIVE_MVC_PCT` %MVC. An index is
  active when either of its two sides (muscle groups) is above its threshold.
- During a unilateral set only the working side is judged; the resting leg's
  ratios are shown muted ("resting leg").
- A ratio without an expected range for its pair is never zoned.

Views subscribe with :meth:`GaugesModel.subscribe`; :meth:`GaugesModel.update`
returns the new views (the application layer's ``LiveState`` carries them).
"""
from __future__ import annotations

import collections
import enum
import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..analysis.judgement import ACTIVE_MVC_PCT, JUDGED_UNIT   # the one rule, offline and live
from ..dsp.calibration import NORMS, UNITS, CalibrationSnapshot
from ..dsp.indices import LiveIndices
from ..montage import Montage
from ..protocols import Zones
from ..types import Side

ACTIVE_REST_SD = 3.0      # rest mean + 3 SD: Hodges & Bui 1996 onset threshold
ACTIVE_OVER_QUIET = 2.0   # twice the quiet level: stationary rest noise stays under ~1.5x its floor
# With no calibration known at all (no quiet level yet): a fixed floor per unit.
FALLBACK_MIN_LEVEL = {"%MVC": 5.0, "% peak": 5.0, "µV": 10.0}


class GaugeKind(str, enum.Enum):
    SYMMETRY = "symmetry"
    RATIO = "ratio"


class Zone(str, enum.Enum):
    """A judged value's zone (:class:`~emgmap.protocols.Zones` decides which)."""
    GREEN = "green"
    AMBER = "amber"
    RED = "red"

    @property
    def word(self) -> str:
        return {"green": "ok", "amber": "watch", "red": "imbalance"}[self.value]


class NotJudged(str, enum.Enum):
    """Why a gauge has no zone; the value is the text the gauge shows."""
    WAITING = "waiting for data"
    AT_REST = "at rest"
    NOT_MVC = "calibrate MVC to judge"
    RESTING_LEG = "resting leg"
    NO_RANGE = "no expected range for this pair"


@dataclass(frozen=True)
class GaugeView:
    """One index as shown: value with its unit, the zone or why there is none
    (``status_text``), a detail line with the inputs and the trend (times and values;
    NaN is a gap)."""
    key: str                    # "si gmed" | "ratio gmed:tfl left"
    name: str                   # the muscle or the pair: "gmed" | "gmed:tfl"
    title: str                  # "gmed L/R" | "gmed:tfl L"
    kind: GaugeKind
    side: Side | None = None    # a ratio's side
    value: float = float("nan")
    unit: str = ""              # the unit of the inputs: "%MVC", "% peak", "µV"
    zone: Zone | None = None
    reason: NotJudged | None = NotJudged.WAITING
    detail: str = NotJudged.WAITING.value
    expected: tuple[float, float] | None = None   # a ratio's expected range (the protocol's)
    trend_t: tuple[float, ...] = ()
    trend_v: tuple[float, ...] = ()

    @property
    def judged(self) -> bool:
        return self.zone is not None

    @property
    def value_text(self) -> str:
        if not math.isfinite(self.value):
            return "—"
        if self.kind == GaugeKind.SYMMETRY:
            text = f"{self.value:+.0f} %"
            return text + ("  R" if self.value > 0 else "  L") if abs(self.value) >= 1 else text
        return f"{self.value:.2f}"

    @property
    def status_text(self) -> str:
        """The zone word, or why the value is not judged."""
        return self.zone.word if self.zone is not None else (self.reason.value if self.reason else "")

    @property
    def spoken(self) -> str:
        """The whole reading in one sentence (accessible description, tests)."""
        name = f"{self.name} {'left/right' if self.side is None else self.side.value}"
        if not math.isfinite(self.value):
            return f"{name}: {self.status_text}"
        value = self.value_text.replace("  R", " right dominant").replace("  L", " left dominant")
        unit = f" {self.unit}" if self.unit and self.kind == GaugeKind.RATIO else ""
        judged = self.zone.word if self.zone is not None else f"not judged: {self.reason.value}"
        return f"{name} {value}{unit}, {judged}"


def activity_thresholds_uv(cal: CalibrationSnapshot | None) -> np.ndarray | None:
    """(C,) µV level above which each channel counts as active (see the module notes);
    None when nothing is known yet (no quiet level, no rest, no MVC)."""
    if cal is None:
        return None
    quiet = np.where(np.isfinite(cal.rest_mean_uv), cal.rest_mean_uv,
                     cal.floor_uv if cal.floor_uv is not None else np.nan)
    sd = np.where(np.isfinite(cal.rest_sd_uv), cal.rest_sd_uv, 0.0)
    with np.errstate(invalid="ignore"):
        thr = np.fmax(np.fmax(quiet + ACTIVE_REST_SD * sd, ACTIVE_OVER_QUIET * quiet),
                      ACTIVE_MVC_PCT / 100.0 * cal.mvc_uv)
    return thr if np.isfinite(thr).any() else None


def activity_pct_mvc(cal: CalibrationSnapshot | None) -> np.ndarray | None:
    """(C,) each channel's activity threshold (:func:`activity_thresholds_uv`) in %MVC: NaN
    for a channel without MVC; None when nothing is known yet."""
    thr = activity_thresholds_uv(cal)
    if thr is None:
        return None
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(cal.mvc_uv > 0, 100.0 * thr / cal.mvc_uv, np.nan)


class _Gauge:
    """A gauge's fixed parts and its trend (mutable, private to the model)."""

    def __init__(self, key: str, name: str, title: str, kind: GaugeKind, side: Side | None,
                 channels: tuple[list, list], expected: tuple[float, float] | None, trend_s: float):
        self.key, self.name, self.title, self.kind, self.side, self.expected = key, name, title, kind, side, expected
        self.channels = channels        # (left or agonist columns, right or antagonist columns)
        self.trend: collections.deque[tuple[float, float]] = collections.deque()
        self.trend_s = trend_s
        self.view = GaugeView(key, name, title, kind, side, expected=expected)

    def show(self, t: float, **fields) -> GaugeView:
        v = fields.get("value", float("nan"))
        self.trend.append((t, v if fields.get("reason") not in (NotJudged.AT_REST, NotJudged.RESTING_LEG) else
                           float("nan")))
        while self.trend and t - self.trend[0][0] > self.trend_s:
            self.trend.popleft()
        tt, tv = zip(*self.trend)
        self.view = GaugeView(self.key, self.name, self.title, self.kind, self.side, expected=self.expected,
                              trend_t=tt, trend_v=tv, **fields)
        return self.view


class GaugesModel:
    """The gauges for a session's montage.

    Parameters
    ----------
    montage : the session's montage (its pairs are the ratios the session computes).
    zones : colour zones (a protocol's, else the defaults).
    expected : pair name -> expected ratio range (a protocol's), for the ratio zones.
    muscles : symmetry gauges for these muscles only (a protocol's); default: every
        muscle recorded on both sides.
    trend_s : how much history each gauge's trend keeps.
    """

    def __init__(self, montage: Montage, zones: Zones = Zones(), *,
                 expected: dict[str, tuple[float, float]] | None = None, muscles: tuple[str, ...] | None = None,
                 trend_s: float = 30.0):
        self.montage = montage
        self.zones = zones
        self.trend_s = trend_s
        self._gauges: list[_Gauge] = []
        for m in montage.bilateral_muscles():
            if muscles is None or m in muscles:
                cols = ([montage.index(m, Side.LEFT)], [montage.index(m, Side.RIGHT)])
                self._gauges.append(_Gauge(f"si {m}", m, f"{m} L/R", GaugeKind.SYMMETRY, None, cols, None, trend_s))
        for p in montage.pairs:
            for side in (Side.LEFT, Side.RIGHT):
                ag = [montage.index(m, side) for m in p.agonists]
                an = [montage.index(m, side) for m in p.antagonists]
                if None not in ag and None not in an:
                    self._gauges.append(_Gauge(f"ratio {p.name} {side.value}", p.name, f"{p.name} {side.short}",
                                               GaugeKind.RATIO, side, (ag, an), (expected or {}).get(p.name),
                                               trend_s))
        self._by_key = {g.key: g for g in self._gauges}
        self._listeners: list[Callable[["GaugesModel"], None]] = []

    @property
    def gauges(self) -> tuple[GaugeView, ...]:
        """The newest view of every gauge, in montage order (symmetry first, then ratios)."""
        return tuple(g.view for g in self._gauges)

    def subscribe(self, fn: Callable[["GaugesModel"], None]) -> None:
        self._listeners.append(fn)

    def update(self, live: LiveIndices, calibration: CalibrationSnapshot | None = None, *,
               working_side: Side | None = None) -> tuple[GaugeView, ...]:
        """Take the session's newest labelled indices. ``calibration``: the snapshot they
        were computed with (rest, quiet level and MVC give the activity thresholds);
        ``working_side``: during a unilateral set, the leg that works (the other is not judged)."""
        thr_uv = activity_thresholds_uv(calibration)
        C = len(self.montage)
        scales = ({q: calibration.scale(np.full(C, k)) for k, q in enumerate(NORMS)}
                  if calibration is not None else {})

        def active(cols: list, level: float, norm: str) -> bool:
            """Whether a group's mean level (in ``norm``) is above its mean threshold."""
            if not math.isfinite(level):
                return False
            thr = float(np.mean(thr_uv[cols] * scales[norm][cols])) if thr_uv is not None else math.nan
            return level >= (thr if math.isfinite(thr) else FALLBACK_MIN_LEVEL[UNITS[norm]])

        t = live.t
        for s in live.symmetry:
            g = self._by_key.get(f"si {s.muscle}")
            if g is None:
                continue
            unit = UNITS[s.norm]
            lr = f"L {s.left:.0f}  R {s.right:.0f} {unit}"
            if not (active(g.channels[0], s.left, s.norm) or active(g.channels[1], s.right, s.norm)) \
                    or not math.isfinite(s.si_percent):
                g.show(t, unit=unit, reason=NotJudged.AT_REST, detail=f"at rest   {lr}")
            elif unit != JUDGED_UNIT:
                g.show(t, value=s.si_percent, unit=unit, reason=NotJudged.NOT_MVC, detail=lr)
            else:
                g.show(t, value=s.si_percent, unit=unit, zone=Zone(self.zones.symmetry(s.si_percent)), reason=None,
                       detail=f"{lr}   L/R {s.lr_ratio:.2f}")
        for r in live.ratios:
            g = self._by_key.get(f"ratio {r.name} {r.side}")
            if g is None:
                continue
            unit = UNITS[r.norm]
            ag, an = r.name.split(":")
            levels = f"{ag} {r.agonist:.0f} : {an} {r.antagonist:.0f} {unit}"
            expected = f"   expected {g.expected[0]:g}-{g.expected[1]:g}" if g.expected else ""
            if working_side is not None and g.side != working_side:
                g.show(t, value=r.value, unit=unit, reason=NotJudged.RESTING_LEG, detail=levels)
            elif not (active(g.channels[0], r.agonist, r.norm) or active(g.channels[1], r.antagonist, r.norm)) \
                    or not math.isfinite(r.value):
                g.show(t, unit=unit, reason=NotJudged.AT_REST, detail=f"at rest   {levels}")
            elif unit != JUDGED_UNIT:
                g.show(t, value=r.value, unit=unit, reason=NotJudged.NOT_MVC, detail=levels)
            elif g.expected is None:
                g.show(t, value=r.value, unit=unit, reason=NotJudged.NO_RANGE, detail=levels)
            else:
                g.show(t, value=r.value, unit=unit, zone=Zone(self.zones.ratio(r.value, g.expected)), reason=None,
                       detail=levels + expected)
        views = self.gauges
        for fn in self._listeners:
            fn(self)
        return views

"""The live stride-by-stride gait view, Qt-free: a feed that builds the gait
analysis while someone walks or runs, and the model of what the screen shows.

:class:`GaitFeed` listens on a live session (its acquisition thread, so no
sample is missed and the screen's thread does no signal work): it reads the
session's rings through a lossless cursor, hands them to a
:class:`~emgmap.analysis.gait.GaitTracker` every :data:`FEED_EVERY_S` seconds,
writes each accepted contact and toe-off as a typed ``gait`` event (so a
recording made meanwhile has them, as offline), and keeps the tracker's
snapshot for :meth:`LiveSession.poll <emgmap.app.live.LiveSession.poll>`.
The guided session's :class:`~emgmap.app.runner.PlanRunner` uses the same feed
for the bouts of its plan.

:class:`GaitLiveModel` turns that snapshot into :class:`GaitScreen`: cadence,
stride counts, per muscle the left and right ensembles (mean and SD over the
strides so far) and the stance-activation symmetry index with its zone. As on
the index gauges (app/gauges.py), an SI gets a zone only in %MVC: the two legs'
electrodes are comparable only after MVC normalisation (reference/semg.md §3);
in µV it is shown muted with "calibrate MVC to judge". A muscle nearly silent in
stance has no SI (noise over noise: docs/gait.md "symmetry").
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from ..analysis.gait import GaitTracker, LiveGait
from ..dsp.gait_events import Gait
from ..protocols import Zones
from ..types import ConfigError, Side

FEED_EVERY_S = 0.25   # detection runs on 6 s of signal (~5 ms at 1 kHz): 4 times a second, not every block


@dataclass(frozen=True)
class GaitStatus:
    """What the feed has: the tracker's snapshot (None before the first stride), or why
    there is no stride view (``problem``: no foot switch, accelerometer or knee angle)."""
    mode: Gait
    gait: LiveGait | None = None
    problem: str = ""


class GaitFeed:
    """Feeds a :class:`GaitTracker` from ``session`` while walking or running.

    ``spans``: (start, end) session seconds to analyse (a plan's bouts); None: all of it.
    ``record``: write the accepted gait events to the session (and so to its recording).
    The tracker is built at the first sample analysed, with the calibration captured by
    then (%MVC when every channel has an MVC reference, else µV; the rest baseline's noise
    power is subtracted); it starts over when the calibration changes (a new rest baseline
    or MVC trial), so one ensemble never mixes two normalisations.
    """

    def __init__(self, session, mode: Gait | str, *, spans: list[tuple[float, float]] | None = None,
                 record: bool = True, source: str = "auto", every_s: float = FEED_EVERY_S):
        self.session, self.mode, self.spans, self.record, self.source = session, Gait(mode), spans, record, source
        self.every = int(max(1, every_s * session.fs))
        self.tracker: GaitTracker | None = None
        self.problem = ""
        self._cursor = session.rings.cursor()
        self._buf: list = []
        self._n = 0
        self._calibration: tuple[bytes, bytes] | None = None
        self._clock = (np.empty(0), np.empty(0))    # (sample clock, session time) of the tracker's window
        # the snapshot the screen reads, replaced whole after each feed: a 20 Hz poll neither
        # recomputes the ensembles nor waits for the acquisition thread's stride analysis
        self._status = GaitStatus(self.mode)
        self._attached = False

    def attach(self) -> "GaitFeed":
        """Follow the session on its acquisition thread (a plan runner calls :meth:`step` itself)."""
        self.session.add_listener(self._on_block)
        self._attached = True
        return self

    def close(self) -> None:
        if self._attached:
            self.session.remove_listener(self._on_block)
            self._attached = False

    def _on_block(self, block) -> None:
        self.step()

    def step(self) -> None:
        """Read what the session acquired since the last step; feed the tracker every
        :data:`FEED_EVERY_S` s of signal, and at the end of each span (its last stride)."""
        if self.problem:
            return
        frame, _ = self._cursor.read()
        if frame.n:
            inside = np.ones(frame.n, dtype=bool)
            if self.spans is not None:
                inside[:] = False
                for a, b in self.spans:
                    inside |= (frame.t >= a) & (frame.t < b)
            if inside.any():
                self._buf.append((frame.sample_index[inside] / self.session.fs, frame.t[inside],
                                  frame.filtered[inside], frame.aux[inside]))
                self._n += int(inside.sum())
        if not self._buf:
            return
        span_over = self.spans is not None and frame.n and not inside[-1]
        if self._n >= self.every or span_over:
            u, t, x, aux = (np.concatenate(parts) for parts in zip(*self._buf))
            self._buf, self._n = [], 0
            self._feed(u, t, x, aux)

    def _feed(self, u: np.ndarray, t: np.ndarray, x: np.ndarray, aux: np.ndarray) -> None:
        """The tracker runs on the device's sample clock ``u`` (sample index / fs): a replay at
        8x has session times 8x closer, and the runner's strides are in the file's seconds;
        its events are put back on session time ``t``."""
        s = self.session
        cal = s.calibration.snapshot()
        key = (np.asarray(cal.mvc_uv).tobytes(), np.asarray(cal.rest_mean_uv).tobytes())
        if self.tracker is None or key != self._calibration:
            self._calibration = key
            try:
                self.tracker = GaitTracker(s.fs, s.montage, [a[0] for a in s.spec.aux],
                                           [a[1] for a in s.spec.aux], mvc_uv=cal.mvc_uv,
                                           rest_uv=cal.rest_mean_uv, mode=self.mode, source=self.source)
                self._status = GaitStatus(self.mode)   # a new normalisation: the ensembles start over
            except ConfigError as e:   # no usable gait channel: offline analysis falls back to the EMG
                self.problem = str(e)
                self._buf = []
                self._status = GaitStatus(self.mode, None, self.problem)
                return
        events = self.tracker.feed(u, x, aux)
        self._clock = (np.concatenate([self._clock[0], u]), np.concatenate([self._clock[1], t]))
        self._clock = (self._clock[0][-self.tracker.n_keep:], self._clock[1][-self.tracker.n_keep:])
        if events:   # the ensembles change only with a new stride
            state = self.tracker.state()
            self._status = GaitStatus(self.mode, state if state.strides else None)
        if self.record:
            u_held, t_held = self._clock
            for ev in events:
                s.add_event(replace(ev, onset_s=float(np.interp(ev.onset_s, u_held, t_held))))

    def status(self) -> GaitStatus:
        """The snapshot after the last feed (any thread; an attribute read, never a wait)."""
        return self._status


# --- the screen -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SideCurve:
    mean: np.ndarray   # (101,) ensemble mean over the strides so far
    sd: np.ndarray     # (101,) its SD


@dataclass(frozen=True)
class MuscleScreen:
    muscle: str
    left: SideCurve | None
    right: SideCurve | None
    si: float | None          # stance-activation SI %, None: not available (yet, or not judged)
    si_text: str              # "SI -18 %", "SI —", "swing muscle"
    zone: str | None          # green / amber / red when judged (Zones.symmetry), else None
    note: str                 # why it is not judged ("" when judged)


@dataclass(frozen=True)
class GaitScreen:
    """One frame of the stride view (immutable)."""
    title: str                # "Run · events from footswitch"
    cadence_text: str         # "170 steps/min" ("—" before the first stride)
    strides_text: str         # "L 12 · R 11 strides"
    strides: int              # both feet together
    new_stride: bool          # more strides than the previous frame
    unit: str                 # the ensembles' unit (%MVC or µV)
    muscles: tuple[MuscleScreen, ...]
    message: str              # waiting, why there is no stride view, or why the SIs are not judged
    tracking: bool = True     # False: no gait channel, nothing will come (the panels are pointless)


class GaitLiveModel:
    """The stride view's model: ``muscles`` (bilateral, in order) judged with ``zones``."""

    def __init__(self, muscles: list[str], zones: Zones | None = None):
        self.muscles = list(muscles)
        self.zones = zones or Zones()
        self._strides = 0

    def update(self, status: GaitStatus | None) -> GaitScreen:
        mode = status.mode.value.capitalize() if status is not None else "Gait"
        g = status.gait if status is not None else None
        if g is None:
            problem = status.problem if status is not None else ""
            message = problem or "waiting for the first strides (each appears about 1 s after its foot lands) …"
            return GaitScreen(mode, "— steps/min", "", 0, False, "",
                              tuple(MuscleScreen(m, None, None, None, "SI —", None, "") for m in self.muscles),
                              message, tracking=not problem)
        new = g.strides > self._strides
        self._strides = g.strides
        sides = [g.sides.get(Side.LEFT), g.sides.get(Side.RIGHT)]
        cad = [s.cadence_spm for s in sides if s is not None]
        counts = " · ".join(f"{side.short} {s.strides}" for side, s in zip((Side.LEFT, Side.RIGHT), sides)
                            if s is not None)
        judged = g.unit == "%MVC"
        muscles = []
        for m in self.muscles:
            curves = [SideCurve(s.mean[m], s.sd[m]) if s is not None and m in s.mean else None for s in sides]
            si = g.symmetry.get(m)
            if si is None:
                muscles.append(MuscleScreen(m, *curves, None, "SI —", None, "waiting for both legs"))
            elif not math.isfinite(si):
                muscles.append(MuscleScreen(m, *curves, None, "swing muscle", None,
                                            "little stance activity: not judged"))
            else:
                muscles.append(MuscleScreen(m, *curves, si, f"SI {si:+.0f} %",
                                            self.zones.symmetry(si) if judged else None,
                                            "" if judged else "calibrate MVC to judge"))
        return GaitScreen(f"{mode} · events from {g.source}", f"{float(np.mean(cad)):.0f} steps/min",
                          f"{counts} strides", g.strides, new, g.unit, tuple(muscles),
                          "" if judged else f"activation in {g.unit}: symmetry shown, not judged (calibrate MVC to judge)")

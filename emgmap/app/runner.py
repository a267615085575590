"""Walk a :class:`~emgmap.protocols.plan.Plan` alongside a running session.

The runner listens on the session's acquisition thread (so it keeps pace with an
unpaced simulator and never misses a span that is still in the rings): when a
planned span has passed it writes its event (labels of DESIGN §3), captures the
rest baseline and each MVC trial from the envelope ring, and analyses each set
the moment it ends. The set results are the session's live summary;
``emgmap analyze`` on the recording gives the same numbers.
"""
from __future__ import annotations

import threading

import numpy as np

from ..events import Event, EventKind
from ..analysis import ONSET_LEAD_S, Analysis, SetResult, analyze, exercise_symmetry, from_session
from ..protocols.plan import Plan
from ..session import Session
from ..types import SampleBlock
from .gait_live import GaitFeed


def write_order(e: Event) -> tuple[float, bool]:
    """Events are written when their span has passed; at equal end times a set's reps are
    written (and analysed) before the set."""
    return (e.end_s, e.kind is EventKind.SET)


class PlanRunner:
    def __init__(self, session: Session, plan: Plan):
        self.session = session
        self.plan = plan
        self._pending = sorted(plan.events(), key=write_order)
        self.sets: list[SetResult] = []
        self.notes: list[str] = []
        self.normalization = "none"
        self.unit = "µV"
        self._lock = threading.Lock()
        self.done = threading.Event()
        # walking/running with foot switches, accelerometers or knee angles: gait events live, stride by stride
        gait = plan.protocol.gait
        self.gait: GaitFeed | None = GaitFeed(session, gait.mode, spans=[(b.start, b.end) for b in plan.of_kind("set")]) \
            if gait is not None and session.spec.aux else None
        session.add_listener(self._on_block)

    @property
    def written(self) -> int:
        return len(self.plan.events()) - len(self._pending)

    def _on_block(self, block: SampleBlock) -> None:
        now = self.session.now_s()
        if self.gait is not None:
            self.gait.step()
        while self._pending and self._pending[0].end_s <= now:
            self._write(self._pending.pop(0))
        if now >= self.plan.duration:
            self.done.set()

    def _write(self, ev: Event):
        """Write one planned event whose span has passed, and act on it: capture the
        rest baseline or the MVC trial (returns its best-500 ms means, µV), analyse the set."""
        s = self.session
        s.add_event(ev)
        if ev.kind is EventKind.REST:
            s.capture_rest(ev.onset_s, ev.end_s, event=False)
        elif ev.kind is EventKind.MVC:
            return s.capture_mvc(ev.onset_s, ev.end_s, channels=[ev.channel], event=False)
        elif ev.kind is EventKind.SET and self.plan.protocol.gait is None:   # gait bouts: the gait analysis, offline
            self._analyse_set(ev)
        return None

    def _analyse_set(self, ev) -> None:
        data = from_session(self.session, ev.onset_s - ONSET_LEAD_S - 0.1, ev.onset_s + ev.duration_s,
                            self.plan.protocol.source or self.plan.protocol.name)
        result = analyze(data, [ev])
        with self._lock:
            self.sets += result.sets
            self.normalization, self.unit = result.normalization, result.unit
            self.notes = list(dict.fromkeys(self.notes + result.notes))

    def summary(self, name: str = "") -> Analysis:
        """The live analysis so far, in the shape ``emgmap analyze`` gives."""
        with self._lock:
            sets = list(self.sets)
            return Analysis(name, self.session.fs, self.normalization, self.unit, self.session.montage, sets,
                            exercise_symmetry(sets, self.session.montage), list(self.notes))

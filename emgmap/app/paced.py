"""A clinician-paced guided session: the plan's stages start when the clinician says so.

:func:`~emgmap.protocols.plan.build_plan` lays a session out on a fixed clock,
which suits a headless run; at the plinth the clinician places electrodes,
positions the patient and starts each stage when the patient is ready, and
repeats an MVC trial that looks wrong. :class:`PacedRunner` cuts the plan into
stages (signal check, rest baseline, each MVC trial, each set with its reps);
:meth:`PacedRunner.start_next` moves the next stage to "now + a countdown" and
from then on it behaves exactly like :class:`~emgmap.protocols.runner.PlanRunner`:
the same events with the labels of DESIGN §3, written when each span has passed,
the same rest and MVC captures, each set analysed when it ends. Qt-free; the
dashboard's session wizard drives it from key presses.
"""
from __future__ import annotations

import math
import threading
from dataclasses import dataclass, replace

from ..events import Event, EventKind
from ..protocols.model import MVC_POSITIONS
from ..protocols.plan import Cue, Plan, Step
from ..session import Session
from ..sim import ContractionList
from ..types import ConfigError
from .runner import PlanRunner, write_order

COUNTDOWN_S = 3.0   # "starts in 3, 2, 1": the patient gets ready, the simulated subject too


@dataclass(frozen=True)
class Trial:
    """One captured MVC trial: its step label (``mvc gmed left``), its number among the
    trials of that label, and its best-500 ms mean (µV) on the tested channel."""
    label: str
    number: int
    best_uv: float


@dataclass(frozen=True)
class PacedSnapshot:
    """What the runner has done, for a screen to show without taking its lock."""
    trials: tuple[Trial, ...]
    current_stage: "Stage | None"
    next_stage: "Stage | None"
    finished: bool


@dataclass(frozen=True)
class Stage:
    """One thing the clinician starts: ``check``, ``rest``, one ``mvc`` trial or one ``set``
    (the set step followed by its reps), at the plan's own times."""
    kind: str
    steps: tuple[Step, ...]

    @property
    def head(self) -> Step:
        return self.steps[0]

    @property
    def title(self) -> str:
        h = self.head
        if self.kind == "mvc":
            return f"MVC {h.channel}, trial {h.number}/{h.of}"
        if self.kind == "set":
            return f"set {h.number}/{h.of}: {h.label}"
        return {"check": "signal check", "rest": "rest baseline"}[self.kind]


def _trial(step: Step, number: int, of: int, repeat: bool = False) -> Step:
    """An MVC trial step numbered ``number`` of ``of``: trials are numbered in the order they
    run, a repeat included, so the screen's counter is the number the trial is captured under."""
    trial = f"trial {number}/{of}" + (" (repeat)" if repeat else "")
    return replace(step, number=number, of=of, instruction=f"MVC {step.muscle} {step.side.value}, {trial}: "
                                                           f"{MVC_POSITIONS[step.muscle]}; push as hard as possible")


def stages(plan: Plan) -> list[Stage]:
    """The plan cut where the clinician takes over: a set keeps its reps."""
    out: list[Stage] = []
    for s in plan.steps:
        if s.kind == "rep":
            out[-1] = Stage("set", out[-1].steps + (s,))
        else:
            out.append(Stage(s.kind, (s,)))
    return out


class PacedRunner(PlanRunner):
    """Walk ``plan`` stage by stage as the clinician starts each one.

    ``subject``: the simulated subject of a ``sim`` device (``driver.subject``); each
    started stage adds its contractions (:meth:`Plan.sim_schedule`) so the simulated
    subject follows the clinician's pace. ``countdown_s`` separates the key press from the
    stage's start.
    """

    def __init__(self, session: Session, plan: Plan, *, subject=None, countdown_s: float = COUNTDOWN_S):
        self._plock = threading.Lock()   # _pending: filled here, emptied on the acquisition thread
        self.stages = stages(plan)
        self.position = 0                # the next stage to start
        self.current: Plan | None = None  # the running stage at session times
        self.current_stage: Stage | None = None
        self.trials: list[Trial] = []
        self.subject = subject
        self.countdown_s = countdown_s
        if subject is not None:
            subject.schedule = ContractionList([])  # the subject rests until told
        super().__init__(session, plan)
        self._pending = []

    # -- what the clinician does -----------------------------------------------------
    @property
    def finished(self) -> bool:
        """Every stage started, and the last one's events written."""
        return self.done.is_set()

    def busy(self, t: float) -> bool:
        """A stage is counting down or running at session time ``t``."""
        return self.current is not None and t < self.current.duration

    @property
    def can_repeat(self) -> bool:
        """The stage just started or run is an MVC trial (another trial can follow)."""
        return self.current_stage is not None and self.current_stage.kind == "mvc"

    @property
    def next_stage(self) -> Stage | None:
        return self.stages[self.position] if self.position < len(self.stages) else None

    def start_next(self) -> Stage:
        """Start the next stage after the countdown; raises ConfigError while one runs."""
        stage = self.next_stage
        if stage is None:
            raise ConfigError("the session has no stage left; save the report or start a new session")
        self._start(stage)
        self.position += 1
        return stage

    def repeat_trial(self) -> Stage:
        """Run the last MVC trial once more (same label, the next trial number)."""
        if not self.can_repeat:
            raise ConfigError("only an MVC trial can be repeated; press R right after the trial")
        h = self.current_stage.head
        of = h.of + 1   # one trial more of this muscle and side: the ones still to come follow it
        stage = Stage("mvc", (_trial(h, h.number + 1, of, repeat=True),))
        self._start(stage)
        k = h.number + 2
        for i in range(self.position, len(self.stages)):
            st = self.stages[i]
            if st.kind == "mvc" and st.head.label == h.label:
                self.stages[i] = Stage("mvc", (_trial(st.head, k, of),))
                k += 1
        return stage

    def _start(self, stage: Stage) -> None:
        now = self.session.now_s()
        if self.busy(now):
            raise ConfigError(f"{self.current_stage.title} is still running; wait for it to end")
        offset = now + self.countdown_s - stage.head.start   # a set's rest lead-in is the countdown
        steps = [replace(s, start=s.start + offset) for s in stage.steps]
        current = Plan(self.plan.protocol, self.plan.montage, steps)
        if self.subject is not None:
            new = current.sim_schedule(self.subject).contractions
            self.subject.schedule = ContractionList(self.subject.schedule.contractions + new)
        with self._plock:
            self._pending += sorted(current.events(), key=write_order)
        self.current, self.current_stage = current, stage

    # -- what the screen shows -------------------------------------------------------
    def cue_at(self, t: float) -> Cue:
        """The cue at session time ``t``: ``ready`` during the countdown, the stage's own
        cues while it runs, ``waiting`` for the clinician between stages, then ``done``."""
        cur = self.current
        if cur is not None and t < cur.duration:
            first = cur.steps[0]
            if t < first.start:
                return Cue(first, "ready", f"{self.current_stage.title} starts in {math.ceil(first.start - t)}",
                           first.start - t)
            return cur.cue_at(t)
        nxt = self.next_stage
        if nxt is None:
            return Cue(None, "done", "Session complete", 0.0)
        return Cue(None, "waiting", f"Next: {nxt.title}", 0.0)

    def snapshot(self) -> PacedSnapshot:
        with self._plock:
            return PacedSnapshot(tuple(self.trials), self.current_stage, self.next_stage, self.finished)

    # -- on the acquisition thread ---------------------------------------------------
    def _on_block(self, block) -> None:
        now = self.session.now_s()
        while True:
            with self._plock:
                if not self._pending or self._pending[0].end_s > now:
                    empty = not self._pending
                    break
                planned = self._pending.pop(0)
            self._write(planned)
        if empty and self.position == len(self.stages) and self.current is not None and now >= self.current.duration:
            self.done.set()

    def _write(self, planned: Event):
        best = super()._write(planned)
        if planned.kind is EventKind.MVC:
            col = self.session.montage.names.index(planned.channel)
            with self._plock:
                n = 1 + sum(1 for t in self.trials if t.label == planned.label)
                self.trials.append(Trial(planned.label, n, float(best[col])))
        return best

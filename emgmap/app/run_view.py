"""The run page of the guided session, Qt-free: the cue word, the instruction, the
counters, the keys and what the stage measured (channel check, MVC trials,
biofeedback), as one immutable :class:`RunView` per look. The wizard widget draws
it; this module decides what it says.

- Phase words say the effort, not a direction: a rep is GO / HOLD / BACK / REST,
  so a squat's "Squat down slowly" never sits under "UP" (the protocol's cue text
  says which way to move).
- An MVC trial's READY screen and the wait before it show the test position
  (:data:`~emgmap.protocols.model.MVC_POSITIONS`); between trials of one muscle a
  rest countdown runs for the protocol's ``mvc_rest_s``; the trial counter is the
  number the trial is captured under (:class:`~emgmap.app.paced.PacedRunner`
  numbers trials in the order they run, a repeat included).
- Target and dominance are judged by :class:`~emgmap.app.biofeedback.Biofeedback`
  on every index row of the working side, only in %MVC and only above the
  activity threshold.
"""
from __future__ import annotations

import enum
import math
from dataclasses import dataclass

from ..montage import MusclePair
from ..protocols.model import MVC_POSITIONS
from ..quality import channel_quality
from ..types import EmgmapError, Side
from .biofeedback import Biofeedback
from .gauges import activity_pct_mvc
from .paced import PacedRunner, Stage
from .wizard_flow import QualityRow, Verdict, quality_rows

PHASE_WORDS = {"up": "GO", "hold": "HOLD", "down": "BACK", "rest": "REST", "mvc": "PUSH!", "ready": "GET READY",
               "check": "SIGNAL CHECK", "baseline": "RELAX", "waiting": "READY?", "done": "DONE",
               "stopped": "STOPPED"}


class Tone(str, enum.Enum):
    """How a detail line reads: the view picks the colour."""
    PLAIN = "plain"
    GOOD = "good"
    BAD = "bad"


@dataclass(frozen=True)
class DetailLine:
    text: str
    tone: Tone = Tone.PLAIN
    big: bool = False


@dataclass(frozen=True)
class RunView:
    """The run page at one instant. ``phase`` keys the cue colour; ``quality`` is the
    signal check's table (empty outside it)."""
    phase: str
    word: str
    text: str = ""
    counter: str = ""
    remaining: str = ""
    keys: str = ""
    lines: tuple[DetailLine, ...] = ()
    quality: tuple[QualityRow, ...] = ()
    per_lane: bool = False          # an MVC trial: each trace lane on its own scale
    target: float | None = None     # the bars' target line (fraction of MVC), None: none
    beep: bool = False              # a target was reached since the last look

    @property
    def quality_head(self) -> str:
        bad = [q for q in self.quality if q.verdict != Verdict.OK]
        return "every channel OK" if not bad else f"{len(bad)} channel(s) need attention"

    @property
    def spoken(self) -> str:
        return ". ".join(x for x in (self.word, self.text, self.counter, self.remaining) if x)


def pair_text(pair: str, side: str) -> str:
    """``TFL outruns GMED (left)``."""
    p = MusclePair.parse(pair)
    return f"{'+'.join(p.antagonists).upper()} outruns {'+'.join(p.agonists).upper()} ({side})"


def _position(stage: Stage | None) -> str:
    if stage is None or stage.kind != "mvc":
        return ""
    return f"Position: {MVC_POSITIONS.get(stage.head.muscle, stage.head.muscle)}"


class RunScreen:
    """What the run page shows for ``runner``'s session. ``feedback`` judges the sets;
    ``recording`` is named when the device stops."""

    def __init__(self, runner: PacedRunner, feedback: Biofeedback, recording: str):
        self.runner = runner
        self.feedback = feedback
        self.recording = recording
        self.quality: tuple[QualityRow, ...] = ()
        self.dominance_text = ""
        self._cursor = runner.session.rings.index_cursor()
        self._checked: Stage | None = None
        self._lines: tuple[DetailLine, ...] = ()

    def working_side(self, now: float) -> Side | None:
        """The leg of the unilateral set running at ``now`` (None outside a set, or a bilateral one)."""
        r = self.runner
        stage = r.current_stage
        if stage is None or stage.kind != "set" or not r.busy(now):
            return None
        return r.current.steps[0].side

    def update(self, now: float) -> RunView:
        r = self.runner
        s = r.session
        if not s.running:   # device lost or failed: the window has closed the recording
            return RunView("stopped", PHASE_WORDS["stopped"], f"{s.status.message or 'the device stopped'}; the "
                           f"recording so far is kept in {self.recording}", keys="Esc: close the session")
        cue = r.cue_at(now)
        step, stage, busy = cue.step, r.current_stage, r.busy(now)
        phase, text, left = cue.phase, cue.text, cue.remaining_s
        nxt = r.next_stage
        if phase == "ready":
            text = "\n".join(x for x in (text, _position(stage)) if x)
        elif phase == "waiting":
            rest = self._mvc_rest_left(now)
            if rest > 0:
                phase, left = "rest", rest
                text = f"Rest before the next trial. Next: {nxt.title}"
            text = "\n".join(x for x in (text, _position(nxt)) if x)
        counter = ""
        set_step = cue.set_step or (step if step is not None and step.kind == "set" else None)
        if step is not None and step.kind == "rep":
            counter = f"rep {step.number}/{step.of}"
            if set_step is not None:
                counter += f" · set {set_step.number}/{set_step.of}"
            if step.side is not None:
                counter += f" · {step.side.value.upper()} leg"
        elif step is not None and step.kind == "mvc":
            counter = f"{step.muscle} {step.side.value} · trial {step.number}/{step.of}"
        if busy:
            keys = "Esc: abort"
        else:
            keys = ((f"Space: start {nxt.title}" if nxt else "") + ("   R: repeat the MVC trial" if r.can_repeat
                                                                     else "") + "   Esc: abort")
        view = dict(phase=phase, word=PHASE_WORDS.get(phase, phase.upper()), text=text, counter=counter,
                    remaining=f"{math.ceil(left)} s" if left > 0 else "",   # whole seconds, never a stale "0 s"
                    keys=keys, per_lane=stage is not None and stage.kind == "mvc")
        return RunView(**view, **self._detail(stage, now, busy))

    def _mvc_rest_left(self, now: float) -> float:
        """Seconds of rest still due before the next MVC trial of the same muscle and side."""
        r = self.runner
        cur, nxt = r.current_stage, r.next_stage
        if cur is None or nxt is None or cur.kind != "mvc" or nxt.kind != "mvc" or cur.head.label != nxt.head.label:
            return 0.0
        return r.plan.protocol.calibration.mvc_rest_s - (now - r.current.duration)

    def _detail(self, stage: Stage | None, now: float, busy: bool) -> dict:
        r = self.runner
        if stage is None:
            return {}
        if stage.kind == "check":
            if not busy and self._checked is not stage:
                self._checked = stage
                self.quality = self._check(r.current.steps[0])
            self._cursor.read()
            return {"quality": self.quality} if self.quality else {"lines": (DetailLine("checking every channel…"),)}
        if stage.kind == "set":
            return self._biofeedback(now)
        self._cursor.read()   # outside the sets: rows are not judged
        if stage.kind == "mvc":
            h = stage.head
            rows = [f"{h.muscle} {h.side.value} trial {t.number}: {t.best_uv:.0f} µV"
                    for t in r.snapshot().trials if t.label == h.label]
            return {"lines": (DetailLine("captured: " + ", ".join(rows)),)} if rows else {}
        return {}

    def _check(self, step) -> tuple[QualityRow, ...]:
        s = self.runner.session
        try:
            raw = s.window(step.start, step.end).raw
        except EmgmapError as e:
            return (QualityRow("all", Verdict.FLAT, str(e)),)
        q = channel_quality(raw, s.fs, power_line_hz=s.spec.power_line_hz, range_uv=s.spec.range_uv)
        return quality_rows(q, s.montage.names)

    def _biofeedback(self, now: float) -> dict:
        """Target on the working side's prime mover and the dominance warning, judged on
        every index row since the last look."""
        r, fb = self.runner, self.feedback
        s = r.session
        target = fb.target.target_pct / 100.0 if fb.calibrated else None
        new = self._cursor.read()
        if not new.n:
            return {"lines": self._lines, "target": target}
        set_step = r.current.steps[0]
        keep = new.values[:, 0] >= set_step.start
        sides = (set_step.side.value,) if set_step.side is not None else ("left", "right")
        hits = fb.feed(new.values[keep], new.norms[keep], sides, active_pct=activity_pct_mvc(s.calibration.snapshot()))
        lines = []
        reached = [n for n, up in fb.target.above.items() if up]
        if reached:
            lines.append(DetailLine(f"✓ target {fb.target.target_pct:.0f} %MVC reached: {', '.join(reached)}",
                                    Tone.GOOD, True))
        if fb.warnings:
            lines.append(DetailLine("⚠ " + "; ".join(pair_text(*k) for k in fb.warnings), Tone.BAD, True))
        if fb.episodes:
            self.dominance_text = "; ".join(f"{pair_text(*k)}: {n}× this session"
                                            for k, n in sorted(fb.episodes.items()))
            lines.append(DetailLine(self.dominance_text))
        if not fb.calibrated:
            lines.append(DetailLine(f"{fb.prime_mover} has no MVC yet: no target or dominance judgement"))
        self._lines = tuple(lines)
        return {"lines": self._lines, "target": fb.target.target_pct / 100.0 if fb.calibrated else None,
                "beep": bool(hits)}

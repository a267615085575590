"""The cue plan of a guided session: signal check -> rest baseline -> MVC trials
-> exercise sets (up / hold / down / rest) -> summary, with exact times.

The same plan drives the clinician's cues, the events written to the
recording (labels of DESIGN §3 "Event labels") and, in simulation, the
simulated subject, so a whole session runs headless with a known truth.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..events import Event, EventKind
from ..montage import Montage, Side
from ..sim import EXERCISES, Contraction, ContractionList, Simulator
from ..sim.model import generic_exercise
from ..types import ConfigError
from .model import MVC_POSITIONS, Protocol

PHASES = ("up", "hold", "down", "rest")


@dataclass(frozen=True)
class Step:
    kind: str                  # check | rest | mvc | set | rep
    label: str
    start: float               # s from the session start
    duration: float
    channel: str = ""          # mvc: the channel tested
    side: Side | None = None   # set/rep: the working leg of a unilateral exercise
    number: int = 0            # mvc: trial 1..n; rep: k within its set; set: 1..n
    of: int = 0                # how many of those
    set_label: str = ""        # rep: its set
    instruction: str = ""      # what the clinician tells the patient
    muscle: str = ""           # mvc: the muscle tested

    @property
    def end(self) -> float:
        return self.start + self.duration


@dataclass(frozen=True)
class Cue:
    """What the screen shows at one instant."""
    step: Step | None          # the rep / mvc / rest / check step, None between steps
    phase: str                 # up | hold | down | rest | mvc | check | baseline | walk | run | done
    text: str
    remaining_s: float         # until the phase ends
    set_step: Step | None = None


@dataclass
class Plan:
    protocol: Protocol
    montage: Montage
    steps: list[Step] = field(default_factory=list)

    @property
    def duration(self) -> float:
        """Until the end of the last step, the rest after the last rep included."""
        return max((s.end + (self.protocol.timing.rest if s.kind == "rep" else 0.0) for s in self.steps),
                   default=0.0)

    def of_kind(self, kind: str) -> list[Step]:
        return [s for s in self.steps if s.kind == kind]

    def phases(self, rep: Step) -> list[tuple[str, float, float]]:
        """(phase, start, duration) of a rep, rest included."""
        t = self.protocol.timing
        out, start = [], rep.start
        for name, d in zip(PHASES, (t.ramp_up, t.hold, t.ramp_down, t.rest)):
            if d > 0:
                out.append((name, start, d))
            start += d
        return out

    def event(self, step: Step) -> Event:
        """The event a rest, mvc, set or rep step writes (DESIGN §3)."""
        name = self.protocol.name
        if step.kind == "rest":
            return Event.rest(step.start, step.duration)
        if step.kind == "mvc":
            return Event.mvc(step.muscle, step.side, step.channel, step.start, step.duration)
        if step.kind == "set":
            return Event.set(name, step.side, step.start, step.duration)
        if step.kind == "rep":
            return Event.repetition(name, step.side, step.number, step.start, step.duration)
        raise ValueError(f"a {step.kind} step writes no event")

    def events(self) -> list[Event]:
        """Every planned event in time order: rest, mvc, set, rep (DESIGN §3) and cue
        (one per phase of each rep)."""
        ev = []
        for s in self.steps:
            if s.kind in ("rest", "mvc", "set", "rep"):
                ev.append(self.event(s))
            if s.kind == "rep":
                ev += [Event.cue(name, start, d) for name, start, d in self.phases(s)]
        return sorted(ev, key=lambda e: (e.onset_s, e.kind is not EventKind.SET))

    def cue_at(self, t: float) -> Cue:
        """The cue to show at session time ``t``."""
        set_step = next((s for s in self.of_kind("set") if s.start <= t < s.end + self.protocol.timing.rest), None)
        if self.protocol.gait is not None and set_step is not None and t < set_step.end:
            return Cue(set_step, self.protocol.gait.mode, set_step.instruction, set_step.end - t, set_step)
        for s in self.steps:
            if s.kind == "set" or not (s.start <= t < s.end + (self.protocol.timing.rest if s.kind == "rep" else 0)):
                continue
            if s.kind == "rep":
                for name, start, d in self.phases(s):
                    if start <= t < start + d:
                        return Cue(s, name, self.protocol.cues.get(name, name), start + d - t, set_step)
            phase = {"check": "check", "rest": "baseline", "mvc": "mvc"}[s.kind]
            return Cue(s, phase, s.instruction, s.end - t, set_step)
        if t >= self.duration:
            return Cue(None, "done", "Session complete", 0.0)
        nxt = min((s for s in self.steps if s.start > t and s.kind != "set"), key=lambda s: s.start)
        return Cue(None, "rest", f"Rest. Next: {nxt.label}", nxt.start - t, set_step)

    # -- simulation ---------------------------------------------------------------
    def sim_schedule(self, sim: Simulator) -> ContractionList:
        """The simulated subject's contractions for this plan: 100 %MVC (best of the
        trials, the others 90-100 %) on the tested channel during an MVC trial, the
        scenario's exercise levels with rep-to-rep variation and rising fatigue in reps;
        a walking/running bout (sim/gait.py) for each set of a gait protocol.

        The plan's channels are found on the simulator by muscle and side (the plan may use a
        montage with its own channel names); a protocol the simulator has no profile for
        (no ``simulate_as``, a name not in its exercises) gets a generic one
        (:func:`~emgmap.sim.model.generic_exercise`)."""
        p = self.protocol
        exercise = p.simulate_as or p.name
        if exercise not in EXERCISES and self.of_kind("rep"):
            if p.simulate_as:
                raise ConfigError(f"protocol {p.name!r}: simulate_as {p.simulate_as!r} is not a simulator exercise; "
                                  f"valid: {', '.join(EXERCISES)}")
            exercise = generic_exercise(p.name, p.prime_mover, p.muscles, p.unilateral)
        out: list[Contraction] = []
        rng = np.random.default_rng([sim.config.seed, 6])
        for s in self.of_kind("mvc"):
            effort = 100.0 if s.number == 1 else 100.0 * rng.uniform(0.9, 1.0)
            ramp = min(0.5, s.duration / 4)
            ch = self.montage.channels[self.montage.names.index(s.channel)]
            i = sim.montage.index(ch.muscle, ch.side)
            if i is None:  # the simulated subject has no electrode there: the trial stays at rest
                continue
            out.append(Contraction(s.start, ramp, s.duration - 2 * ramp, ramp, {i: effort},
                                   kind="mvc", label=s.label))
        if self.protocol.gait is not None:
            out += [sim.gait_bout(self.protocol.gait.mode, s.start, s.end) for s in self.of_kind("set")]
        t = self.protocol.timing
        for k, s in enumerate(self.of_kind("rep")):
            levels, lags = sim.exercise_levels(exercise, s.side)
            fatigue = sim.config.fatigue * (s.number - 1) / max(1, s.of - 1)
            out.append(sim.vary(k, Contraction(s.start, t.ramp_up, t.hold, t.ramp_down, levels, lags,
                                               fatigue=fatigue, kind="rep", label=s.label)))
        return ContractionList(out)


def build_plan(protocol: Protocol, montage: Montage, *, with_calibration: bool = True) -> Plan:
    """Lay out a session of ``protocol`` on ``montage``.

    MVC trials cover each protocol muscle on each side where the montage has
    it (``mvc <muscle> <side>``, channel = that channel), ``mvc_trials`` times
    with ``mvc_rest_s`` between; sets follow with ``set_rest_s`` before each.
    """
    missing = protocol.missing_muscles(montage)
    if len(missing) == len(protocol.muscles):
        raise ConfigError(f"protocol {protocol.name!r} records {', '.join(protocol.muscles)}, none of which is "
                          f"on the montage ({', '.join(montage.names)}); edit the montage")
    cal, tm = protocol.calibration, protocol.timing
    steps: list[Step] = []
    t = 0.0
    if with_calibration:
        steps.append(Step("check", "signal check", t, cal.signal_check_s,
                          instruction="Signal check: patient relaxed, check every channel"))
        t += cal.signal_check_s
        steps.append(Step("rest", "rest", t, cal.rest_s, instruction="Rest baseline: relax completely, stay still"))
        t += cal.rest_s
        for m in protocol.muscles:
            for side in (Side.LEFT, Side.RIGHT):
                i = montage.index(m, side)
                if i is None:
                    continue
                for trial in range(1, cal.mvc_trials + 1):
                    t += cal.mvc_rest_s
                    steps.append(Step("mvc", f"mvc {m} {side.value}", t, cal.mvc_s, channel=montage.names[i],
                                      side=side, number=trial, of=cal.mvc_trials, muscle=m,
                                      instruction=f"MVC {m} {side.value}, trial {trial}/{cal.mvc_trials}: "
                                                  f"{MVC_POSITIONS[m]}; push as hard as possible"))
                    t += cal.mvc_s
    if protocol.gait is not None:   # walking/running: each bout is one set, no reps
        g = protocol.gait
        for n in range(1, g.bouts + 1):
            t += cal.set_rest_s
            steps.append(Step("set", protocol.name, t, g.duration_s, number=n, of=g.bouts,
                              instruction=g.instruction))
            t += g.duration_s
        return Plan(protocol, montage, steps)
    period = tm.rep_s + tm.rest
    labels = protocol.set_labels()
    for n, (label, side) in enumerate(labels, 1):
        t += cal.set_rest_s
        set_start = t
        for k in range(1, tm.reps + 1):
            steps.append(Step("rep", f"{label} rep {k}", t, tm.rep_s, side=side, number=k, of=tm.reps,
                              set_label=label, instruction=protocol.cues.get("up", "")))
            t += period
        steps.insert(len(steps) - tm.reps, Step("set", label, set_start, t - tm.rest - set_start, side=side,
                                                number=n, of=len(labels), instruction=protocol.position))
    return Plan(protocol, montage, steps)

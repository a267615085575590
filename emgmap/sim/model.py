"""The simulator's signal model (reference/semg.md §4-5).

sEMG of channel c = activation_c(t) / 100 * MVC_RMS_c * unit-RMS noise shaped
by the Shwedyk spectrum (mixed towards a lower-frequency spectrum as the
muscle fatigues), plus crosstalk from neighbouring muscles, baseline noise,
mains, ECG, motion bursts at rep transitions, DC offset and drift. Everything
is drawn from one seed, frame by frame, so the samples do not depend on how a
reader chunks them.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
from scipy import signal

from ..montage import Montage, Side, lower_limb_montage
from ..types import ConfigError
from .gait import AUX_CHANNELS, PROFILES, GaitBout, GaitMode, GaitTruth, standing_aux
from .schedule import Contraction, ContractionList, RepeatingExercise, Schedule


# --- spectrum ----------------------------------------------------------------
def shwedyk_sos(fs: float, f_low: float = 60.0, f_high: float = 120.0) -> np.ndarray:
    """Digital filter whose output spectrum for white input follows Shwedyk (1977).

    P(f) = k f_h^4 f^2 / ((f^2 + f_l^2)(f^2 + f_h^2)^2) is |H|^2 of the analog
    H(s) = s / ((s + w_l)(s + w_h)^2); discretised with the bilinear transform
    and scaled so that unit-variance white noise in gives unit RMS out.
    """
    wl, wh = 2 * np.pi * f_low, 2 * np.pi * f_high
    z, p, k = signal.bilinear_zpk([0.0], [-wl, -wh, -wh], 1.0, fs)
    sos = signal.zpk2sos(z, p, k)
    impulse = np.zeros(int(fs * 2))
    impulse[0] = 1.0
    gain = np.sqrt(np.sum(signal.sosfilt(sos, impulse) ** 2))
    sos[0, :3] /= gain
    return sos


# --- physiology ----------------------------------------------------------------
# MVC amplitude, µV RMS (reference §5: 150-600, gluteals lower than vasti).
MVC_RMS_UV = {"gmed": 250.0, "gmax": 220.0, "tfl": 300.0, "vm": 500.0, "vl": 550.0,
              "rf": 400.0, "bf": 320.0, "st": 300.0, "es": 200.0}
# Movement (and its motion artefact) starts this long after the EMG onset: electromechanical
# delay (~50 ms) plus the time for force to move the limb.
MOTION_DELAY_S = 0.2
# Neighbours that pick up each other's signal (reference §5: tfl-gmed, vl-rf).
CROSSTALK = (("tfl", "gmed"), ("vl", "rf"), ("vm", "rf"), ("bf", "st"))


@dataclass(frozen=True)
class Exercise:
    """Healthy activation (%MVC, centre of reference §4) and timing of one rep."""
    name: str
    unilateral: bool
    levels: dict[str, float]
    lags: dict[str, float]
    ramp_up: float = 1.5
    hold: float = 1.0
    ramp_down: float = 1.5
    rest: float = 2.0


_Q = ("vm", "vl", "rf")
_H = ("bf", "st")


def _levels(gmed, gmax, tfl, ham, quad, es) -> dict[str, float]:
    return {"gmed": gmed, "gmax": gmax, "tfl": tfl, **{m: ham for m in _H}, **{m: quad for m in _Q}, "es": es}


EXERCISES: dict[str, Exercise] = {e.name: e for e in (
    Exercise("clamshell", True, _levels(39, 36, 15, 7, 4, 15), {"gmed": 0.0, "gmax": 0.03, "tfl": 0.06}),
    Exercise("side_lying_abduction", True, _levels(81, 29, 54, 10, 8, 20), {"gmed": 0.0, "tfl": 0.04}),
    Exercise("bridge", False, _levels(19, 22, 15, 27, 10, 49), {"gmax": 0.0, "bf": 0.06, "st": 0.06, "es": 0.02}),
    Exercise("single_leg_bridge", True, _levels(55, 45, 20, 50, 15, 47), {"gmax": 0.0, "bf": 0.05, "st": 0.05}),
    Exercise("single_leg_squat", True, _levels(70, 57, 27, 32, 65, 22), {"vm": 0.0, "vl": 0.0, "gmed": 0.02}),
    Exercise("step_up", True, _levels(61, 55, 25, 25, 60, 20), {"vm": 0.0, "vl": 0.0, "gmax": 0.03}),
    Exercise("lateral_band_walk", False, _levels(45, 30, 35, 10, 15, 15), {"gmed": 0.0, "tfl": 0.03}),
    # gait: peak %MVC over the cycle; timing from sim/gait.py's normative patterns
    *(Exercise(p.mode.value, False, dict(p.levels), {}) for p in PROFILES.values()),
)}
NON_WORKING_SIDE = 0.2  # the resting leg of a unilateral exercise, relative to the working one


def generic_exercise(name: str, prime_mover: str, muscles, unilateral: bool) -> Exercise:
    """An exercise the simulator has no published profile for (a user's protocol without
    ``simulate_as``): the prime mover at 40 %MVC, the protocol's other muscles at 20 %MVC and
    10-50 ms later, everything else at a resting 3 %MVC. Plausible, not a reference."""
    levels = {m: 3.0 for m in MVC_RMS_UV}
    levels.update({m: 20.0 for m in muscles})
    levels[prime_mover] = 40.0
    lags = {m: 0.05 for m in muscles}
    lags[prime_mover] = 0.0
    return Exercise(name, unilateral, levels, lags)


@dataclass(frozen=True)
class Scenario:
    name: str
    exercise: str
    description: str
    gains: dict[tuple[str, str | None], float] = field(default_factory=dict)  # (muscle, side|None) -> x
    lags: dict[str, float] = field(default_factory=dict)
    delays: dict[tuple[str, str], float] = field(default_factory=dict)  # gait: (muscle, side) -> onset delay, s


def _asym_factor(si_percent: float) -> float:
    """Left gain that makes SI = (R - L) / (0.5 (R + L)) equal ``si_percent``."""
    s = si_percent / 100
    return (1 - s / 2) / (1 + s / 2)


SCENARIOS: dict[str, Scenario] = {s.name: s for s in (
    Scenario("healthy", "bridge", "healthy profile: published activation levels"),
    Scenario("quad_dominant_sls", "single_leg_squat", "quad-dominant single-leg squat: vl x1.3 (vl/vm up 30 %), gmax x0.6",
             {("vl", None): 1.3, ("gmax", None): 0.6}),
    Scenario("tfl_dominant_clam", "clamshell", "TFL-dominant clamshell: tfl x3, gmed x0.6, tfl fires first",
             {("tfl", None): 3.0, ("gmed", None): 0.6}, {"tfl": 0.0, "gmed": 0.08}),
    Scenario("hamstring_dominant_bridge", "bridge", "hamstring-dominant bridge: bf x1.5, gmax x0.6, bf fires first",
             {("bf", None): 1.5, ("gmax", None): 0.6}, {"bf": 0.0, "st": 0.03, "gmax": 0.1}),
    Scenario("lr_asymmetry", "bridge", "left/right asymmetry: left gmed weaker, SI = +25 % (right dominant)",
             {("gmed", "left"): _asym_factor(25.0)}),
    Scenario("late_gmed_right", "run", "running with a late and weak right gluteus medius: its pattern starts "
             "40 ms later and peaks 25 % lower than the left's", {("gmed", "right"): 0.75},
             delays={("gmed", "right"): 0.040}),
)}


@dataclass(frozen=True)
class SimConfig:
    fs: float = 2000.0
    channels: int = 8
    seed: int = 0
    scenario: str = "healthy"
    exercise: str | None = None       # None: the scenario's exercise
    severity: float = 1.0             # how much of the scenario's imbalance: 0 healthy, 1 as described
    scatter: float = 0.3              # between-subject scatter of activation levels (SD, fraction)
    rep_variation: float = 0.1        # rep-to-rep effort variation (SD, fraction)
    fatigue: float = 0.3              # spectral compression reached at the end of a set (0..1)
    reps_per_set: int = 5             # unilateral demo: the working leg alternates each set
    lead_in: float = 5.0              # rest before the first rep, s
    artifacts: bool = True
    power_line_hz: float = 50.0
    mains_uv: float = 8.0             # mean mains amplitude per channel (5-100 in the wild)
    drop_rate: float = 0.0            # probability that a 50 ms frame is lost
    disconnect_at: float | None = None
    saturate_at: float | None = None  # channel 0 rails for 1 s from this time
    range_uv: float = 187_500.0       # ADS1299 full scale at gain 24
    counter: bool = False             # last channel carries the sample index (loss checks)
    cadence: float | None = None      # gait: steps per minute (None: the mode's normative cadence)

    def __post_init__(self) -> None:
        if not (self.fs > 0):
            raise ConfigError(f"sim fs must be positive, got {self.fs}")
        if not 1 <= self.channels <= 18:
            raise ConfigError(f"sim channels must be 1 to 18, got {self.channels}")
        if self.scenario not in SCENARIOS:
            raise ConfigError(f"unknown scenario {self.scenario!r}; valid: {', '.join(SCENARIOS)}")
        if not 0 <= self.severity <= 1:
            raise ConfigError(f"sim severity must be in [0, 1], got {self.severity}")
        if self.exercise is not None and self.exercise not in EXERCISES:
            raise ConfigError(f"unknown exercise {self.exercise!r}; valid: {', '.join(EXERCISES)}")
        if not 0 <= self.drop_rate < 1:
            raise ConfigError(f"sim drop_rate must be in [0, 1), got {self.drop_rate}")
        if self.cadence is not None and not 40 <= self.cadence <= 240:
            raise ConfigError(f"sim cadence must be 40 to 240 steps per minute, got {self.cadence}")
        if self.power_line_hz not in (50.0, 60.0):
            raise ConfigError(f"sim mains must be 50 or 60 Hz, got {self.power_line_hz}")

    @property
    def exercise_name(self) -> str:
        return self.exercise or SCENARIOS[self.scenario].exercise

    @property
    def gait_mode(self) -> GaitMode | None:
        """walk or run when the exercise is gait, else None."""
        name = self.exercise_name
        return GaitMode(name) if name in GaitMode._value2member_map_ else None


def sim_montage(channels: int) -> Montage:
    """The simulator's channels: the first ``channels`` of the lower-limb order
    (:func:`emgmap.montage.lower_limb_montage`: gmed, gmax, tfl, bf (L/R), then vm, vl, rf, st, es)."""
    return lower_limb_montage(channels)


class SimTruth:
    """What the simulator really did, for tests and known-truth analysis."""

    def __init__(self, sim: "Simulator"):
        self._sim = sim
        self.mvc_rms_uv: np.ndarray = sim.mvc_rms_uv
        self.dropped: list[tuple[int, int]] = []   # [start, stop) sample ranges lost

    @property
    def gait(self) -> list[GaitTruth]:
        """The truth of every gait bout the simulator was given, in time order."""
        return [b.truth(self._sim.montage.names) for b in self._sim.gait_bouts]

    def activation(self, start: int, n: int) -> np.ndarray:
        """(n, C) %MVC of each channel's own muscle for samples [start, start + n)."""
        t = (start + np.arange(n)) / self._sim.fs
        return self._sim.activation(t)[0]

    def emg_rms_uv(self, activation: np.ndarray) -> np.ndarray:
        """Expected RMS µV of the muscle signal (with crosstalk) for a constant activation row."""
        a = np.asarray(activation) / 100 * self.mvc_rms_uv
        return np.sqrt((self._sim.crosstalk ** 2) @ (a ** 2))


class Simulator:
    """Generates the sEMG of a :class:`SimConfig` in fixed 50 ms frames."""

    def __init__(self, config: SimConfig, montage: Montage | None = None, schedule: Schedule | None = None):
        self.config = cfg = config
        self.fs = cfg.fs
        self.montage = montage or sim_montage(cfg.channels)
        if len(self.montage) != cfg.channels:
            raise ConfigError(f"sim montage has {len(self.montage)} channels, config asks for {cfg.channels}")
        C = cfg.channels
        self.frame_len = max(1, int(round(cfg.fs * 0.05)))
        rng = np.random.default_rng([cfg.seed, 1])
        muscles = [c.muscle for c in self.montage.channels]
        # per-channel electrode/subject scatter of the MVC amplitude (L and R differ a little)
        self.mvc_rms_uv = np.array([MVC_RMS_UV[m] for m in muscles]) * np.clip(
            1 + 0.1 * rng.standard_normal(C), 0.8, 1.2)
        # crosstalk mixing matrix (row = receiving channel)
        self.crosstalk = np.eye(C)
        if cfg.artifacts:
            for a, b in CROSSTALK:
                for side in (Side.LEFT, Side.RIGHT):
                    i, j = self.montage.index(a, side), self.montage.index(b, side)
                    if i is not None and j is not None:
                        self.crosstalk[i, j] = rng.uniform(0.05, 0.15)
                        self.crosstalk[j, i] = rng.uniform(0.05, 0.15)
        self.baseline_uv = rng.uniform(1.5, 4.0, C)
        self._art = {
            "mains": rng.uniform(0.25, 1.75, (3, C)) * cfg.mains_uv * np.array([[1.0], [0.3], [0.1]]),
            "mains_phase": rng.uniform(0, 2 * np.pi, (3, C)),
            "dc": rng.uniform(-2000, 2000, C),
            "drift": rng.uniform(100, 500, C), "drift_f": rng.uniform(0.01, 0.05, C),
            "drift_phase": rng.uniform(0, 2 * np.pi, C),
            "ecg": np.array([rng.uniform(100, 200) if c.muscle == "es" else
                             (rng.uniform(10, 30) if c.side == Side.LEFT else 0.0)
                             for c in self.montage.channels]),
            "ecg_period": 60.0 / rng.uniform(60, 90), "ecg_phase": rng.uniform(0, 1),
        }
        self._subject = {m: float(np.clip(1 + cfg.scatter * rng.standard_normal(), 0.5, 1.5))
                         for m in MVC_RMS_UV}
        self.schedule = schedule if schedule is not None else self.demo_schedule()
        self._sos = shwedyk_sos(cfg.fs)
        self._sos_fatigued = shwedyk_sos(cfg.fs, 45.0, 90.0)  # 25 % lower corners
        zi = signal.sosfilt_zi(self._sos)
        self._zi = np.repeat(zi[:, :, None], C, axis=2) * 0.0
        self._zi_f = self._zi.copy()
        self._rng = np.random.default_rng([cfg.seed, 2])
        self._drop_rng = np.random.default_rng([cfg.seed, 3])
        self._draws = np.empty((0,))
        self._next = 0
        self.truth = SimTruth(self)

    # -- schedules ---------------------------------------------------------------
    def exercise_levels(self, exercise: str | Exercise, working: Side | None) -> tuple[dict[int, float], dict[int, float]]:
        """Per-channel %MVC and onset lags of one rep of ``exercise`` (a name in EXERCISES, or an
        :class:`Exercise`) under this scenario."""
        ex = exercise if isinstance(exercise, Exercise) else EXERCISES[exercise]
        sc = SCENARIOS[self.config.scenario]
        levels, lags = {}, {}
        for i, ch in enumerate(self.montage.channels):
            base = ex.levels.get(ch.muscle, 0.0) * self._subject[ch.muscle]
            gain = sc.gains.get((ch.muscle, None), 1.0) * sc.gains.get((ch.muscle, ch.side.value), 1.0)
            gain = 1.0 + self.config.severity * (gain - 1.0)  # a partly corrected imbalance (reassessments)
            side_factor = 1.0 if working is None or ch.side == working else NON_WORKING_SIDE
            levels[i] = base * gain * side_factor
            healthy_lag = ex.lags.get(ch.muscle, 0.1)
            lags[i] = healthy_lag + self.config.severity * (sc.lags.get(ch.muscle, healthy_lag) - healthy_lag)
        return levels, lags

    def gait_bout(self, mode: GaitMode | str, start: float, end: float) -> GaitBout:
        """A walking or running bout from ``start`` to ``end`` s under this scenario (levels,
        gains, per-side onset delays); once in the schedule its truth is in ``truth.gait``."""
        mode = GaitMode(mode)
        levels, _ = self.exercise_levels(mode.value, None)
        sc = SCENARIOS[self.config.scenario]
        delays = {i: self.config.severity * sc.delays.get((ch.muscle, ch.side.value), 0.0)
                  for i, ch in enumerate(self.montage.channels)}
        return GaitBout(PROFILES[mode], start, end, levels, tuple(c.muscle for c in self.montage.channels),
                        tuple(c.side for c in self.montage.channels), delays,
                        seed=self.config.seed * 100_003 + int(round(start * 1000)), cadence_spm=self.config.cadence)

    @property
    def gait_bouts(self) -> list[GaitBout]:
        """The gait bouts of the current schedule, in time order."""
        return [c for c in getattr(self.schedule, "contractions", ()) if c.kind == "gait"]

    @property
    def aux_channels(self) -> tuple[tuple[str, str], ...]:
        """(name, unit) of the auxiliary channels: foot switches, shank accelerometers and
        knee angles of both legs when the exercise is gait, none otherwise."""
        return AUX_CHANNELS if self.config.gait_mode is not None or self.gait_bouts else ()

    def aux(self, start: int, n: int) -> np.ndarray:
        """(n, A) auxiliary samples [start, start + n) (:attr:`aux_channels`)."""
        if not self.aux_channels:
            return np.zeros((n, 0))
        idx = start + np.arange(n)
        out = standing_aux(idx)
        t0, t1 = start / self.fs, (start + n) / self.fs
        for b in self.gait_bouts:
            if b.start < t1 and b.end > t0:
                inside = (idx / self.fs >= b.start) & (idx / self.fs < b.end)
                out[inside] = b.aux(idx[inside], self.fs)
        return out

    def demo_schedule(self) -> Schedule:
        """Endless reps of the scenario's exercise; unilateral ones alternate legs each set.
        Gait (walk, run): one endless bout after the lead-in."""
        cfg = self.config
        if cfg.gait_mode is not None:
            return ContractionList([self.gait_bout(cfg.gait_mode, cfg.lead_in, float("inf"))])
        ex = EXERCISES[cfg.exercise_name]
        period = ex.ramp_up + ex.hold + ex.ramp_down + ex.rest

        def make_rep(k: int, start: float) -> Contraction:
            set_no, rep_in_set = divmod(k, cfg.reps_per_set)
            working = (Side.LEFT if set_no % 2 == 0 else Side.RIGHT) if ex.unilateral else None
            levels, lags = self.exercise_levels(ex.name, working)
            return self.vary(k, Contraction(
                start, ex.ramp_up, ex.hold, ex.ramp_down, levels, lags,
                fatigue=cfg.fatigue * rep_in_set / max(1, cfg.reps_per_set - 1),
                label=f"{ex.name}{' ' + working.value if working else ''} rep {rep_in_set + 1}"))
        return RepeatingExercise(make_rep, period, cfg.lead_in)

    def vary(self, k: int, c: Contraction) -> Contraction:
        """Rep-to-rep variation of rep ``k``: one effort factor for all muscles (SD
        ``rep_variation``) times a small per-channel jitter (SD 3 %)."""
        rng = np.random.default_rng([self.config.seed, 4, k])
        effort = max(0.5, 1 + self.config.rep_variation * rng.standard_normal())
        jitter = 1 + 0.03 * rng.standard_normal(len(self.montage))
        return replace(c, levels={i: v * effort * jitter[i] for i, v in c.levels.items()})

    # -- generation ----------------------------------------------------------------
    def activation(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(%MVC, fatigue) arrays of shape (len(t), C) at times ``t`` (s)."""
        C = len(self.montage)
        act = np.zeros((t.size, C))
        fat = np.zeros((t.size, C))
        if t.size == 0:
            return act, fat
        for c in self.schedule.between(float(t[0]), float(t[-1]) + 1e-12):
            if not c.levels:
                continue
            cols = np.fromiter(c.levels.keys(), dtype=np.intp, count=len(c.levels))
            levels = np.fromiter(c.levels.values(), dtype=float, count=len(c.levels))
            lags = np.array([c.lags.get(i, 0.0) for i in cols])
            env = c.envelope(t[:, None], lags)  # (n, k): all channels of this contraction at once
            act[:, cols] += levels * env
            if c.fatigue:
                fat[:, cols] = np.maximum(fat[:, cols], c.fatigue * (env > 0))
        return act, fat

    def _artifacts(self, t: np.ndarray) -> np.ndarray:
        a, cfg = self._art, self.config
        out = a["dc"] + a["drift"] * np.sin(2 * np.pi * a["drift_f"] * t[:, None] + a["drift_phase"])
        # mains harmonics: A sin(wt + p) = sin(wt) A cos(p) + cos(wt) A sin(p), so only one sine
        # and one cosine per harmonic are computed, not one per channel
        basis, weights = [], []
        for h, mult in enumerate((1, 3, 5)):
            f = mult * cfg.power_line_hz
            if f < 0.45 * cfg.fs:
                wt = 2 * np.pi * f * t
                basis += [np.sin(wt), np.cos(wt)]
                weights += [a["mains"][h] * np.cos(a["mains_phase"][h]), a["mains"][h] * np.sin(a["mains_phase"][h])]
        if basis:
            out += np.stack(basis, axis=1) @ np.stack(weights)
        if a["ecg"].any():
            ph = ((t / a["ecg_period"] + a["ecg_phase"]) % 1.0) * a["ecg_period"] - 0.3
            qrs = (np.exp(-(ph / 0.012) ** 2) - 0.25 * np.exp(-((ph + 0.03) / 0.01) ** 2)
                   - 0.3 * np.exp(-((ph - 0.03) / 0.01) ** 2))
            out += qrs[:, None] * a["ecg"]
        # motion bursts (< 20 Hz) when the limb starts and stops moving: the movement
        # follows the EMG onset by the electromechanical delay and ends with the ramp down
        for c in self.schedule.between(float(t[0]) - 0.3, float(t[-1]) + 0.3):
            if c.kind != "rep":
                continue
            r = np.random.default_rng([cfg.seed, 5, int(round(c.start * 1000))])
            for tc in (c.start + MOTION_DELAY_S, c.start + c.duration):
                # draw both bursts' parameters always, and cut each burst at |u| <= 0.3 s per
                # sample, so that the samples do not depend on how they are chunked
                amp = r.uniform(100, 1000) * r.uniform(0.2, 1.0, len(self.montage))
                f = r.uniform(3, 12)
                lo, hi = np.searchsorted(t, (tc - 0.3, tc + 0.3))
                if lo < hi:
                    u = t[lo:hi] - tc
                    out[lo:hi] += (np.sin(2 * np.pi * f * u) * np.exp(-(u / 0.08) ** 2))[:, None] * amp
        return out

    def _frames(self, start: int, n_frames: int) -> np.ndarray:
        """``n_frames`` consecutive frames from sample ``start``, generated in one go.

        The random draws come from one array laid out frame by frame (muscle noise,
        fatigued noise when fatigue is on, baseline noise), the order in which frame-by-frame
        generation draws them, and the filters carry their state across calls, so the
        samples do not depend on how many frames are generated at once.
        """
        cfg, L = self.config, self.frame_len
        C = len(self.montage)
        n = n_frames * L
        idx = start + np.arange(n)
        t = idx / cfg.fs
        act, fat = self.activation(t)
        streams = 3 if cfg.fatigue > 0 else 2
        if self._draws.shape[0] != n_frames:  # reused: filling a fresh large array costs page faults
            self._draws = np.empty((n_frames, streams, L, C))
        draws = self._rng.standard_normal(out=self._draws)
        shaped, self._zi = signal.sosfilt(self._sos, draws[:, 0].reshape(n, C), axis=0, zi=self._zi)
        if cfg.fatigue > 0:
            tired, self._zi_f = signal.sosfilt(self._sos_fatigued, draws[:, 1].reshape(n, C),
                                               axis=0, zi=self._zi_f)
            if fat.any():  # the mix is the fresh stream itself while no muscle is fatigued
                shaped = np.sqrt(1 - fat) * shaped + np.sqrt(fat) * tired
        emg = (act / 100 * self.mvc_rms_uv * shaped) @ self.crosstalk.T
        x = emg + self.baseline_uv * draws[:, -1].reshape(n, C)
        if cfg.artifacts:
            x += self._artifacts(t)
        if cfg.saturate_at is not None:
            x[(t >= cfg.saturate_at) & (t < cfg.saturate_at + 1.0), 0] = cfg.range_uv
        np.clip(x, -cfg.range_uv, cfg.range_uv, out=x)
        if cfg.counter:
            x[:, -1] = idx
        return x

    def next_frames(self, n_frames: int) -> tuple[int, np.ndarray, np.ndarray]:
        """The next ``n_frames`` frames at once: first index, (n_frames * frame_len, C)
        samples and a (n_frames,) bool array that is False where a frame was dropped."""
        start = self._next
        x = self._frames(start, n_frames)
        self._next += n_frames * self.frame_len
        kept = np.ones(n_frames, dtype=bool)
        if self.config.drop_rate:
            kept = self._drop_rng.random(n_frames) >= self.config.drop_rate
            for k in np.flatnonzero(~kept):
                s = start + int(k) * self.frame_len
                self.truth.dropped.append((s, s + self.frame_len))
        return start, x, kept

    def next_frame(self) -> tuple[int, np.ndarray | None]:
        """The next frame's first index and data, or None data when the frame is dropped."""
        start, x, kept = self.next_frames(1)
        return start, (x if kept[0] else None)

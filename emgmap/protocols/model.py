"""Protocol files: what an exercise records, how it is timed, and how it is judged.

Built-in protocols live in ``emgmap/protocols/builtin/*.toml``; users add their
own to :func:`user_protocol_dir` (or any path given directly). A file that
does not validate raises :class:`~emgmap.types.ConfigError` naming the file
and the field. See docs/protocols.md for the format.
"""
from __future__ import annotations

import math
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..montage import MUSCLES, Montage, MusclePair, Side, restrict_pairs
from ..paths import config_dir
from ..types import ConfigError, MontageError
from ..validate import number

BUILTIN_DIR = Path(__file__).with_name("builtin")

# How each muscle's MVC is tested (manual-muscle-test positions).
MVC_POSITIONS = {
    "gmed": "side-lying hip abduction at 20-30°, resistance above the ankle",
    "gmax": "prone hip extension with the knee flexed 90°, resistance on the distal thigh",
    "tfl": "supine hip flexion 30° with abduction and internal rotation, resistance on the lateral thigh",
    "vm": "seated knee extension at 60° flexion, resistance above the ankle",
    "vl": "seated knee extension at 60° flexion, resistance above the ankle",
    "rf": "seated knee extension at 60° flexion, resistance above the ankle",
    "bf": "prone knee flexion at 45°, resistance above the ankle",
    "st": "prone knee flexion at 45° with internal tibial rotation, resistance above the ankle",
    "es": "prone trunk extension (Biering-Sørensen), resistance at the scapulae",
}


@dataclass(frozen=True)
class Timing:
    ramp_up: float = 1.5
    hold: float = 2.0
    ramp_down: float = 1.5
    rest: float = 2.0
    reps: int = 10
    sets: int = 1          # per side for unilateral exercises

    @property
    def rep_s(self) -> float:
        return self.ramp_up + self.hold + self.ramp_down


@dataclass(frozen=True)
class CalibrationPlan:
    signal_check_s: float = 5.0
    rest_s: float = 10.0
    mvc_trials: int = 3
    mvc_s: float = 5.0
    mvc_rest_s: float = 5.0
    set_rest_s: float = 10.0


@dataclass(frozen=True)
class Zones:
    """Live colours: |SI| within ``symmetry_green`` % green, up to ``symmetry_amber`` amber,
    beyond red; a ratio inside its expected range green, within ``ratio_amber`` (fraction)
    of it amber, beyond red."""
    symmetry_green: float = 10.0
    symmetry_amber: float = 20.0
    ratio_amber: float = 0.2

    def symmetry(self, si_percent: float) -> str:
        a = abs(si_percent)
        return "green" if a <= self.symmetry_green else "amber" if a <= self.symmetry_amber else "red"

    def ratio(self, value: float, expected: tuple[float, float] | None) -> str | None:
        if expected is None:
            return None
        lo, hi = expected
        if lo <= value <= hi:
            return "green"
        if lo * (1 - self.ratio_amber) <= value <= hi * (1 + self.ratio_amber):
            return "amber"
        return "red"


#: (low, high, whole number) of every numeric field of [timing], [calibration], [zones] and [gait]:
#: a session must stay something a patient can do (``reps = 1e8`` would lay out years of cues)
LIMITS: dict[str, tuple[float, float, bool]] = {
    "ramp_up": (0, 60, False), "hold": (0, 600, False), "ramp_down": (0, 60, False), "rest": (0, 600, False),
    "reps": (1, 100, True), "sets": (1, 20, True),
    "signal_check_s": (0, 600, False), "rest_s": (0, 600, False), "mvc_trials": (0, 10, True),
    "mvc_s": (0.5, 60, False), "mvc_rest_s": (0, 600, False), "set_rest_s": (0, 600, False),
    "symmetry_green": (0, 100, False), "symmetry_amber": (0, 200, False), "ratio_amber": (0, 1, False),
    "speed_kmh": (0.5, 40, False), "incline_pct": (-30, 30, False), "duration_s": (1, 3600, False),
    "bouts": (1, 20, True),
}
GAIT_MODES = ("walk", "run")


@dataclass(frozen=True)
class GaitSettings:
    """A walking or running protocol (``[gait]``): each bout is one ``set`` event with no
    reps; the analysis is the gait analysis (docs/gait.md)."""
    mode: str = "walk"              # walk | run
    treadmill: bool = True
    speed_kmh: float = 5.0
    incline_pct: float = 0.0
    duration_s: float = 120.0       # one bout
    bouts: int = 1

    @property
    def instruction(self) -> str:
        """What the clinician tells the patient, e.g. "Run on the treadmill at 10 km/h (1 %
        incline) for 120 s"."""
        grade = f" ({self.incline_pct:g} % incline)" if self.incline_pct else ""
        where = f"on the treadmill at {self.speed_kmh:g} km/h{grade}" if self.treadmill else \
            f"overground at about {self.speed_kmh:g} km/h"
        return f"{self.mode.capitalize()} {where} for {self.duration_s:g} s"


@dataclass(frozen=True)
class Expected:
    range: tuple[float, float]
    source: str


@dataclass(frozen=True)
class Protocol:
    name: str
    title: str
    position: str
    unilateral: bool
    prime_mover: str
    muscles: tuple[str, ...]
    pairs: tuple[MusclePair, ...]
    timing: Timing
    cues: dict[str, str]
    expected: dict[str, Expected] = field(default_factory=dict)
    zones: Zones = Zones()
    calibration: CalibrationPlan = CalibrationPlan()
    simulate_as: str = ""
    source: str = ""
    gait: GaitSettings | None = None

    def pairs_on(self, montage: Montage) -> list[MusclePair]:
        """The protocol's pairs restricted to the muscles on ``montage``
        (:func:`emgmap.montage.restrict_pairs`, the one rule)."""
        return list(restrict_pairs(self.pairs, montage.muscles))

    def missing_muscles(self, montage: Montage) -> list[str]:
        on = {c.muscle for c in montage.channels}
        return [m for m in self.muscles if m not in on]

    def expected_range(self, pair_name: str) -> tuple[float, float] | None:
        e = self.expected.get(pair_name)
        return e.range if e else None

    def set_labels(self) -> list[tuple[str, Side | None]]:
        """Set labels in order (DESIGN §3): unilateral sets alternate left, right."""
        if not self.unilateral:
            return [(self.name, None)] * self.timing.sets
        return [(f"{self.name} {s.value}", s) for _ in range(self.timing.sets) for s in (Side.LEFT, Side.RIGHT)]


def user_protocol_dir() -> Path:
    """``$EMGMAP_PROTOCOLS``, else ``protocols`` in the platform's user config folder
    (:func:`emgmap.paths.config_dir`; ``~/.config/emgmap/protocols`` on Linux)."""
    env = os.environ.get("EMGMAP_PROTOCOLS")
    if env:
        return Path(env)
    return config_dir() / "protocols"


def list_protocols() -> dict[str, Path]:
    """Protocol name -> file; user files override built-ins of the same name."""
    found = {p.stem: p for p in sorted(BUILTIN_DIR.glob("*.toml"))}
    udir = user_protocol_dir()
    if udir.is_dir():
        found.update({p.stem: p for p in sorted(udir.glob("*.toml"))})
    return found


def load_protocol(name_or_path: str | Path) -> Protocol:
    """A protocol by name (built-in or user folder) or by path to a TOML file."""
    p = Path(name_or_path)
    if p.suffix != ".toml":
        known = list_protocols()
        if str(name_or_path) not in known:
            raise ConfigError(f"unknown protocol {str(name_or_path)!r}; valid: {', '.join(known)}")
        p = known[str(name_or_path)]
    try:
        doc = tomllib.loads(p.read_text(encoding="utf-8"))
    except OSError as e:
        raise ConfigError(f"cannot read protocol file {p} ({e.strerror}); check the path") from None
    except UnicodeDecodeError:
        raise ConfigError(f"protocol file {p} is not a text (TOML) file; check the path") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"protocol file {p} is not valid TOML ({e})") from None
    return parse_protocol(doc, str(p))


_TYPE_NAMES = {str: "a string", bool: "true or false", list: "a list", dict: "a table", int: "a whole number",
               float: "a number"}


def _get(doc: dict, key: str, typ, where: str, default: Any = ...) -> Any:
    if key not in doc:
        if default is ...:
            raise ConfigError(f"{where}: missing field {key!r}")
        return default
    v = doc[key]
    if typ in (int, float) and key in LIMITS:
        lo, hi, whole = LIMITS[key]
        return number(v, f"{where}: field {key!r}", lo, hi, integer=whole)
    if typ is float and isinstance(v, int) and not isinstance(v, bool):
        v = float(v)
    if not isinstance(v, typ) or (typ is int and isinstance(v, bool)):
        raise ConfigError(f"{where}: field {key!r} must be {_TYPE_NAMES.get(typ, typ.__name__)}, got {v!r}")
    return v


def _strings(doc: dict, key: str, where: str, default: Any = ...) -> list[str]:
    """A list of strings (``muscles``, ``pairs``)."""
    items = _get(doc, key, list, where, default)
    for i, x in enumerate(items):
        if not isinstance(x, str):
            raise ConfigError(f"{where}: {key}[{i}] must be a string, got {x!r}")
    return items


def _section(doc: dict, name: str, cls, where: str):
    sec = doc.get(name, {})
    if not isinstance(sec, dict):
        raise ConfigError(f"{where}: [{name}] must be a table")
    fields = cls.__dataclass_fields__
    unknown = set(sec) - set(fields)
    if unknown:
        raise ConfigError(f"{where}: [{name}] has unknown field {sorted(unknown)[0]!r}; "
                          f"valid: {', '.join(fields)}")
    kwargs = {k: _get(sec, k, type(f.default), f"{where} [{name}]", f.default) for k, f in fields.items()}
    return cls(**kwargs)


def parse_protocol(doc: dict, source: str = "protocol") -> Protocol:
    where = f"protocol file {source}"
    known = {"name", "title", "position", "unilateral", "prime_mover", "muscles", "pairs", "timing", "cues",
             "expected", "zones", "calibration", "simulate_as", "gait"}
    unknown = set(doc) - known
    if unknown:
        raise ConfigError(f"{where}: unknown field {sorted(unknown)[0]!r}; valid: {', '.join(sorted(known))}")
    name = _get(doc, "name", str, where)
    if not name.strip():
        raise ConfigError(f"{where}: field 'name' is empty")
    unilateral = _get(doc, "unilateral", bool, where)
    muscles = _strings(doc, "muscles", where)
    if not muscles:
        raise ConfigError(f"{where}: field 'muscles' lists no muscle")
    for i, m in enumerate(muscles):
        if m not in MUSCLES:
            raise ConfigError(f"{where}: muscles[{i}] is {m!r}, not a muscle key; valid: {', '.join(MUSCLES)}")
    prime = _get(doc, "prime_mover", str, where)
    if prime not in muscles:
        raise ConfigError(f"{where}: prime_mover {prime!r} must be one of its muscles {muscles}")
    pairs = []
    for i, text in enumerate(_strings(doc, "pairs", where, [])):
        try:
            pairs.append(MusclePair.parse(text))
        except MontageError as e:
            raise ConfigError(f"{where}: pairs[{i}]: {e}") from None
    timing = _section(doc, "timing", Timing, where)
    if timing.rep_s <= 0:
        raise ConfigError(f"{where}: [timing] needs a rep longer than 0 s (ramp_up + hold + ramp_down)")
    cues = _get(doc, "cues", dict, where, {})
    bad = set(cues) - {"up", "hold", "down", "rest"}
    if bad:
        raise ConfigError(f"{where}: [cues] has unknown phase {sorted(bad)[0]!r}; valid: up, hold, down, rest")
    for k, v in cues.items():
        if not isinstance(v, str):
            raise ConfigError(f"{where}: [cues] {k} must be a string, got {v!r}")
    zones = _section(doc, "zones", Zones, where)
    if zones.symmetry_green > zones.symmetry_amber:
        raise ConfigError(f"{where}: [zones] symmetry_green ({zones.symmetry_green:g}) must not exceed "
                          f"symmetry_amber ({zones.symmetry_amber:g})")
    expected = {}
    for pname, e in _get(doc, "expected", dict, where, {}).items():
        w = f"{where} [expected.{pname!r}]"
        if not isinstance(e, dict):
            raise ConfigError(f"{w} must be a table with range = [low, high] and source, got {e!r}")
        rng = _get(e, "range", list, w)
        if (len(rng) != 2 or not all(isinstance(x, (int, float)) and not isinstance(x, bool)
                                     and math.isfinite(x) for x in rng) or not 0 < rng[0] <= rng[1]):
            raise ConfigError(f"{w}: range must be [low, high] with 0 < low <= high, got {rng!r}")
        expected[pname] = Expected((float(rng[0]), float(rng[1])), _get(e, "source", str, w, ""))
    simulate_as = _get(doc, "simulate_as", str, where, "")
    gait = None
    if "gait" in doc:
        gait = _section(doc, "gait", GaitSettings, where)
        if gait.mode not in GAIT_MODES:
            raise ConfigError(f"{where} [gait]: mode must be one of {', '.join(GAIT_MODES)}, got {gait.mode!r}")
        if gait.duration_s < 10 or gait.bouts < 1:
            raise ConfigError(f"{where} [gait]: needs duration_s >= 10 (a few strides per side) and bouts >= 1")
        if unilateral:
            raise ConfigError(f"{where}: a gait protocol is bilateral (unilateral = false): both legs walk")
    return Protocol(
        name=name, title=_get(doc, "title", str, where, name), position=_get(doc, "position", str, where, ""),
        unilateral=unilateral, prime_mover=prime, muscles=tuple(muscles),
        pairs=tuple(pairs), timing=timing, cues={k: str(v) for k, v in cues.items()}, expected=expected,
        zones=zones, calibration=_section(doc, "calibration", CalibrationPlan, where),
        simulate_as=simulate_as, source=source, gait=gait)

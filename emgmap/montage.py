"""Which electrode sits on which muscle, and which muscles are compared.

Muscle keys and placements follow ``reference/semg.md`` §2 (SENIAM where it
covers the muscle). A :class:`Montage` is saved to and loaded from TOML::

    [[channel]]
    name = "gmed_L"
    muscle = "gmed"
    side = "left"

    [[channel]]              # an unassigned channel: recorded, skipped by
    name = "EXG Channel 7"   # indices, analysis and live bars
    muscle = ""

    [[pair]]
    agonist = "gmed"
    antagonist = "tfl"
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from . import tomlio
from .types import MontageError, Side


@dataclass(frozen=True)
class Muscle:
    key: str
    name: str
    placement: str
    group: str  # "gluteals", "hip flexors", "hamstrings", "quadriceps", "trunk"


MUSCLES: dict[str, Muscle] = {m.key: m for m in (
    Muscle("gmed", "gluteus medius", "50 % iliac crest -> greater trochanter, along that line", "gluteals"),
    Muscle("gmax", "gluteus maximus", "50 % sacral vertebrae -> greater trochanter, towards mid posterior thigh", "gluteals"),
    Muscle("tfl", "tensor fasciae latae", "~2 cm distal to ASIS over the belly, towards lateral femoral condyle (not in SENIAM)", "hip flexors"),
    Muscle("vm", "vastus medialis", "80 % ASIS -> medial knee joint space, almost perpendicular to that line", "quadriceps"),
    Muscle("vl", "vastus lateralis", "2/3 ASIS -> lateral patella, along the fibres", "quadriceps"),
    Muscle("rf", "rectus femoris", "50 % ASIS -> superior patella, along that line", "quadriceps"),
    Muscle("bf", "biceps femoris", "50 % ischial tuberosity -> lateral tibial epicondyle, along that line", "hamstrings"),
    Muscle("st", "semitendinosus", "50 % ischial tuberosity -> medial tibial epicondyle, along that line", "hamstrings"),
    Muscle("es", "erector spinae (longissimus)", "two finger widths lateral to the L1 spinous process, vertical", "trunk"),
)}


def _muscle_list(value: Any, where: str) -> tuple[str, ...]:
    """A pair side is one muscle key or several joined by '+' (``bf+st``)."""
    if isinstance(value, str):
        keys = tuple(k.strip() for k in value.split("+"))
    elif isinstance(value, (list, tuple)) and all(isinstance(k, str) for k in value):
        keys = tuple(value)
    else:
        raise MontageError(f"{where} must be a muscle key such as 'gmed' or 'bf+st', got {value!r}")
    for k in keys:
        if k not in MUSCLES:
            raise MontageError(f"{where}: unknown muscle {k!r}; valid keys: {', '.join(MUSCLES)}")
    if not keys:
        raise MontageError(f"{where} names no muscle")
    return keys


UNASSIGNED = ""  # the muscle of a channel whose muscle is not known (yet); its side is midline


@dataclass(frozen=True)
class Channel:
    name: str
    muscle: str
    side: Side
    placement: str = ""

    @classmethod
    def unassigned(cls, name: str) -> "Channel":
        """A channel with no muscle yet (an import without a montage): recorded, but skipped by
        everything that needs a muscle (indices, analysis, live bars) until it is assigned."""
        return cls(name, UNASSIGNED, Side.MIDLINE)

    @property
    def assigned(self) -> bool:
        return self.muscle != UNASSIGNED

    @property
    def label(self) -> str:
        """Short display label, e.g. ``gmed L`` (the channel name when unassigned)."""
        return f"{self.muscle} {self.side.short}" if self.assigned else self.name


@dataclass(frozen=True)
class MusclePair:
    """An agonist:antagonist comparison. Each side is one or more muscle keys;
    the ratio compares the mean normalised envelope of the agonists with that
    of the antagonists (reference §3)."""

    agonists: tuple[str, ...]
    antagonists: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> "MusclePair":
        """``"gmed:tfl"`` or ``"bf+st:rf+vm"``."""
        if text.count(":") != 1:
            raise MontageError(f"pair {text!r} must read 'agonist:antagonist', e.g. 'gmed:tfl'")
        a, b = text.split(":")
        return cls(_muscle_list(a, f"pair {text!r} agonist"), _muscle_list(b, f"pair {text!r} antagonist"))

    @property
    def name(self) -> str:
        return "+".join(self.agonists) + ":" + "+".join(self.antagonists)

    @property
    def muscles(self) -> tuple[str, ...]:
        return self.agonists + self.antagonists


@dataclass(frozen=True)
class Montage:
    channels: tuple[Channel, ...]
    pairs: tuple[MusclePair, ...] = field(default=())

    def __post_init__(self) -> None:
        seen: set[str] = set()
        for i, ch in enumerate(self.channels):
            if not ch.name:
                raise MontageError(f"channel[{i}].name is empty")
            if ch.name in seen:
                raise MontageError(f"channel[{i}].name: duplicate channel name {ch.name!r}")
            seen.add(ch.name)
            if not ch.assigned:
                if ch.side != Side.MIDLINE:
                    raise MontageError(f"channel[{i}] ({ch.name!r}) has no muscle but side {ch.side}; "
                                       "an unassigned channel is midline")
            elif ch.muscle not in MUSCLES:
                raise MontageError(
                    f"channel[{i}].muscle: unknown muscle {ch.muscle!r}; valid keys: {', '.join(MUSCLES)}"
                )

    # -- lookups -------------------------------------------------------------
    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.channels)

    def __len__(self) -> int:
        return len(self.channels)

    @property
    def assigned(self) -> tuple[Channel, ...]:
        """The channels with a muscle (unassigned ones are recorded but not analysed)."""
        return tuple(c for c in self.channels if c.assigned)

    @classmethod
    def unassigned(cls, names: Iterable[str]) -> "Montage":
        """Every channel unassigned: ``emgmap montage assign`` gives them muscles later."""
        return cls(tuple(Channel.unassigned(n) for n in names))

    def index(self, muscle: str, side: Side | str) -> int | None:
        """Column of ``muscle`` on ``side``, or None when it is not on the montage."""
        side = Side(side)
        for i, c in enumerate(self.channels):
            if c.assigned and c.muscle == muscle and c.side == side:
                return i
        return None

    def bilateral_muscles(self) -> list[str]:
        """Muscles recorded on both sides, in montage order."""
        out: list[str] = []
        for c in self.channels:
            if c.muscle not in out and self.index(c.muscle, Side.LEFT) is not None \
                    and self.index(c.muscle, Side.RIGHT) is not None:
                out.append(c.muscle)
        return out

    @property
    def muscles(self) -> tuple[str, ...]:
        """The muscles recorded, in montage order, each once."""
        return tuple(dict.fromkeys(c.muscle for c in self.channels))

    def with_pairs(self, pairs: Iterable[MusclePair]) -> "Montage":
        """The same channels comparing ``pairs``, restricted to them (:func:`restrict_pairs`)."""
        return Montage(self.channels, restrict_pairs(pairs, self.muscles))

    def with_names(self, names: Iterable[str]) -> "Montage":
        """The same montage with channels renamed (e.g. to a board's channel names)."""
        names = list(names)
        if len(names) != len(self.channels):
            raise MontageError(f"montage has {len(self.channels)} channels, the stream {len(names)}")
        return Montage(tuple(Channel(n, c.muscle, c.side, c.placement) for n, c in zip(names, self.channels)),
                       self.pairs)

    # -- TOML ----------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "channel": [{"name": c.name, "muscle": c.muscle, "side": c.side.value,
                         **({"placement": c.placement} if c.placement else {})} for c in self.channels],
            "pair": [{"agonist": "+".join(p.agonists), "antagonist": "+".join(p.antagonists)}
                     for p in self.pairs],
        }

    @classmethod
    def from_dict(cls, doc: dict[str, Any], source: str = "montage") -> "Montage":
        unknown = set(doc) - {"channel", "pair"}
        if unknown:
            raise MontageError(f"{source}: unknown section {sorted(unknown)[0]!r}; expected [[channel]] and [[pair]]")
        raw = doc.get("channel")
        if not isinstance(raw, list) or not raw:
            raise MontageError(f"{source}: needs at least one [[channel]] table")
        channels = []
        for i, c in enumerate(raw):
            where = f"{source}: channel[{i}]"
            if not isinstance(c, dict):
                raise MontageError(f"{where} must be a table")
            extra = set(c) - {"name", "muscle", "side", "placement"}
            if extra:
                raise MontageError(f"{where}.{sorted(extra)[0]} is not a channel field (name, muscle, side, placement)")
            if c.get("muscle", UNASSIGNED) == UNASSIGNED:  # unassigned: muscle "" or left out
                c = {"muscle": UNASSIGNED, "side": Side.MIDLINE.value, **c}
            for key in ("name", "muscle", "side"):
                if not isinstance(c.get(key), str):
                    raise MontageError(f"{where}.{key} is missing or not a string")
            if not isinstance(c.get("placement", ""), str):
                raise MontageError(f"{where}.placement must be a string, got {c['placement']!r}")
            try:
                side = Side(c["side"])
            except ValueError:
                raise MontageError(f"{where}.side must be left, right or midline, got {c['side']!r}") from None
            muscle = c["muscle"]
            if muscle != UNASSIGNED and muscle not in MUSCLES:
                raise MontageError(f"{where}.muscle: unknown muscle {muscle!r}; valid keys: {', '.join(MUSCLES)}")
            channels.append(Channel(c["name"], muscle, side, c.get("placement", "")))
        pairs = []
        if not isinstance(doc.get("pair", []), list):
            raise MontageError(f"{source}: pair must be [[pair]] tables, got {doc['pair']!r}")
        for i, p in enumerate(doc.get("pair", [])):
            where = f"{source}: pair[{i}]"
            if not isinstance(p, dict) or set(p) != {"agonist", "antagonist"}:
                raise MontageError(f"{where} must have exactly the fields agonist and antagonist")
            pairs.append(MusclePair(_muscle_list(p["agonist"], f"{where}.agonist"),
                                    _muscle_list(p["antagonist"], f"{where}.antagonist")))
        try:
            return cls(tuple(channels), tuple(pairs))
        except MontageError as e:
            raise MontageError(f"{source}: {e}") from None

    def dumps(self) -> str:
        return tomlio.dumps(self.to_dict())

    @classmethod
    def loads(cls, text: str, source: str = "montage") -> "Montage":
        try:
            doc = tomllib.loads(text)
        except tomllib.TOMLDecodeError as e:
            raise MontageError(f"{source} is not valid TOML ({e}); fix the file or save the montage again") from None
        return cls.from_dict(doc, source)

    def save(self, path: str | Path) -> None:
        Path(path).write_text(self.dumps(), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> "Montage":
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8")
        except OSError as e:
            raise MontageError(f"cannot read montage file {p} ({e.strerror}); check the path") from None
        except UnicodeDecodeError:
            raise MontageError(f"montage file {p} is not a text (TOML) file; check the path") from None
        return cls.loads(text, source=str(p))


STANDARD_PAIRS: tuple[MusclePair, ...] = tuple(
    MusclePair.parse(p) for p in ("gmed:tfl", "gmax:bf", "vm:vl", "bf+st:rf+vm"))
"""The agonist:antagonist pairs reference/semg.md §3 gives expected ranges for."""

LOWER_LIMB_ORDER = ("gmed", "gmax", "tfl", "bf", "vm", "vl", "rf", "st", "es")
"""The order in which a board's channels are guessed (and the simulator's channels run):
the hip muscles of the clamshell and bridge first, then the thigh, then the trunk."""


def restrict_pairs(pairs: Iterable[MusclePair], muscles: Iterable[str]) -> tuple[MusclePair, ...]:
    """The one pair rule: ``pairs`` restricted to the recorded ``muscles``. A group such as
    ``bf+st`` keeps the members present (``bf+st:rf+vm`` without st and rf is ``bf:vm``); a
    pair with nothing left on one side is dropped; duplicates go. A restricted pair is
    computed on each side where all its remaining muscles are recorded."""
    present = set(muscles)
    out: list[MusclePair] = []
    for p in pairs:
        ag = tuple(m for m in p.agonists if m in present)
        an = tuple(m for m in p.antagonists if m in present)
        q = MusclePair(ag, an)
        if ag and an and q not in out:
            out.append(q)
    return tuple(out)


def bilateral(muscles: Iterable[str], pairs: Iterable[str] = ()) -> Montage:
    """A montage with each muscle on the left and the right, named ``<muscle>_L/_R``."""
    chans = []
    for m in muscles:
        for side in (Side.LEFT, Side.RIGHT):
            chans.append(Channel(f"{m}_{side.short}", m, side, MUSCLES[m].placement if m in MUSCLES else ""))
    return Montage(tuple(chans), tuple(MusclePair.parse(p) for p in pairs))


def lower_limb_montage(n_channels: int) -> Montage:
    """The first ``n_channels`` (up to 18) of :data:`LOWER_LIMB_ORDER` on both sides
    (``gmed_L, gmed_R, gmax_L, ...``) comparing the standard pairs they allow."""
    if not 1 <= n_channels <= 2 * len(LOWER_LIMB_ORDER):
        raise MontageError(f"a lower-limb montage has 1 to {2 * len(LOWER_LIMB_ORDER)} channels, "
                           f"not {n_channels}; write a montage file for this board")
    chans = bilateral(LOWER_LIMB_ORDER).channels[:n_channels]
    return Montage(chans).with_pairs(STANDARD_PAIRS)


def default_montage() -> Montage:
    """gmed, gmax, tfl and bf on both sides: the simulator's 8 channels, an 8-channel board."""
    return lower_limb_montage(8)


def full_montage() -> Montage:
    """The 8 lower-limb muscles on both sides: 16 channels (benchmarks, H:Q, vm:vl)."""
    return bilateral(("gmed", "gmax", "tfl", "vm", "vl", "rf", "bf", "st")).with_pairs(STANDARD_PAIRS)


def guess_montage(n_channels: int, names: Iterable[str] | None = None) -> Montage | None:
    """The montage to suggest for a board of ``n_channels`` when nobody said which muscle
    each channel records: the default 8 or full 16 channels, else the first channels of
    :data:`LOWER_LIMB_ORDER` (up to 18); None for more. ``names``: the stream's own channel
    names (default: the montage's ``gmed_L, gmed_R, ...``). A guess: the GUI says so and
    offers the montage editor; a user's ``--montage`` replaces it."""
    if n_channels == 8:
        base = default_montage()
    elif n_channels == 16:
        base = full_montage()
    elif 1 <= n_channels <= 2 * len(LOWER_LIMB_ORDER):
        base = lower_limb_montage(n_channels)
    else:
        return None
    return base if names is None else base.with_names(names)

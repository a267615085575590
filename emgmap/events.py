"""Events: one typed record for everything that happens in a session.

An :class:`Event` carries its meaning in fields (kind, exercise, side, rep,
muscle, channel); the label written to ``/events/label`` is derived from them
and is exactly the label of DESIGN §3, so format_version 1 files are
unchanged, and :meth:`Event.from_row` reads any stored row (ours or an older
file's) back into the same structure. No one parses meaning out of a label.

Labels on disk (DESIGN §3 "Events"):

=========  ================================  =========================
kind       label                             channel
=========  ================================  =========================
rest       ``rest``                          ""
mvc        ``mvc <muscle> <side>``           the tested channel
set        ``<exercise> [left|right]``       ""
rep        ``<set label> rep <k>``           ""
cue        the phase (``up``, ``hold`` ...)  ""
gait       ``<side> contact|toe_off``        the source channel or ""
gap        free text                         ""
marker     free text                         "" or a channel
=========  ================================  =========================
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, replace

from .types import Side


class EventKind(enum.StrEnum):
    MARKER = "marker"
    REST = "rest"
    MVC = "mvc"
    SET = "set"
    REP = "rep"
    CUE = "cue"
    GAP = "gap"
    GAIT = "gait"


class GaitPhase(enum.StrEnum):
    """A gait event: initial contact (heel strike) or toe-off of one foot."""
    CONTACT = "contact"
    TOE_OFF = "toe_off"


_SIDES = ("left", "right")


@dataclass(frozen=True)
class Event:
    """One event of a session, in session seconds.

    Build one with the class methods (:meth:`rest`, :meth:`mvc`, :meth:`set`,
    :meth:`repetition`, :meth:`cue`, :meth:`gap`, :meth:`marker`, :meth:`gait`);
    :attr:`label` is derived from the fields.

    Fields: ``exercise`` (set, rep: the protocol name, e.g. ``clamshell``),
    ``side`` (set, rep: the working leg of a unilateral exercise, None for a
    bilateral one; mvc: the tested side; gait: the foot), ``rep`` (rep: k),
    ``muscle`` (mvc), ``channel`` (mvc: the tested channel; gait, marker:
    optional), ``text`` (marker, gap: free text; cue: the phase; gait: the
    :class:`GaitPhase`).
    """

    kind: EventKind
    onset_s: float
    duration_s: float = 0.0
    exercise: str = ""
    side: Side | None = None
    rep: int = 0
    muscle: str = ""
    channel: str = ""
    text: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", EventKind(self.kind))
        if self.side is not None:
            object.__setattr__(self, "side", Side(self.side))
        object.__setattr__(self, "onset_s", float(self.onset_s))
        object.__setattr__(self, "duration_s", float(self.duration_s))

    # -- constructors ---------------------------------------------------------------------
    @classmethod
    def marker(cls, text: str, onset_s: float, duration_s: float = 0.0, channel: str = "") -> "Event":
        return cls(EventKind.MARKER, onset_s, duration_s, channel=channel, text=text)

    @classmethod
    def rest(cls, onset_s: float, duration_s: float) -> "Event":
        return cls(EventKind.REST, onset_s, duration_s)

    @classmethod
    def mvc(cls, muscle: str, side: Side | str, channel: str, onset_s: float, duration_s: float) -> "Event":
        return cls(EventKind.MVC, onset_s, duration_s, muscle=muscle, side=Side(side), channel=channel)

    @classmethod
    def set(cls, exercise: str, side: Side | str | None, onset_s: float, duration_s: float) -> "Event":
        return cls(EventKind.SET, onset_s, duration_s, exercise=exercise, side=side)

    @classmethod   # not named `rep`: that is the field (a class attribute of that name would be its default)
    def repetition(cls, exercise: str, side: Side | str | None, k: int, onset_s: float, duration_s: float) -> "Event":
        return cls(EventKind.REP, onset_s, duration_s, exercise=exercise, side=side, rep=int(k))

    @classmethod
    def cue(cls, phase: str, onset_s: float, duration_s: float) -> "Event":
        return cls(EventKind.CUE, onset_s, duration_s, text=phase)

    @classmethod
    def gap(cls, text: str, onset_s: float, duration_s: float) -> "Event":
        return cls(EventKind.GAP, onset_s, duration_s, text=text)

    @classmethod
    def gait(cls, side: Side | str, phase: GaitPhase | str, onset_s: float, channel: str = "") -> "Event":
        return cls(EventKind.GAIT, onset_s, 0.0, side=Side(side), channel=channel, text=GaitPhase(phase).value)

    # -- derived ---------------------------------------------------------------------------
    @property
    def set_label(self) -> str:
        """The label of the set this set or rep event belongs to (``clamshell left``)."""
        return self.exercise + (f" {self.side.value}" if self.side is not None else "")

    @property
    def label(self) -> str:
        """The label written to ``/events/label`` (DESIGN §3)."""
        k = self.kind
        if k is EventKind.REST:
            return "rest"
        if k is EventKind.MVC:
            return f"mvc {self.muscle} {self.side.value if self.side else ''}".rstrip()
        if k is EventKind.SET:
            return self.set_label
        if k is EventKind.REP:
            return f"{self.set_label} rep {self.rep}"
        if k is EventKind.GAIT:
            return f"{self.side.value if self.side else ''} {self.text}".strip()
        return self.text

    @property
    def end_s(self) -> float:
        return self.onset_s + self.duration_s

    @property
    def gait_phase(self) -> GaitPhase | None:
        return GaitPhase(self.text) if self.kind is EventKind.GAIT else None

    def belongs_to(self, set_event: "Event") -> bool:
        """A rep of ``set_event``: same exercise and side, inside its span."""
        return (self.kind is EventKind.REP and set_event.kind is EventKind.SET
                and self.exercise == set_event.exercise and self.side == set_event.side
                and set_event.onset_s - 1e-9 <= self.onset_s <= set_event.end_s + 1e-9)

    def shifted(self, dt: float) -> "Event":
        return replace(self, onset_s=self.onset_s + dt)

    def row(self) -> tuple[float, float, str, str, str]:
        """(onset_s, duration_s, kind, label, channel): one row of ``/events``."""
        return (self.onset_s, self.duration_s, self.kind.value, self.label, self.channel)

    # -- reading -----------------------------------------------------------------------------
    @classmethod
    def from_row(cls, onset_s: float, duration_s: float, kind: str, label: str, channel: str = "") -> "Event":
        """The structured event of one stored row; a label that does not follow its kind's
        pattern keeps its text (as a marker would), nothing is lost or invented."""
        try:
            k = EventKind(kind)
        except ValueError:   # a kind from a newer writer: kept as a marker with its kind in the text
            return cls(EventKind.MARKER, onset_s, duration_s, channel=channel, text=f"{kind}: {label}")
        words = label.split()
        if k is EventKind.REST:
            return cls(k, onset_s, duration_s, channel=channel, text="" if label == "rest" else label)
        if k is EventKind.MVC and len(words) == 3 and words[0] == "mvc" and words[2] in _SIDES:
            return cls(k, onset_s, duration_s, muscle=words[1], side=Side(words[2]), channel=channel)
        if k is EventKind.SET and words:
            exercise, side = _exercise_side(words)
            return cls(k, onset_s, duration_s, exercise=exercise, side=side, channel=channel)
        if k is EventKind.REP and len(words) >= 3 and words[-2] == "rep" and words[-1].isdigit():
            exercise, side = _exercise_side(words[:-2])
            return cls(k, onset_s, duration_s, exercise=exercise, side=side, rep=int(words[-1]), channel=channel)
        if k is EventKind.GAIT and len(words) == 2 and words[0] in _SIDES and words[1] in ("contact", "toe_off"):
            return cls(k, onset_s, duration_s, side=Side(words[0]), channel=channel, text=words[1])
        if k in (EventKind.MVC, EventKind.SET, EventKind.REP, EventKind.GAIT):
            return cls(EventKind.MARKER, onset_s, duration_s, channel=channel, text=f"{kind}: {label}")
        return cls(k, onset_s, duration_s, channel=channel, text=label)


def _exercise_side(words: list[str]) -> tuple[str, Side | None]:
    if len(words) > 1 and words[-1] in _SIDES:
        return " ".join(words[:-1]), Side(words[-1])
    return " ".join(words), None


class EventLog:
    """The events of a live session, appended by any thread, read by many: each reader
    keeps its own :class:`EventCursor`, so none re-reads or misses one."""

    def __init__(self) -> None:
        import threading
        self._events: list[Event] = []
        self._lock = threading.Lock()

    def add(self, event: Event) -> Event:
        with self._lock:
            self._events.append(event)
        return event

    def since(self, position: int = 0) -> list[Event]:
        with self._lock:
            return self._events[position:]

    def __len__(self) -> int:
        with self._lock:
            return len(self._events)

    def cursor(self, start: int | None = None) -> "EventCursor":
        """A reader of the events from position ``start`` (default: the next one) on."""
        return EventCursor(self, len(self) if start is None else start)


class EventCursor:
    def __init__(self, log: EventLog, start: int):
        self._log = log
        self.position = start

    def read(self) -> list[Event]:
        new = self._log.since(self.position)
        self.position += len(new)
        return new

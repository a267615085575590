"""The dashboard's state beside the live session, Qt-free: which view models a session
gets (gauges, levels, the patient's biofeedback) for its montage and protocol, the
replayed file's sets and calibration, when the data on screen stopped, the
sample-to-screen latency, where a new recording goes. The window draws these.
"""
from __future__ import annotations

import collections
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..events import Event, EventKind
from ..montage import Montage
from ..protocols import Protocol, Zones, load_protocol
from ..session import State
from ..types import ConfigError, EmgmapError, Side
from .biofeedback_view import BiofeedbackModel
from .gauges import GaugesModel
from .levels import LevelsModel

ENDED = (State.LOST, State.ERROR, State.STOPPED)


def band_text(session) -> str:
    """The software band the filtered traces show, e.g. ``20-450 Hz, notch 50 Hz``."""
    d = session.pipeline.design
    c = session.pipeline.config
    return f"{c.hp_hz:g}-{d.lp_hz:g} Hz" + (f", notch {c.mains_hz:g} Hz" if d.notch_hz else "")


@dataclass
class DashboardModels:
    """The view models of one connected session: the gauges judge the protocol's pairs
    (a unilateral protocol has no live left/right symmetry: it would only say which leg
    works), the levels fill the map and the bars, the biofeedback watches the prime mover."""
    gauges: GaugesModel
    levels: LevelsModel
    feedback: BiofeedbackModel

    @classmethod
    def for_session(cls, montage: Montage, protocol: Protocol | None, zones: Zones, target_pct: float):
        """``zones``: the dashboard's own, used without a protocol."""
        p = protocol
        shown = montage.with_pairs(p.pairs) if p is not None else montage   # the session computes more pairs
        if p is None:
            gauges = GaugesModel(shown, zones)
        else:
            expected = {q.name: p.expected_range(q.name) for q in shown.pairs if p.expected_range(q.name)}
            gauges = GaugesModel(shown, p.zones, expected=expected, muscles=() if p.unilateral else p.muscles)
        feedback = BiofeedbackModel(shown, (p.prime_mover,) if p is not None else ("gmed",), target_pct=target_pct)
        return cls(gauges, LevelsModel(montage), feedback)


@dataclass(frozen=True)
class ReplayFile:
    """A replayed recording as the live session showed it: its MVC references, its
    protocol and its sets (which leg worked when), read as `emgmap analyze` reads them."""
    path: Path
    speed: float
    t0: float                       # the file's first sample, in its session's time
    sets: tuple[Event, ...]
    mvc_uv: np.ndarray
    protocol: Protocol | None
    note: str = ""                  # why the file's protocol is not used ("": it is, or it has none)

    @classmethod
    def read(cls, path: str | Path, speed: float) -> "ReplayFile":
        from ..recordings import open_recording
        with open_recording(path) as rec:
            mvc = rec.mvc_uv
            name = str(rec.config.get("protocol", {}).get("name", ""))
            sets = tuple(Event.from_row(e.onset_s, e.duration_s, e.kind, e.label, e.channel) for e in rec.events
                         if e.kind == EventKind.SET and e.duration_s > 0)
            t0 = float(rec.timestamps(0, 1)[0])
        protocol, note = None, ""
        if name:
            try:
                protocol = load_protocol(name)
            except EmgmapError:   # a protocol file that moved: the montage's pairs, said
                note = (f"{Path(path).name} was recorded with protocol {name}, which cannot be loaded here; "
                        "the gauges use the montage's pairs")
        return cls(Path(path), speed, t0, sets, mvc, protocol, note)

    @property
    def has_mvc(self) -> bool:
        return bool(np.isfinite(self.mvc_uv).any())

    def file_time(self, t: float) -> float:
        """The replay's session time ``t`` in the file's session time."""
        return self.t0 + t * (self.speed if self.speed > 0 else 1.0)

    def side_at(self, t: float) -> Side | None:
        """The leg of the file's set at the replay's session time ``t`` (None: both, or none)."""
        ft = self.file_time(t)
        return next((e.side for e in self.sets if e.onset_s <= ft < e.onset_s + e.duration_s), None)


def stopped_text(state, already: str = "") -> str:
    """"replay finished at 10:42:07", "device lost at ...": when the data on screen stopped
    (``already``: the text shown, kept)."""
    if already:
        return already
    st = state.status
    if state.ended:
        what = "replay finished"
    elif st is not None and st.state == State.STOPPED:
        what = "disconnected"
    else:
        what = (st.message if st is not None else "") or "the device stopped"
    return f"{what} at {time.strftime('%H:%M:%S')}"


class LatencyMeter:
    """Sample-to-screen latency: (paint time, latency) of the newest paints."""

    def __init__(self, keep: int = 600):
        self.samples: collections.deque[tuple[float, float]] = collections.deque(maxlen=keep)

    def painted(self, session, index: int, now: float) -> None:
        """The paint ending at ``now`` drew ``session``'s sample ``index`` (still in its rings)."""
        if session is None or not session.rings.t.oldest <= index < session.rings.t.total:
            return
        t = session.rings.t.read_range(index, index + 1)[0]
        self.samples.append((now, now - (session.t0 + t)))

    def clear(self) -> None:
        self.samples.clear()

    def median_ms(self, last_s: float = 1.0) -> float | None:
        """Median over the last ``last_s`` seconds of paints (None before the first)."""
        if not self.samples:
            return None
        now = self.samples[-1][0]
        return float(np.median([lat for t, lat in self.samples if now - t <= last_s])) * 1000.0


def quality_flags(raw: np.ndarray, fs: float, power_line_hz: float, range_uv: float) -> list[tuple[str, ...]]:
    """Each channel's quality flags over ``raw`` (n, C) µV at ``fs``, the last second of a
    session (:func:`emgmap.quality.channel_quality`); none until a quarter second is there.
    Touches no session: it may run on a worker thread."""
    from ..quality import channel_quality
    if raw.shape[0] < int(0.25 * fs):
        return []
    return [c.flags for c in channel_quality(raw, fs, power_line_hz=power_line_hz, range_uv=range_uv)]


def new_recording_path(folder: str | Path) -> Path:
    """A time-stamped file in ``folder`` (made when missing); ConfigError saying what to do."""
    folder = Path(folder).expanduser()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ConfigError(f"cannot create the recordings folder {folder} ({e.strerror}); "
                          "pick another folder in the settings") from None
    return folder / time.strftime("emgmap-%Y%m%d-%H%M%S.h5")

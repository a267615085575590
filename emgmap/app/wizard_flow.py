"""The guided session's flow, Qt-free: which page, which muscle of the placement
guide, the pseudonym guard, the protocol choice with its montage check, and the
signal-check rows. The wizard widget draws this state and sends the keys back.

Pages: setup -> placement (one muscle at a time) -> run (stages of the
:class:`~emgmap.protocols.paced.PacedRunner`) -> summary.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass

from ..analysis import ONSET_LEAD_S
from ..montage import MUSCLES, Montage
from ..privacy import personal_data
from ..protocols import Protocol, build_plan, list_protocols, load_protocol
from ..types import ConfigError, EmgmapError
from .paced import PacedRunner


class Page(str, enum.Enum):
    SETUP = "setup"
    PLACEMENT = "placement"
    RUN = "run"
    SUMMARY = "summary"


def identifying(text: str) -> str:
    """Why ``text`` looks like it identifies a person ("" when it looks like a pseudonym):
    the one guard of :mod:`emgmap.privacy`, also used by every ``--subject``."""
    what = personal_data(text)
    return f"looks like {what}" if what else ""


class Verdict(str, enum.Enum):
    OK = "OK"
    NOISY = "noisy"
    FLAT = "flat"
    RAILED = "railed"


@dataclass(frozen=True)
class QualityRow:
    channel: str
    verdict: Verdict
    reason: str


def quality_rows(quality, names) -> tuple[QualityRow, ...]:
    """One row per channel for the signal check, from :func:`emgmap.quality.channel_quality`."""
    rows = []
    for name, q in zip(names, quality):
        if "railed" in q.flags:
            rows.append(QualityRow(name, Verdict.RAILED, f"{q.railed_fraction * 100:.0f} % of samples at full "
                                                         "scale: re-seat the electrode, check the lead"))
        elif "flat" in q.flags:
            rows.append(QualityRow(name, Verdict.FLAT, f"band RMS {q.rms_uv:.2f} µV: no skin contact or a dead "
                                                       "lead"))
        elif "mains-heavy" in q.flags:
            rows.append(QualityRow(name, Verdict.NOISY, f"mains hum {q.mains_fraction * 100:.0f} % of the signal: "
                                                        "check the reference electrode and skin preparation"))
        elif q.flags:
            rows.append(QualityRow(name, Verdict.FLAT, ", ".join(q.flags)))
        else:
            rows.append(QualityRow(name, Verdict.OK, f"band RMS {q.rms_uv:.1f} µV"))
    return tuple(rows)


@dataclass(frozen=True)
class ProtocolChoice:
    """One entry of the protocol list: shown by its title, chosen by its name."""
    name: str
    title: str
    unilateral: bool

    @property
    def label(self) -> str:
        return f"{self.title}  ({'one leg at a time' if self.unilateral else 'both legs'})"


def protocol_choices() -> tuple[ProtocolChoice, ...]:
    """Every protocol (built-in and user folder), sorted by title."""
    out = []
    for name in list_protocols():
        try:
            p = load_protocol(name)
        except EmgmapError:   # a broken user file is reported when chosen, not listed
            continue
        out.append(ProtocolChoice(name, p.title, p.unilateral))
    return tuple(sorted(out, key=lambda c: c.title.lower()))


def match_protocol(text: str, choices) -> ProtocolChoice | None:
    """The protocol ``text`` names: its exact name or title, else the only one whose title or
    name starts with it (case-insensitive); None when none or several do ("single")."""
    t = text.strip().lower()
    if not t:
        return None
    exact = [c for c in choices if t in (c.name.lower(), c.title.lower(), c.label.lower())]
    if exact:
        return exact[0]
    starts = [c for c in choices if c.title.lower().startswith(t) or c.name.lower().startswith(t)]
    return starts[0] if len(starts) == 1 else None


def protocol_named(text: str, choices) -> str:
    """The name of the protocol ``text`` names (:func:`match_protocol`); ConfigError saying
    which ones it could mean when it names none or several."""
    c = match_protocol(text, choices)
    if c is not None:
        return c.name
    t = text.strip().lower()
    matches = [x.title for x in choices if x.title.lower().startswith(t) or x.name.lower().startswith(t)]
    raise ConfigError(f"“{text.strip()}” names {' and '.join(matches) if matches else 'no protocol'}; "
                      "type more of it or pick one from the list")


def paced_runner(live, protocol: Protocol) -> PacedRunner:
    """The clinician-paced runner of ``protocol`` on ``live``'s session: its plan on the
    session's montage (ConfigError when none of its muscles is there), history long enough
    for the longest stage, and this session's own MVC trials (an earlier quick calibration
    and task peak forgotten)."""
    s = live.session
    if s is None or not s.running:
        raise ConfigError("connect a device first (the device bar above)")
    plan = build_plan(protocol, s.montage)
    live.ensure_history(max(step.duration for step in plan.steps) + ONSET_LEAD_S + 30.0)
    s.calibration.clear_mvc()
    s.calibration.reset_peak()
    return PacedRunner(s, plan, subject=s.driver.subject)


@dataclass(frozen=True)
class MontageAdvice:
    """Whether the montage suits a protocol, said on the setup page."""
    missing: tuple[str, ...]          # protocol muscles not on the montage
    prime_mover_missing: bool
    text: str                         # "" when the montage suits it
    suggested: Montage | None         # the protocol's own montage, when the device has the channels


def montage_advice(protocol: Protocol, montage: Montage, n_channels: int | None = None) -> MontageAdvice:
    """Check ``montage`` against ``protocol`` before the session starts (not in the summary
    minutes later). ``n_channels``: how many the device streams (default: the montage's)."""
    from ..montage import bilateral
    missing = tuple(protocol.missing_muscles(montage))
    if not missing:
        return MontageAdvice((), False, "", None)
    n = len(montage) if n_channels is None else n_channels
    prime = protocol.prime_mover in missing
    names = ", ".join(f"{m} ({MUSCLES[m].name})" if m in MUSCLES else m for m in missing)
    need = 2 * len(protocol.muscles)
    suggested = bilateral(protocol.muscles, [p.name for p in protocol.pairs]) if need <= n else None
    what = f"{protocol.title} needs {names}, which the montage does not record"
    if prime:
        what += f"; {protocol.prime_mover} is its prime mover, so the session cannot judge it"
    if suggested is not None:
        how = f"use the protocol's montage ({', '.join(protocol.muscles)} on both sides)"
    else:
        how = (f"its montage needs {need} channels and this device streams {n}: connect a device with more "
               "channels, or choose another protocol")
    return MontageAdvice(missing, prime, f"{what}. {how}.", suggested)


class WizardFlow:
    """Where the guided session is. The widget asks it what to show and tells it what was pressed."""

    def __init__(self):
        self.page = Page.SETUP
        self.placement: tuple[str, ...] = ()
        self.placement_index = 0
        self.name_confirmed = ""
        self.quality: tuple[QualityRow, ...] = ()
        self.protocol: str = ""

    def begin(self, protocol: str = "") -> None:
        """The setup page, with ``protocol`` preselected (``--protocol``, else the last one used)."""
        self.page = Page.SETUP
        self.placement, self.placement_index = (), 0
        self.name_confirmed = ""
        self.quality = ()
        self.protocol = protocol

    def check_pseudonym(self, text: str) -> str:
        """"" when ``text`` may be stored as the subject ID; else the warning to show. A text
        that looks identifying passes only when submitted a second time unchanged (on purpose)."""
        text = text.strip()
        if not text:
            return "type a pseudonym (e.g. P017) before starting"
        why = identifying(text)
        if why and self.name_confirmed != text:
            self.name_confirmed = text
            return (f"“{text}” {why}. The recording stores it as the subject ID; use a pseudonym, "
                    "or press Start again to keep it on purpose.")
        return ""

    def pseudonym_edited(self) -> None:
        """The text changed: a confirmation was for the old text only."""
        self.name_confirmed = ""

    def start_placement(self, protocol: Protocol, montage: Montage) -> None:
        on = {c.muscle for c in montage.channels}
        self.protocol = protocol.name
        self.placement = tuple(m for m in protocol.muscles if m in on)
        self.placement_index = 0
        self.quality = ()
        self.page = Page.PLACEMENT if self.placement else Page.RUN

    @property
    def muscle(self) -> str | None:
        """The muscle the placement guide shows now."""
        return self.placement[self.placement_index] if self.page == Page.PLACEMENT else None

    @property
    def placement_text(self) -> str:
        m = self.muscle
        if m is None:
            return ""
        where = MUSCLES[m].placement if m in MUSCLES else ""
        return f"{where}\n\nBoth sides; reference electrode on a bony landmark."

    @property
    def placement_title(self) -> str:
        m = self.muscle
        if m is None:
            return ""
        name = MUSCLES[m].name if m in MUSCLES else m
        return f"Electrodes {self.placement_index + 1}/{len(self.placement)}: {name} ({m})"

    def next_muscle(self) -> None:
        """The next muscle of the guide; after the last one, the run page."""
        if self.page != Page.PLACEMENT:
            return
        self.placement_index += 1
        if self.placement_index >= len(self.placement):
            self.page = Page.RUN

    def previous_muscle(self) -> None:
        if self.page == Page.PLACEMENT and self.placement_index > 0:
            self.placement_index -= 1

    def run(self) -> None:
        self.page = Page.RUN

    def finished(self) -> None:
        self.page = Page.SUMMARY

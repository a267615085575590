"""What an export says about a recording: the band of the data it holds, BIDS-EMG
metadata (``*_emg.json`` fields, ``*_channels.tsv`` rows, ``*_events.tsv`` columns)
and the subject/session/task labels. Shared by every export format, so that CSV,
BDF, BIDS and NWB files tell the same story.

BIDS-EMG field names, levels and allowed values are those of the BIDS
specification 1.11 (BEP 042, "Electromyography"; schema ``rules/sidecars/emg.yaml``,
``rules/tabular_data/emg.yaml``).
"""
from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from pathlib import Path

from .. import __version__
from ..events import Event, EventKind
from ..montage import MUSCLES
from .reader import Recording

SIGNALS = ("raw", "filtered")


@dataclass(frozen=True)
class Band:
    """The frequency band of the data in an exported file.

    ``low_hz`` 0 means no high-pass (DC); ``high_hz`` None means no low-pass that
    emgmap knows of. ``software`` is True when emgmap's own filter made the data
    (``filtered``), False for the samples as the device delivered them (``raw``).
    """

    low_hz: float
    high_hz: float | None
    notch_hz: tuple[float, ...] = ()
    software: bool = False
    hp_order: int = 0
    lp_order: int = 0

    @property
    def prefilter(self) -> str:
        """The EDF+/BDF+ "prefiltering" header field (EDF+ spec 2.1.3.2: ``HP:0.1Hz LP:75Hz
        N:50Hz``; ``HP:DC`` for none). MNE reads ``HP:``/``LP:`` into ``info['highpass']``/
        ``info['lowpass']`` (mne/io/edf/edf.py ``_parse_prefilter_string``)."""
        parts = [f"HP:{self.low_hz:g}Hz" if self.low_hz > 0 else "HP:DC"]
        if self.high_hz is not None:
            parts.append(f"LP:{self.high_hz:g}Hz")
        parts += [f"N:{f:g}Hz" for f in self.notch_hz]
        if not self.software:
            parts.append("raw, unfiltered by emgmap")
        return " ".join(parts)[:80]


def raw_band(rec: Recording) -> Band:
    """The band of ``/emg/data`` as recorded: the device's own band (``[session]
    device_band_hz`` in the config). Files without it (imports, recordings made
    before it was stored: no driver stated a band then) are taken as unfiltered."""
    band = rec.config.get("session", {}).get("device_band_hz")
    if band:
        lo, hi = float(band[0]), float(band[1])
        return Band(lo, hi if hi < rec.fs / 2 else None)
    return Band(0.0, None)


def filtered_band(rec: Recording) -> Band:
    """The band after the recording's own ``[pipeline]`` settings (docs/dsp.md): the
    device band narrowed by the Butterworth high- and low-pass, plus any mains notches."""
    from ..dsp import PipelineConfig
    from ..dsp.config import design
    cfg = PipelineConfig(**rec.config.get("pipeline", {}))
    d = design(cfg, rec.fs)
    dev = raw_band(rec)
    return Band(max(dev.low_hz, cfg.hp_hz), min(dev.high_hz or d.lp_hz, d.lp_hz), d.notch_hz, True,
                cfg.hp_order, cfg.lp_order)


def band_for(rec: Recording, signal: str) -> Band:
    if signal not in SIGNALS:
        raise ValueError(f"signal {signal!r} is not known; choose one of {', '.join(SIGNALS)}")
    return raw_band(rec) if signal == "raw" else filtered_band(rec)


# --- labels ----------------------------------------------------------------------------------------
def bids_label(text: str) -> str:
    """A BIDS entity label: letters and digits only (BIDS "label" format, ``[0-9a-zA-Z]+``)."""
    return re.sub(r"[^0-9a-zA-Z]", "", text)


def recording_date(rec: Recording) -> _dt.datetime | None:
    try:
        t = _dt.datetime.fromisoformat(str(rec.attrs.get("created_utc", "")))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=_dt.timezone.utc)


def task_name(rec: Recording) -> str:
    """The task: the guided protocol's name, else the exercises of the sets, else ``free``."""
    proto = str(rec.config.get("protocol", {}).get("name", ""))
    if proto:
        return Path(proto).stem
    exercises = dict.fromkeys(e.exercise for e in structured_events(rec) if e.kind is EventKind.SET)
    return " ".join(exercises) if exercises else "free"


def structured_events(rec: Recording) -> list[Event]:
    """The recording's events as typed :class:`~emgmap.events.Event` (never parsed by hand)."""
    return [Event.from_row(e.onset_s, e.duration_s, e.kind, e.label, e.channel) for e in rec.events]


# --- BIDS-EMG sidecar content -------------------------------------------------------------------------
def placement(rec: Recording) -> tuple[str, str]:
    """(EMGPlacementScheme, EMGPlacementSchemeDescription). The scheme is one of the
    allowed values Measured, ChannelSpecific, Other; a named procedure such as SENIAM
    is "Other" with the procedure in the description (BIDS 1.11, EMGPlacementScheme)."""
    scheme = str(rec.attrs.get("placement_scheme", "")).strip()
    if scheme and scheme.lower() != "n/a":
        return "Other", (f"{scheme} recommendations (Hermens et al. 2000, www.seniam.org) where they exist; "
                         "each channel's site is in the placement_description column of channels.tsv"
                         if scheme.upper() == "SENIAM" else scheme)
    return "Other", "not recorded: the source file does not say where the electrodes sat"


def software_filters(band: Band) -> dict | str:
    """BIDS ``SoftwareFilters``: emgmap's filters as an object, "n/a" for raw data."""
    if not band.software:
        return "n/a"
    out: dict = {"Butterworth high-pass": {"CutoffHz": band.low_hz, "Order": band.hp_order},
                 "Butterworth low-pass": {"CutoffHz": band.high_hz, "Order": band.lp_order}}
    for f in band.notch_hz:
        out[f"IIR notch {f:g} Hz"] = {"CenterHz": f, "QualityFactor": 30}
    return out


def emg_json(rec: Recording, band: Band, device_band: Band | None = None) -> dict:
    """``*_emg.json`` fields (required, recommended, and emgmap's own) for data with ``band``."""
    a = rec.attrs
    scheme, description = placement(rec)
    dev = device_band or raw_band(rec)
    hardware: dict | str = "n/a"
    if dev.low_hz > 0 or dev.high_hz is not None:
        hardware = {"Device band": {"HighpassCutoffHz": dev.low_hz or "n/a", "LowpassCutoffHz": dev.high_hz or "n/a"}}
    power = a.get("power_line_hz")
    gaps = rec.gaps()
    return {
        "TaskName": task_name(rec),
        "EMGPlacementScheme": scheme,
        "EMGPlacementSchemeDescription": description,
        "EMGReference": "n/a",
        "SamplingFrequency": rec.fs,
        "PowerLineFrequency": float(power) if power else "n/a",
        "SoftwareFilters": software_filters(band),
        "HardwareFilters": hardware,
        "EMGChannelCount": rec.n_channels,
        "RecordingDuration": rec.duration_s,
        "RecordingType": "continuous",
        "Manufacturer": "n/a",
        "ManufacturersModelName": str(a.get("device_model", "")) or "n/a",
        "SoftwareVersions": f"emgmap {a.get('software_version', '?')} (export: emgmap {__version__})",
        "SubjectArtefactDescription": (f"{sum(g.missing for g in gaps)} samples lost by the device in {len(gaps)} "
                                       "gaps; zero-filled in the data file and listed as gap events"
                                       if gaps else "n/a"),
    }


CHANNEL_COLUMNS = ("name", "type", "units", "description", "sampling_frequency", "low_cutoff", "high_cutoff",
                   "notch", "target_muscle", "placement_scheme", "placement_description", "signal_electrode",
                   "reference", "group", "interelectrode_distance", "status", "status_description")


def _num(v: float | None) -> str:
    return "n/a" if v is None or v == 0 else f"{v:g}"


def channel_rows(rec: Recording, band: Band, units: str = "uV") -> list[dict[str, str]]:
    """``*_channels.tsv`` rows with the columns BIDS-EMG defines (``CHANNEL_COLUMNS``);
    "n/a" where the recording does not know (electrodes, reference, distance)."""
    scheme, _ = placement(rec)
    rows = []
    for ch in rec.montage.channels:
        m = MUSCLES.get(ch.muscle)
        rows.append({
            "name": ch.name, "type": "EMG", "units": units,
            "description": f"sEMG, {m.name} {ch.side.value}" if m else "sEMG, muscle not assigned",
            "sampling_frequency": f"{rec.fs:g}", "low_cutoff": _num(band.low_hz), "high_cutoff": _num(band.high_hz),
            "notch": "n/a" if not band.notch_hz else ", ".join(f"{f:g}" for f in band.notch_hz),
            "target_muscle": f"{ch.side.value} {m.name}" if m else "n/a",
            "placement_scheme": "other" if ch.placement and scheme == "Other" else "n/a",
            "placement_description": ch.placement or "n/a",
            "signal_electrode": "n/a", "reference": "n/a", "group": "n/a", "interelectrode_distance": "n/a",
            "status": "good", "status_description": "n/a"})
    return rows


EVENT_COLUMNS = {
    "kind": "emgmap event kind: marker, rest, mvc, set, rep, cue, gap or gait",
    "exercise": "set, rep: the exercise (protocol name)",
    "side": "set, rep: the working leg of a unilateral exercise; mvc: the tested side; gait: the foot",
    "rep": "rep: the repetition number within its set",
    "muscle": "mvc: the tested muscle (emgmap muscle key)",
    "channel": "the channel the event belongs to (mvc: the tested channel), n/a for all",
    "label": "the event label as stored in the emgmap recording",
}


def event_fields(e: Event) -> dict[str, str]:
    """The structured columns of one event (``EVENT_COLUMNS``), "n/a" where empty."""
    na = lambda v: str(v) if v not in ("", None, 0) else "n/a"  # noqa: E731
    return {"kind": e.kind.value, "exercise": na(e.exercise), "side": na(e.side.value if e.side else ""),
            "rep": na(e.rep), "muscle": na(e.muscle), "channel": na(e.channel), "label": e.label or "n/a"}


def annotation_text(e: Event) -> str:
    """One event as text, as the BDF annotations and the LSL Markers stream write it."""
    return f"{e.kind.value}: {e.label}" + (f" [{e.channel}]" if e.channel else "")

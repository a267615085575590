"""What the analysis reads: the signal of a recording or of a live session's rings.

Offline, the envelope is recomputed from the raw samples with the recording's
own pipeline settings: the pipeline is causal and chunk-invariant, so this is,
to the bit, the envelope the live session had in its rings; a live session
analyses its rings with the same code (:func:`from_session`).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..dsp import Pipeline, PipelineConfig
from ..dsp.calibration import sliding_mean_range
from ..events import Event
from ..montage import Montage
from ..types import EmgmapError


class AnalysisError(EmgmapError):
    """A recording that cannot be analysed (no samples, no finite sample); one sentence."""


@dataclass(frozen=True)
class Source:
    """Where the signal came from: what the analysis reports as its provenance."""
    subject: str = ""
    recorded_utc: str = ""          # the recording's created_utc (ISO 8601), "" when unknown
    device: str = ""
    recorded_with: str = ""         # the emgmap version that wrote the file
    crashed: bool = False           # the writer never closed the file (kill -9, power cut)

    @property
    def date(self) -> str:
        """The recording date, YYYY-MM-DD ("" when unknown)."""
        return self.recorded_utc[:10]


@dataclass
class SignalData:
    """What the analysis needs, from a recording (:func:`from_recording`) or a live
    session's rings (:func:`from_session`)."""
    fs: float
    montage: Montage
    t: np.ndarray                   # (n,) session seconds
    envelope: np.ndarray            # (n, C) µV, the pipeline's envelope
    filtered: np.ndarray            # (n, C) µV, the pipeline's filtered signal
    events: list[Event]
    mvc_uv: np.ndarray              # (C,) stored MVC references, NaN where absent
    peak_uv: np.ndarray             # (C,) peak-in-task (fallback normalisation)
    floor_uv: np.ndarray            # (C,) lowest 500 ms mean (the quiet level the peak must clear)
    name: str = ""
    protocol: str = ""              # the session's protocol name or file, when recorded
    pipeline: PipelineConfig = field(default_factory=PipelineConfig)
    source: Source = field(default_factory=Source)


def as_event(e) -> Event:
    """An :class:`~emgmap.events.Event` of any stored or in-memory event row."""
    if isinstance(e, Event):
        return e
    return Event.from_row(e.onset_s, e.duration_s, str(e.kind), e.label, getattr(e, "channel", ""))


def from_recording(rec) -> SignalData:
    """Recompute filtered and envelope from a :class:`~emgmap.recordings.reader.Recording`.
    Raises :class:`AnalysisError` for a recording without any finite sample."""
    if rec.n_samples == 0:
        raise AnalysisError(f"{rec.path} holds no samples (the recording stopped before its first block); "
                            "there is nothing to analyse")
    cfg = rec.config.get("pipeline")
    pipeline = PipelineConfig(**cfg) if cfg else PipelineConfig()
    raw = rec.data().astype(np.float64)
    if not np.isfinite(raw).any():
        raise AnalysisError(f"{rec.path} holds no finite sample (every value is NaN or infinite); "
                            "check the device's scale or the imported file")
    out = Pipeline(rec.fs, rec.n_channels, pipeline).process(raw)
    protocol = str(rec.config.get("protocol", {}).get("name", ""))
    peak, floor = sliding_mean_range(out.envelope, rec.fs)   # max/min of the 500 ms means, one pass
    a = rec.attrs
    source = Source(str(a.get("subject_id", "")), str(a.get("created_utc", "")), rec.device,
                    str(a.get("software_version", "")), bool(rec.interrupted))
    return SignalData(rec.fs, rec.montage, rec.timestamps(), out.envelope, out.filtered,
                      [as_event(e) for e in rec.events], np.asarray(rec.mvc_uv, dtype=float), peak, floor,
                      str(rec.path), protocol, pipeline, source)


def from_session(session, start_s: float, end_s: float, protocol: str = "") -> SignalData:
    """The rings of a live ``session`` over [start_s, end_s) of session time (the part of it
    still held: a set's lead-in may be older), one aligned read, with its calibration."""
    try:
        frame = session.rings.frame(*session.rings.span(start_s, end_s))
    except IndexError:
        raise AnalysisError(f"the span {start_s:.2f}-{end_s:.2f} s left memory while being read; "
                            "keep more history (ensure_history)") from None
    cal = session.calibration.snapshot()
    return SignalData(session.fs, session.montage, frame.t, frame.envelope, frame.filtered,
                      [as_event(e) for e in session.events()], cal.mvc_uv, cal.peak_uv, cal.floor_uv,
                      session.spec.device, protocol, session.pipeline_config, Source(device=session.spec.device))

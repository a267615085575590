"""Analyse a recording file: the one call the CLI, the GUI and the study runner make."""
from __future__ import annotations

import os

from .normalization import Normalize
from .sets import Analysis, analyze
from .signal import from_recording


def analyze_recording(path: str | os.PathLike, *, normalize: Normalize | str = "auto", gait: bool | None = None,
                      gait_source: str = "auto") -> Analysis:
    """The analysis of the recording at ``path`` (DESIGN §3 "Analysis output" from
    :meth:`Analysis.to_json`), carrying the file's subject, date and device in its
    provenance (:attr:`Analysis.meta`).

    ``normalize``: ``auto`` (MVC when every channel has one, stored or recomputed from the
    recording's MVC trials; else peak in the task; else µV), ``mvc``, ``peak`` or ``none``
    (:mod:`emgmap.analysis.normalization`). A file that is not a recording raises
    :class:`~emgmap.recordings.format.RecordingError`; one without any finite sample,
    :class:`~emgmap.analysis.signal.AnalysisError`; an impossible ``normalize``,
    :class:`~emgmap.types.ConfigError`. Each says what is wrong in one sentence.

    ``gait``: True adds the gait analysis (:attr:`Analysis.gait`, docs/gait.md) with events
    from ``gait_source``; None (default) adds it when the recording holds a walk/run set."""
    from ..recordings import open_recording
    from .gait import analyze_recording_gait, gait_spans
    want = Normalize.of(normalize)
    with open_recording(path) as rec:
        data = from_recording(rec)
        walked = analyze_recording_gait(rec, gait_source) if gait or (gait is None and gait_spans(rec.events)) \
            else None
    result = analyze(data, normalize=want)
    result.gait = walked
    return result

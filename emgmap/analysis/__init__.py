"""Offline analysis of recordings: sets, reps, indices, tables and reports (services layer).

Public API (docs/analysis.md)::

    from emgmap.analysis import analyze_recording, analysis_rows, analysis_table
    a = analyze_recording("session.h5", normalize="auto")   # -> Analysis
    a.to_json()                  # DESIGN §3 "Analysis output", plus "provenance"
    analysis_rows(a)             # the long study-table rows (DESIGN §3 "Study table")
    analysis_table(["a.h5", "visits/"])   # pandas.DataFrame of many files

``analyze(from_recording(rec))`` and ``analyze(from_session(session, t0, t1), [set_event])``
are the same analysis on a recording and on a live session's rings.
"""
from .normalization import ChannelNormalization, MvcSource, Normalize
from .recording import analyze_recording
from .sets import ONSET_LEAD_S, Analysis, Provenance, RepResult, SetResult, analyze, exercise_symmetry
from .signal import AnalysisError, SignalData, Source, from_recording, from_session
from .table import COLUMNS, analysis_rows, analysis_table, provenance_row

__all__ = ["Analysis", "AnalysisError", "COLUMNS", "ChannelNormalization", "MvcSource", "Normalize",
           "ONSET_LEAD_S", "Provenance", "RepResult", "SetResult", "SignalData", "Source", "analysis_rows",
           "analysis_table", "analyze", "analyze_recording", "exercise_symmetry", "from_recording",
           "from_session", "provenance_row"]

"""The dashboard's "save report": a recording's HTML report (``render_html``, equal to
``emgmap analyze --report``) written completely or not at all (:mod:`emgmap.outputs`)."""
from __future__ import annotations

from pathlib import Path

from ..outputs import check_output, write_text


def write_report(analysis, title: str, path) -> Path:
    """Write ``analysis``'s report titled ``title`` to ``path``, replacing it (the dashboard
    asked, or it is the recording's own report made again); OutputError in one sentence."""
    from ..analysis.report import render_html
    path = check_output(path, what="the report", force=True)   # a folder, a missing folder: one sentence first
    return write_text(path, render_html(analysis, title, analysis.meta), force=True)

"""Review a recording (scroll and zoom through its envelopes with its events, replay
it through the live views, open its report) and compare two sessions.

The plotted curves are the recording's own 100 Hz envelope (/envelope, docs/
recordings), each channel scaled to its own maximum and stacked; events are
drawn where the recording says they are (session time). The report is made from
the file by :func:`emgmap.analysis.analyze_recording`, so it is exactly what
``emgmap analyze --report`` writes.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QUrl, Qt
from PyQt6.QtGui import QDesktopServices
from PyQt6.QtWidgets import QHBoxLayout, QLabel, QMainWindow, QPushButton, QTextBrowser, QVBoxLayout, QWidget

from ..recordings import open_recording
from .theme import MEDIUM_PT, OKABE_ITO, font

SPAN_COLOURS = {"set": OKABE_ITO["blue"], "mvc": OKABE_ITO["vermillion"], "rest": "#8a939c"}
SPEEDS = (1.0, 2.0, 5.0)


def _button(text: str, slot) -> QPushButton:
    b = QPushButton(text)
    b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    b.clicked.connect(slot)
    return b


class ReviewWindow(QMainWindow):
    """One recording: envelopes with events; keys ←/→ scroll, +/− zoom, Home the whole
    file, 1/2/5 replay at that speed, A the analysis report, Esc close."""

    def __init__(self, path: str | os.PathLike, main=None):
        super().__init__(main)
        self.setWindowFlag(Qt.WindowType.Window)
        self.main = main
        self.path = Path(path)
        self.report_path: Path | None = None
        with open_recording(self.path) as rec:   # RecordingError (one sentence) on a bad file
            env, t = rec.envelope()
            if env.shape[0] == 0:   # no envelope stored: rectified raw, 10 ms means
                step = max(1, int(rec.fs / 100))
                raw = np.abs(rec.data()).astype(np.float64)
                n = raw.shape[0] // step * step
                env = raw[:n].reshape(-1, step, raw.shape[1]).mean(axis=1)
                t = rec.timestamps()[:n:step]
            self.names = list(rec.channel_names)
            self.events = list(rec.events)
            self.duration = rec.duration_s
            subject = rec.attrs.get("subject_id", "") or "–"
            created = rec.attrs.get("created_utc", "")
            device = rec.device
            protocol = Path(str(rec.config.get("protocol", {}).get("name", ""))).stem
        self.t, self.env = np.asarray(t, dtype=np.float64), np.asarray(env, dtype=np.float64)
        self.setWindowTitle(f"emgmap review · {self.path.name}")
        head = QLabel(f"<b>{self.path.name}</b> · subject {subject} · {created} · {device} · "
                      f"{self.duration:.1f} s" + (f" · protocol {protocol}" if protocol else ""))
        head.setFont(font(MEDIUM_PT))
        self.plot = pg.PlotWidget()
        self.plot.setLabel("bottom", "session time", units="s")
        self.plot.showGrid(x=True, y=False, alpha=0.3)
        self.plot.getPlotItem().setMouseEnabled(x=True, y=False)
        self.curves = []
        n = len(self.names)
        for i, name in enumerate(self.names):
            y = self.env[:, i]
            top = float(np.nanmax(y)) if y.size and np.isfinite(y).any() else 1.0
            self.curves.append(self.plot.plot(self.t, (n - 1 - i) + 0.9 * y / (top or 1.0),
                                              pen=pg.mkPen(OKABE_ITO["sky"] if i % 2 == 0 else OKABE_ITO["orange"])))
        self.plot.getAxis("left").setTicks([[(n - 1 - i + 0.4, name) for i, name in enumerate(self.names)]])
        self.event_items = []
        for k, ev in enumerate(self.events):
            if ev.kind in SPAN_COLOURS and ev.duration_s > 0:
                colour = pg.mkColor(SPAN_COLOURS[ev.kind])
                colour.setAlpha(40)
                region = pg.LinearRegionItem((ev.onset_s, ev.onset_s + ev.duration_s), movable=False, brush=colour)
                region.setZValue(-10)
                self.plot.addItem(region)
                text = ev.channel if ev.kind == "mvc" and ev.channel else ev.label
                label = pg.TextItem(text, color=SPAN_COLOURS[ev.kind], anchor=(0, 1))
                # set names on top; short MVC labels on two alternating rows so neighbours do not overlap
                label.setPos(ev.onset_s, n + (0.6 if ev.kind == "set" else 0.3 * (k % 2)))
                self.plot.addItem(label)
                self.event_items += [region, label]
            elif ev.kind in ("marker", "gap"):
                line = pg.InfiniteLine(ev.onset_s, angle=90, pen=pg.mkPen(OKABE_ITO["yellow"], width=2),
                                       label=ev.label or ev.kind, labelOpts={"position": 0.95})
                self.plot.addItem(line)
                self.event_items.append(line)
        self.plot.setYRange(-0.2, n + 0.8)
        self.show_all()
        buttons = QHBoxLayout()
        for speed in SPEEDS:
            buttons.addWidget(_button(f"Replay {speed:g}x  ({speed:g})", lambda _=False, s=speed: self.replay(s)))
        buttons.addWidget(_button("Report  (A)", lambda: self.open_report()))
        buttons.addStretch(1)
        hint = QLabel("←/→ scroll · +/− zoom · Home: whole file · Esc: close")
        buttons.addWidget(hint)
        central = QWidget()
        lay = QVBoxLayout(central)
        lay.addWidget(head)
        lay.addWidget(self.plot, 1)
        lay.addLayout(buttons)
        self.status = QLabel()
        lay.addWidget(self.status)
        self.setCentralWidget(central)
        self.resize(1400, 800)

    # -- navigation ---------------------------------------------------------------------
    @property
    def x_range(self) -> tuple[float, float]:
        lo, hi = self.plot.getPlotItem().getViewBox().viewRange()[0]
        return lo, hi

    def show_all(self) -> None:
        t0 = float(self.t[0]) if self.t.size else 0.0
        self.plot.setXRange(t0, t0 + max(self.duration, 1.0), padding=0.01)

    def scroll(self, fraction: float) -> None:
        lo, hi = self.x_range
        d = (hi - lo) * fraction
        self.plot.setXRange(lo + d, hi + d, padding=0)

    def zoom(self, factor: float) -> None:
        """factor < 1 zooms in around the centre of the view."""
        lo, hi = self.x_range
        c, half = (lo + hi) / 2, (hi - lo) / 2 * factor
        self.plot.setXRange(c - half, c + half, padding=0)

    def keyPressEvent(self, ev) -> None:
        K = Qt.Key
        key = ev.key()
        actions = {K.Key_Left: lambda: self.scroll(-0.25), K.Key_Right: lambda: self.scroll(0.25),
                   K.Key_Plus: lambda: self.zoom(0.5), K.Key_Equal: lambda: self.zoom(0.5),
                   K.Key_Minus: lambda: self.zoom(2.0), K.Key_Home: self.show_all,
                   K.Key_1: lambda: self.replay(1.0), K.Key_2: lambda: self.replay(2.0),
                   K.Key_5: lambda: self.replay(5.0), K.Key_A: lambda: self.open_report(), K.Key_Escape: self.close}
        if key in actions:
            actions[key]()
            return
        super().keyPressEvent(ev)

    # -- replay and report ----------------------------------------------------------------
    def replay(self, speed: float) -> bool:
        """Play the file through the main window's live views at ``speed`` x."""
        if self.main is None:
            return False
        ok = self.main.replay(self.path, speed)
        self.status.setText(f"replaying at {speed:g}x in the main window" if ok else self.main.banner.full_text)
        return ok

    def open_report(self, browse: bool = True) -> Path | None:
        """Write ``<file>.report.html`` (= ``emgmap analyze --report``) and open it in the browser."""
        from ..analysis import analyze_recording
        from ..analysis.report import render_html
        from ..types import EmgmapError
        out = self.path.with_suffix(".report.html")
        try:
            analysis = analyze_recording(self.path)
            out.write_text(render_html(analysis, f"{self.path.name}: session report", analysis.meta),
                           encoding="utf-8")
        except EmgmapError as e:
            self.status.setText(str(e))
            return None
        except OSError as e:
            self.status.setText(f"the report could not be written to {out} ({e.strerror}); copy the recording "
                                "to a writable folder")
            return None
        self.report_path = out
        self.status.setText(f"report: {out}")
        if browse:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(out)))
        return out


class CompareWindow(QMainWindow):
    """Two sessions side by side: every index in both, before, after and the change
    (:func:`emgmap.analysis.report.render_compare_html`)."""

    def __init__(self, before: str | os.PathLike, after: str | os.PathLike, theme=None):
        super().__init__()
        from ..analysis import analyze_recording
        from ..analysis.report import render_compare_html
        self.a, self.b = analyze_recording(before), analyze_recording(after)
        meta_a, meta_b = self.a.meta, self.b.meta
        self.setWindowTitle(f"emgmap compare · {Path(before).name} → {Path(after).name}")
        note = ""
        if meta_a.get("subject") != meta_b.get("subject"):
            note = (f"<p style='color:{OKABE_ITO['vermillion']}'><b>the two recordings name different subjects "
                    f"({meta_a.get('subject') or '–'} and {meta_b.get('subject') or '–'})</b></p>")
        self.browser = QTextBrowser()
        self.browser.setFont(font(MEDIUM_PT))
        self.browser.setStyleSheet("QTextBrowser { background: white; color: black; }")  # the report's light page
        self.html = render_compare_html(self.a, self.b)
        self.browser.setHtml(self.html.replace("<h1>Reassessment</h1>", "<h1>Reassessment</h1>" + note
                                               + f"<p>{meta_a.get('recorded', '')} → {meta_b.get('recorded', '')}</p>"))
        self.setCentralWidget(self.browser)
        self.resize(1000, 700)

    def keyPressEvent(self, ev) -> None:
        if ev.key() == Qt.Key.Key_Escape:
            self.close()
            return
        super().keyPressEvent(ev)

"""Review a recording (scroll and zoom through its envelopes with its events, replay
it through the live views, open its report) and compare two sessions.

The plotted curves are the recording's own 100 Hz envelope (/envelope, docs/
recordings), each channel scaled to its own maximum (written on its lane label,
so each lane has its y scale) and stacked, left side and right side in the
theme's side colours; events are drawn where the recording says they are
(session time). The view never scrolls past either end of the file. The report is made from
the file by :func:`emgmap.analysis.analyze_recording`, so it is exactly what
``emgmap analyze --report`` writes.
"""
from __future__ import annotations

import html
import os
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QTimer, QUrl, Qt
from PyQt6.QtGui import QDesktopServices
from PyQt6.QtWidgets import QHBoxLayout, QLabel, QMainWindow, QPushButton, QTextBrowser, QVBoxLayout, QWidget

from ..app.compare import Change, compare_table
from ..app.gauges import GaugeKind
from ..recordings import open_recording
from ..types import Side
from .theme import MEDIUM_PT, OKABE_ITO, THEMES, ZONE_COLOURS, ZONE_TEXT, fit_to_screen, font

SPAN_COLOURS = {"set": OKABE_ITO["blue"], "mvc": OKABE_ITO["vermillion"], "rest": "#8a939c"}
SPEEDS = (1.0, 2.0, 5.0)
CHANGE_COLOURS = {Change.BETTER: OKABE_ITO["green"], Change.WORSE: OKABE_ITO["vermillion"]}


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
            sides = [c.side for c in rec.montage.channels]
            self.events = list(rec.events)
            self.duration = rec.duration_s
            subject = rec.attrs.get("subject_id", "") or "–"
            created = rec.attrs.get("created_utc", "")
            device = rec.device
            protocol = Path(str(rec.config.get("protocol", {}).get("name", ""))).stem
        self.t, self.env = np.asarray(t, dtype=np.float64), np.asarray(env, dtype=np.float64)
        self.setWindowTitle(f"emgmap review · {self.path.name}")
        # plain text: the subject and the device come from the file, never rendered as markup
        head = QLabel(f"{self.path.name} · subject {subject} · {created} · {device} · "
                      f"{self.duration:.1f} s" + (f" · protocol {protocol}" if protocol else ""))
        head.setTextFormat(Qt.TextFormat.PlainText)
        head.setWordWrap(True)   # a long device spec must not widen the window past the screen
        head.setFont(font(MEDIUM_PT, bold=True))
        self.head = head
        theme = getattr(main, "theme", THEMES["dark"])
        self.plot = pg.PlotWidget()
        self.plot.setLabel("bottom", "session time", units="s")
        self.plot.showGrid(x=True, y=False, alpha=0.3)
        self.plot.getPlotItem().setMouseEnabled(x=True, y=False)
        # a click on the plot must not take the keys (+/-, arrows) from the window
        self.plot.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.curves = []
        n = len(self.names)
        ticks = []
        for i, name in enumerate(self.names):
            y = self.env[:, i]
            top = float(np.nanmax(y)) if y.size and np.isfinite(y).any() else 1.0
            colour = {Side.LEFT: theme.left, Side.RIGHT: theme.right}.get(sides[i], theme.midline)
            self.curves.append(self.plot.plot(self.t, (n - 1 - i) + 0.9 * y / (top or 1.0), pen=pg.mkPen(colour)))
            ticks.append((n - 1 - i + 0.4, f"{name}  {top:.0f} µV"))   # the lane's full height
        left = self.plot.getAxis("left")
        left.setTicks([ticks])
        left.setLabel("envelope, each lane 0 to its maximum")
        # pyqtgraph does not widen an axis for text ticks: give the longest label its room
        left.setWidth(self.plot.fontMetrics().horizontalAdvance(max((t for _, t in ticks), key=len, default="")) + 40)
        self.event_items = []
        row = sets = 0
        for k, ev in enumerate(self.events):
            if ev.kind in SPAN_COLOURS and ev.duration_s > 0:
                colour = pg.mkColor(SPAN_COLOURS[ev.kind])
                colour.setAlpha(40)
                region = pg.LinearRegionItem((ev.onset_s, ev.onset_s + ev.duration_s), movable=False, brush=colour)
                region.setZValue(-10)
                self.plot.addItem(region)
                self.event_items.append(region)
                text = self._span_label(k)
                if text:
                    label = pg.TextItem(text, color=SPAN_COLOURS[ev.kind], anchor=(0, 1))
                    # set names on top on two rows in turn (a set's name is wider than a short set);
                    # MVC labels (one per run of trials) on three rows in turn below them
                    sets += ev.kind == "set"
                    row += ev.kind == "mvc"
                    label.setPos(ev.onset_s, n + (0.75 + 0.2 * (sets % 2) if ev.kind == "set" else 0.25 * (row % 3)))
                    self.plot.addItem(label)
                    self.event_items.append(label)
            elif ev.kind in ("marker", "gap"):
                line = pg.InfiniteLine(ev.onset_s, angle=90, pen=pg.mkPen(theme.fg, width=2),
                                       label=ev.label or ev.kind, labelOpts={"position": 0.95})
                self.plot.addItem(line)
                self.event_items.append(line)
        self.plot.setYRange(-0.2, n + 0.8)
        t0 = float(self.t[0]) if self.t.size else 0.0
        self.t_start, self.t_end = t0, t0 + max(self.duration, 1.0)
        self.plot.getPlotItem().getViewBox().setLimits(xMin=self.t_start, xMax=self.t_end)
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
        # the replay's playhead: where the main window's replay of this file is now
        self.playhead = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen(theme.fg, width=3))
        self.playhead.setVisible(False)
        self.plot.addItem(self.playhead, ignoreBounds=True)
        self._playhead_timer = QTimer(self)
        self._playhead_timer.timeout.connect(self._follow_replay)
        lay.addWidget(self.status)
        self.setCentralWidget(central)
        fit_to_screen(self, 1400, 800)

    # -- navigation ---------------------------------------------------------------------
    @property
    def x_range(self) -> tuple[float, float]:
        lo, hi = self.plot.getPlotItem().getViewBox().viewRange()[0]
        return lo, hi

    def _span_label(self, k: int) -> str:
        """A span's label; a run of MVC trials of one channel gets one (``MVC gmed_L ×3``)."""
        ev = self.events[k]
        if ev.kind != "mvc":
            return ev.label
        channel = ev.channel or ev.label

        def same(e) -> bool:
            return e.kind == "mvc" and (e.channel or e.label) == channel
        spans = [e for e in self.events if e.kind in SPAN_COLOURS and e.duration_s > 0]
        i = next(j for j, e in enumerate(spans) if e is ev)
        if i > 0 and same(spans[i - 1]):
            return ""
        run = 1
        while i + run < len(spans) and same(spans[i + run]):
            run += 1
        return f"MVC {channel}" + (f" ×{run}" if run > 1 else "")

    def show_all(self) -> None:
        self.plot.setXRange(self.t_start, self.t_end, padding=0)

    def scroll(self, fraction: float) -> None:
        """Move the view by ``fraction`` of its width, stopping at either end of the file."""
        lo, hi = self.x_range
        d = (hi - lo) * fraction
        d = min(d, self.t_end - hi) if d > 0 else max(d, self.t_start - lo)
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
        """Play the file through the main window's live views at ``speed`` x; a playhead
        follows it here."""
        if self.main is None:
            return False
        ok = self.main.replay(self.path, speed)
        if ok:
            self._playhead_timer.start(100)
        self.status.setText(f"replaying at {speed:g}x in the main window" if ok else self.main.banner.full_text)
        return ok

    def _follow_replay(self) -> None:
        pos = self.main.replay_position(self.path) if self.main is not None else None
        self.playhead.setVisible(pos is not None)
        if pos is None:
            self._playhead_timer.stop()
            return
        self.playhead.setPos(pos)

    def open_report(self, browse: bool = True) -> Path | None:
        """Write ``<file>.report.html`` (= ``emgmap analyze --report``) and open it in the browser."""
        from ..analysis import analyze_recording
        from ..app.reports import write_report
        from ..types import EmgmapError
        out = self.path.with_suffix(".report.html")
        try:
            write_report(analyze_recording(self.path), f"{self.path.name}: session report", out)
        except EmgmapError as e:   # a file that cannot be analysed, a folder that cannot be written
            self.status.setText(str(e))
            return None
        self.report_path = out
        self.status.setText(f"report: {out}")
        if browse:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(out)))
        return out


CHANGE_WORDS = {Change.BETTER: "better", Change.WORSE: "worse", Change.SAME: "same zone", Change.NOT_JUDGED: ""}


def compare_html(rows, note: str = "") -> str:
    """The comparison as a table: before and after in their zone colours, the change
    named and coloured by the zone change (:mod:`emgmap.app.compare`)."""
    def cell(value: float, zone, nd: int) -> str:
        text = f"{value:.{nd}f}" if value == value else "–"
        if zone is None:
            return f"<td align='right'>{text}</td>"
        return (f"<td align='right' style='background:{ZONE_COLOURS[zone]}; color:{ZONE_TEXT[zone]}'>"
                f"<b>{text}</b> {zone.word}</td>")
    out = [f"<h1>Reassessment</h1>{note}<table cellspacing='0' cellpadding='6' border='1' "
           "style='border-collapse:collapse'><tr><th>exercise</th><th>index</th><th>before</th><th>after</th>"
           "<th>change</th><th></th></tr>"]
    for r in rows:
        nd = 1 if r.kind == GaugeKind.SYMMETRY else 2
        colour = CHANGE_COLOURS.get(r.change)
        style = f" style='color:{colour}'" if colour else ""
        word = CHANGE_WORDS[r.change] or r.note
        out.append(f"<tr><td>{html.escape(r.exercise)}</td><td><b>{html.escape(r.index)}</b></td>"
                   f"{cell(r.before, r.before_zone, nd)}{cell(r.after, r.after_zone, nd)}"
                   f"<td align='right'{style}><b>{r.delta:+.{nd}f}</b></td><td{style}><b>{html.escape(word)}</b>"
                   f"{'<br>' + html.escape(r.note) if r.note and CHANGE_WORDS[r.change] else ''}</td></tr>")
    if not rows:
        out.append("<tr><td colspan='6'>no exercise in common</td></tr>")
    out.append("</table><p>The change is coloured by the zone change: green better, vermillion worse, "
               "neutral when the zone stayed or the value is not judged.</p>")
    return "".join(out)


class CompareWindow(QMainWindow):
    """Two sessions side by side: every index in both, before, after and the change,
    coloured by zone change (:func:`emgmap.app.compare.compare_table`)."""

    def __init__(self, before: str | os.PathLike, after: str | os.PathLike, theme=None):
        super().__init__()
        from ..analysis import analyze_recording
        self.a, self.b = analyze_recording(before), analyze_recording(after)
        meta_a, meta_b = self.a.meta, self.b.meta
        self.rows = compare_table(self.a, self.b)
        self.setWindowTitle(f"emgmap compare · {Path(before).name} → {Path(after).name}")
        note = (f"<p>before: {html.escape(str(before))} ({html.escape(str(meta_a.get('recorded', '')))})<br>"
                f"after: {html.escape(str(after))} ({html.escape(str(meta_b.get('recorded', '')))})</p>")
        if meta_a.get("subject") != meta_b.get("subject"):
            note += (f"<p style='color:{OKABE_ITO['vermillion']}'><b>the two recordings name different subjects "
                     f"({html.escape(meta_a.get('subject') or '–')} and "
                     f"{html.escape(meta_b.get('subject') or '–')})</b></p>")
        self.browser = QTextBrowser()
        self.browser.setFont(font(MEDIUM_PT))
        self.browser.setStyleSheet("QTextBrowser { background: white; color: black; }")  # the report's light page
        self.html = compare_html(self.rows, note)
        self.browser.setHtml(self.html)
        self.setCentralWidget(self.browser)
        fit_to_screen(self, 1000, 700)

    def keyPressEvent(self, ev) -> None:
        if ev.key() == Qt.Key.Key_Escape:
            self.close()
            return
        super().keyPressEvent(ev)

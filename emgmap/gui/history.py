"""A patient's history: each judged index over the visits as a line with its expected
band, points in their zone colour, the clinician's note per visit (editable), and the
sets behind each point one click away (a review window opens at that set).

Also the wizard's side of the patient store: :func:`file_and_compare` files a finished
session and renders its comparison with the last visit
(:func:`emgmap.app.patients.compare_with_last_visit`, Qt-free and tested without Qt).
"""
from __future__ import annotations

import html
import math
from pathlib import Path

import pyqtgraph as pg
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QComboBox, QDialog, QFileDialog, QHBoxLayout, QLabel, QMainWindow, QMenu, QPushButton, \
    QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from ..analysis.progress_report import CATEGORY_COLOURS, MEASURE_TITLES, HistoryIndex, PatientHistory, render_pdf
from ..app.patients import IndexChange, Patient, PatientError, PatientStore, check_pseudonym, \
    compare_with_last_visit, file_session
from ..types import EmgmapError
from .patient_picker import PatientPicker
from .theme import MEDIUM_PT, OKABE_ITO, ZONE_COLOURS, ZONE_TEXT, font

UNJUDGED = "#8a939c"
SET_MARGIN_S = 1.0   # seconds shown either side of a set opened from the history
SIDE_DODGE = {"left": -0.06, "right": 0.06}   # left and right points side by side, each one clickable


class HistoryWindow(QMainWindow):
    """The history of ``pseudonym``; ``main`` (the dashboard) opens the review windows."""

    def __init__(self, pseudonym: str, main=None):
        super().__init__(main)
        self.setWindowFlag(Qt.WindowType.Window)
        self.main = main
        self.reviews: list = []
        with PatientStore() as store:
            self.patient: Patient = store.patient(pseudonym)
            self.history: PatientHistory = store.history(self.patient.pseudonym)
        p = self.patient
        self.setWindowTitle(f"emgmap history · {p.pseudonym}")
        head = QLabel(" · ".join(x for x in (p.pseudonym, p.display_name, p.sport,
                                             f"affected side {p.affected_side.value}" if p.affected_side.value else "",
                                             f"{len(self.history.visits)} visits") if x))
        head.setTextFormat(Qt.TextFormat.PlainText)
        head.setFont(font(MEDIUM_PT, bold=True))
        self.exercise_box = QComboBox()
        self.exercise_box.setFont(font(MEDIUM_PT))
        for ex in self.history.exercises():
            self.exercise_box.addItem(ex.replace("_", " "), ex)
        self.exercise_box.currentIndexChanged.connect(lambda _: self.draw())
        pdf_button = QPushButton("Progress report (PDF)…")
        pdf_button.clicked.connect(lambda: self.save_pdf())
        top = QHBoxLayout()
        top.addWidget(head)
        top.addStretch(1)
        top.addWidget(QLabel("exercise"))
        top.addWidget(self.exercise_box)
        top.addWidget(pdf_button)
        self.graphs = pg.GraphicsLayoutWidget()
        self.graphs.setBackground("w")
        self.plots: dict[str, pg.PlotItem] = {}
        self.points: list[tuple[pg.ScatterPlotItem, int, HistoryIndex]] = []
        self.notes = QTableWidget(0, 4)
        self.notes.setHorizontalHeaderLabels(["date", "protocol", "clinician's note (double-click to edit)",
                                              "recordings"])
        self.notes.horizontalHeader().setStretchLastSection(True)
        self.notes.setColumnWidth(2, 520)
        self.notes.setMaximumHeight(170)
        self._fill_notes()
        self.notes.itemChanged.connect(self._note_edited)
        self.status = QLabel("click a point: the sets behind it open in a review window")
        central = QWidget()
        lay = QVBoxLayout(central)
        lay.addLayout(top)
        lay.addWidget(self.graphs, 1)
        lay.addWidget(self.notes)
        lay.addWidget(self.status)
        self.setCentralWidget(central)
        self.resize(1200, 900)
        self.draw()

    @property
    def exercise(self) -> str:
        return self.exercise_box.currentData() or ""

    def draw(self) -> None:
        """One plot per measure of the chosen exercise: lines over visits, expected bands."""
        self.graphs.clear()
        self.plots.clear()
        self.points.clear()
        visits = self.history.visits
        series = self.history.series(self.exercise)
        ticks = [[(k, v.date) for k, v in enumerate(visits)]]
        for measure in ("ratio", "symmetry", "activation"):
            mine = {key: pts for key, pts in series.items() if key[0] == measure}
            if not mine:
                continue
            plot = self.graphs.addPlot(title=MEASURE_TITLES[measure])
            self.graphs.nextRow()
            plot.showGrid(x=True, y=True, alpha=0.25)
            plot.getAxis("left").setWidth(56)   # the plots' visits line up vertically
            plot.getAxis("bottom").setTicks(ticks)
            plot.setXRange(-0.4, len(visits) - 0.6, padding=0)
            plot.setLabel("left", next(iter(mine.values()))[0][1].unit)
            legend = plot.addLegend(offset=(10, 5), labelTextSize="9pt")
            legend.setAcceptedMouseButtons(Qt.MouseButton.NoButton)   # a click on a point under it still opens
            names = list(dict.fromkeys(name for _, name, _ in mine))
            bands = set()
            for (_, name, side), pts in mine.items():
                colour = CATEGORY_COLOURS[names.index(name) % len(CATEGORY_COLOURS)]
                pen = pg.mkPen(colour, width=2, style=Qt.PenStyle.DashLine if side == "right" else Qt.PenStyle.SolidLine)
                xs, ys = [k + SIDE_DODGE.get(side, 0.0) for k, _ in pts], [i.value for _, i in pts]
                label = f"{name} {side}".strip() if measure != "symmetry" else f"{name} SI"
                plot.plot(xs, ys, pen=pen, name=label)
                scatter = pg.ScatterPlotItem(xs, ys, size=14, symbol="s" if side == "right" else "o",
                                             pen=pg.mkPen("#222222"),
                                             brush=[pg.mkBrush(ZONE_COLOURS.get(i.zone, UNJUDGED)) for _, i in pts],
                                             data=list(range(len(self.points), len(self.points) + len(pts))))
                scatter.sigClicked.connect(self._clicked)
                plot.addItem(scatter)
                self.points += [(scatter, k, i) for k, i in pts]
                last = pts[-1][1]
                if last.expected_low is not None and last.expected_high is not None:
                    bands.add((last.expected_low, last.expected_high))
            for lo, hi in bands:
                colour = pg.mkColor(ZONE_COLOURS["green"])
                colour.setAlpha(40)
                plot.addItem(pg.LinearRegionItem((lo, hi), orientation="horizontal", movable=False, brush=colour,
                                                 pen=pg.mkPen(None)))
            legend.setBrush(pg.mkBrush(255, 255, 255, 200))
            self.plots[measure] = plot

    # -- points -> sets -> review -----------------------------------------------------------------
    def _clicked(self, scatter, spots, *_) -> None:
        if not spots:
            return
        _, visit, index = self.points[spots[0].data()]
        sets = self.sets_behind(index)
        if len(sets) == 1:
            self.open_set(*sets[0])
            return
        menu = QMenu(self)
        for path, label in sets:
            menu.addAction(f"{self.history.visits[visit].date}: {label}", lambda p=path, s=label: self.open_set(p, s))
        menu.popup(self.cursor().pos())

    @staticmethod
    def sets_behind(index: HistoryIndex) -> list[tuple[str, str]]:
        """(recording, set label) of each set a point was computed from (a symmetry point: all
        sets of its exercise)."""
        return [(path, label or index.exercise) for path, label in index.sets]

    def open_set(self, path: str, label: str):
        """A review window of ``path`` scrolled to the set ``label`` (an exercise name: all its
        sets). A missing recording is one sentence in the status line."""
        from .review import ReviewWindow
        try:
            win = ReviewWindow(path, self.main)
        except EmgmapError as e:
            self.status.setText(f"{e}; `emgmap patients import DIR` finds a moved recording again")
            return None
        spans = [(e.onset_s, e.onset_s + e.duration_s) for e in win.events if e.kind == "set"
                 and label in (e.label, e.label.rsplit(" ", 1)[0])]
        if spans:
            win.plot.setXRange(min(a for a, _ in spans) - SET_MARGIN_S, max(b for _, b in spans) + SET_MARGIN_S,
                               padding=0)
        self.reviews.append(win)
        win.show()
        self.status.setText(f"opened {Path(path).name} at {label}")
        return win

    # -- notes ------------------------------------------------------------------------------------
    def _fill_notes(self) -> None:
        self.notes.setRowCount(len(self.history.visits))
        for r, v in enumerate(self.history.visits):
            missing = sum(s != "ok" for s in v.recording_states)
            cells = (v.date, v.protocol, v.note,
                     f"{len(v.recordings)}" + (f" ({missing} moved or deleted)" if missing else ""))
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c != 2:
                    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                item.setData(Qt.ItemDataRole.UserRole, v.id)
                self.notes.setItem(r, c, item)

    def _note_edited(self, item: QTableWidgetItem) -> None:
        if item.column() != 2:
            return
        with PatientStore() as store:
            store.set_visit_note(item.data(Qt.ItemDataRole.UserRole), item.text())
        self.status.setText("note saved")

    def save_pdf(self, path: str | Path | None = None) -> Path | None:
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, "Save the progress report",
                                                  f"{self.patient.pseudonym}-progress.pdf", "PDF (*.pdf)")
            if not path:
                return None
        with PatientStore() as store:
            history = store.history(self.patient.pseudonym)   # notes edited here included
        try:
            out = render_pdf(history, path)
        except OSError as e:
            self.status.setText(f"the report could not be saved to {path} ({e.strerror}); pick another folder")
            return None
        self.status.setText(f"progress report: {out}")
        return out


def open_history(main) -> HistoryWindow | None:
    """Patients → History…: choose a patient (search as you type), open the history."""
    dialog = QDialog(main)
    dialog.setWindowTitle("Patient history")
    picker = PatientPicker(parent=dialog)
    picker.create_button.hide()          # the history of a patient that does not exist is empty
    picker.chosen.connect(lambda _: dialog.accept())
    QVBoxLayout(dialog).addWidget(picker)
    dialog.resize(480, 360)
    if not dialog.exec():
        return None
    win = HistoryWindow(picker.field.text().strip(), main)
    if main is not None:
        main.reviews.append(win)
    win.show()
    return win


# --- the wizard's summary ---------------------------------------------------------------------------
def _f(x: float | None, nd: int, signed: bool = False) -> str:
    if x is None or not math.isfinite(x):
        return "–"
    return f"{x:+.{nd}f}" if signed else f"{x:.{nd}f}"


def _pill(zone: str) -> str:
    if not zone:
        return "–"
    return (f"<span style='background:{ZONE_COLOURS[zone]};color:{ZONE_TEXT[zone]}'>&nbsp;{zone}&nbsp;</span>")


def comparison_html(changes: list[IndexChange], last_date: str) -> str:
    """The summary's table: each judged index then, now, change and zone change."""
    rows = [c for c in changes if c.measure != "activation"]
    if not rows or all(c.then is None for c in rows):
        return "<p>First visit of this patient: nothing to compare yet.</p>"
    out = [f"<p style='font-size:15pt'><b>Since the last visit ({html.escape(last_date)})</b></p>"
           "<table cellspacing='4' cellpadding='3' style='font-size:15pt'>"
           "<tr><th align='left'>index</th><th>then</th><th>now</th><th>change</th><th>zone</th><th></th></tr>"]
    for c in rows:
        nd = 2 if c.measure == "ratio" else 1
        label = f"{c.name} {c.side}".strip() if c.measure == "ratio" else f"{c.name} SI"
        word = {"better": "better", "worse": "worse"}.get(c.zone_change, "")
        colour = OKABE_ITO["green"] if word == "better" else OKABE_ITO["vermillion"] if word == "worse" else ""
        out.append(f"<tr><td>{html.escape(label)}</td><td align='right'>{_f(c.then, nd)}</td>"
                   f"<td align='right'>{_f(c.now, nd)}</td><td align='right'>{_f(c.change, nd, True)}</td>"
                   f"<td>{_pill(c.zone_then)} → {_pill(c.zone_now)}</td>"
                   f"<td style='color:{colour}'><b>{word}</b></td></tr>")
    out.append("</table>")
    return "".join(out)


def file_and_compare(pseudonym: str, recording: str | Path, protocol: str) -> tuple[int | None, str]:
    """File a finished wizard session under ``pseudonym`` (created when new) and return
    (visit id, the comparison with the last visit as HTML); (None, why) when it cannot be filed."""
    try:
        with PatientStore() as store:
            if store.find_patient(pseudonym) is None:
                store.add_patient(Patient(check_pseudonym(pseudonym)))
            visit = file_session(store, pseudonym, recording, protocol)
            changes = compare_with_last_visit(store, visit.id)
            earlier = [v for v in store.visits(pseudonym) if v.id != visit.id and v.date <= visit.date]
    except (PatientError, EmgmapError) as e:
        return None, f"<p>Not filed in the patient store: {html.escape(str(e))}</p>"
    return visit.id, comparison_html(changes, earlier[-1].date if earlier else "")

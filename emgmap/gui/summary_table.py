"""The guided session's summary as a real table: each index with its value and its zone
in the zone's colour (or, muted, why it is not judged), from
:class:`~emgmap.app.summary_view.SummaryView`."""
from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QColor
from PyQt6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from ..app.summary_view import SummaryView
from .theme import MEDIUM_PT, SMALL_PT, ZONE_COLOURS, ZONE_TEXT, Theme, font

COLUMNS = ("set / exercise", "index", "value", "zone", "detail")


class SummaryTable(QWidget):
    def __init__(self, theme: Theme, parent=None):
        super().__init__(parent)
        self.theme = theme
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.head = QLabel()
        self.head.setTextFormat(Qt.TextFormat.PlainText)
        self.head.setWordWrap(True)
        self.head.setFont(font(MEDIUM_PT))
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)   # the wizard's keys stay the wizard's
        self.table.verticalHeader().setVisible(False)
        self.table.setFont(font(MEDIUM_PT))
        hh = self.table.horizontalHeader()
        hh.setFont(font(SMALL_PT, bold=True))
        for c in range(len(COLUMNS) - 1):
            hh.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        hh.setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        lay.addWidget(self.head)
        lay.addWidget(self.table, 1)
        self.setAccessibleName("session summary")

    def set_view(self, view: SummaryView) -> None:
        sets = "; ".join(f"{s.label}: {s.reps} reps" + ("" if s.rep_source == "cues" else " (from the envelope)")
                         for s in view.sets)
        self.head.setText("\n".join([f"levels: {view.normalisation}", sets] + [f"note: {n}" for n in view.notes]
                                    + [f"{s.label}: {n}" for s in view.sets for n in s.notes]))
        t = self.table
        t.setRowCount(len(view.rows))
        muted = QColor(self.theme.muted)
        for i, r in enumerate(view.rows):
            cells = (r.group, r.index, r.value_text, r.status_text, r.detail)
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c == 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if c in (2, 3):
                    item.setFont(font(MEDIUM_PT, bold=True))
                    if r.zone is not None:
                        item.setBackground(QColor(ZONE_COLOURS[r.zone]))
                        item.setForeground(QColor(ZONE_TEXT[r.zone]))
                    else:
                        item.setForeground(muted)
                t.setItem(i, c, item)
        t.resizeRowsToContents()
        self.setAccessibleDescription(self.head.text().replace("\n", "; ") + "; " + "; ".join(
            f"{r.group} {r.index} {r.value_text}, {r.status_text}" for r in view.rows))

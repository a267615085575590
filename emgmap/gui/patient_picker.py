"""Choose or create a patient of the local store (:mod:`emgmap.app.patients`): search as
you type in a pseudonym field, pick from the matches, or create the typed pseudonym.

The picker attaches to an existing line edit (the wizard's patient field) or makes
its own; it only lists and creates, the store does the checking (a real name is
refused with the store's sentence).
"""
from __future__ import annotations

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout, \
    QWidget

from ..app.patients import Patient, PatientStore
from ..types import EmgmapError
from .theme import OKABE_ITO, font

MAX_SHOWN = 8


class PatientPicker(QWidget):
    """Matches of the search field's text as a list (pseudonym, display name, last visit);
    click or Down+Enter picks one, "New patient" adds the typed pseudonym. Emits
    :attr:`chosen` with the pseudonym."""

    chosen = pyqtSignal(str)

    def __init__(self, field: QLineEdit | None = None, parent=None, pt: int = 15):
        super().__init__(parent)
        self.field = field or QLineEdit()
        self.list = QListWidget()
        self.list.setFont(font(pt))
        self.list.setMaximumHeight(int(pt * 2.2 * 4))
        self.list.itemActivated.connect(self._activated)
        self.list.itemClicked.connect(self._activated)
        self.create_button = QPushButton("New patient")
        self.create_button.setFont(font(pt))
        self.create_button.clicked.connect(lambda: self.create())
        self.note = QLabel()
        self.note.setFont(font(pt - 2))
        self.note.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        if field is None:
            self.field.setPlaceholderText("search or type a new pseudonym (e.g. P017)")
            lay.addWidget(self.field)
        lay.addWidget(self.list)
        row = QHBoxLayout()
        row.addWidget(self.create_button)
        row.addWidget(self.note, 1)
        lay.addLayout(row)
        self.field.textEdited.connect(lambda _: self.refresh())
        self.refresh()

    def refresh(self) -> None:
        """List the patients matching the field's text (all when empty)."""
        text = self.field.text().strip()
        self.list.clear()
        self.note.setStyleSheet("")
        try:
            with PatientStore() as store:
                matches = store.patients(text)
                rows = [(p, store.last_visit_date(p.pseudonym)) for p in matches[:MAX_SHOWN]]
        except EmgmapError as e:
            self._warn(str(e))
            return
        for p, last in rows:
            label = p.pseudonym + (f" · {p.display_name}" if p.display_name else "") + \
                (f" · last visit {last}" if last else " · no visits yet")
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, p.pseudonym)
            self.list.addItem(item)
        exact = any(p.pseudonym.lower() == text.lower() for p in matches)
        self.create_button.setEnabled(bool(text) and not exact)
        self.note.setText("" if matches or not text else f"no patient {text}: “New patient” adds it")
        if len(matches) > MAX_SHOWN:
            self.note.setText(f"{len(matches) - MAX_SHOWN} more: type more of the pseudonym")

    @property
    def matches(self) -> list[str]:
        return [self.list.item(k).data(Qt.ItemDataRole.UserRole) for k in range(self.list.count())]

    def pick(self, pseudonym: str) -> None:
        self.field.setText(pseudonym)
        self.refresh()
        self.chosen.emit(pseudonym)

    def create(self, pseudonym: str | None = None) -> bool:
        """Add the typed (or given) pseudonym to the store and pick it."""
        text = (pseudonym if pseudonym is not None else self.field.text()).strip()
        try:
            with PatientStore() as store:
                store.add_patient(Patient(text))
        except EmgmapError as e:
            self._warn(str(e))
            return False
        self.pick(text)
        self.note.setText(f"added {text}")
        return True

    def _activated(self, item: QListWidgetItem) -> None:
        self.pick(item.data(Qt.ItemDataRole.UserRole))

    def _warn(self, text: str) -> None:
        self.note.setText(text)
        self.note.setStyleSheet(f"color: {OKABE_ITO['vermillion']}")

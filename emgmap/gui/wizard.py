"""The guided session in the dashboard: patient pseudonym and protocol, electrode
placement guide, signal check, rest baseline, MVC trials, exercise sets with
large cues and biofeedback, then the summary and the report.

The wizard is the interactive twin of ``emgmap session``: the session logic is
Qt-free (:class:`~emgmap.app.paced.PacedRunner` writes the events of
DESIGN §3 and captures the calibration, :mod:`emgmap.app.biofeedback`
judges target and dominance); this module only shows it and maps keys to it.
Cues are read from 2 m: the phase word is 96 pt, counters 40 pt.
"""
from __future__ import annotations

from pathlib import Path

from PyQt6.QtCore import QEvent, Qt
from PyQt6.QtWidgets import (QApplication, QCheckBox, QComboBox, QDoubleSpinBox, QFileDialog, QFormLayout,
                             QFrame, QGridLayout, QHBoxLayout, QLabel, QLineEdit, QMessageBox, QPushButton, QScrollArea,
                             QVBoxLayout, QWidget)

from ..app.biofeedback import Biofeedback
from ..app.reports import write_report
from ..app.run_view import RunScreen, RunView, Tone
from ..app.summary_view import summary_view
from ..app.wizard_flow import Page, Verdict, WizardFlow, montage_advice, paced_runner, protocol_choices, protocol_named
from ..protocols import Protocol, load_protocol
from ..types import EmgmapError, Side
from .history import file_and_compare
from .patient_picker import PatientPicker
from .summary_table import SummaryTable
from .theme import OKABE_ITO, font, restyle

CUE_PT = 96       # the phase word (GO / HOLD / BACK / REST): readable from across the room
COUNTER_PT = 40   # rep, set, leg, seconds left
TEXT_PT = 26      # the instruction under the cue
COMPACT_BELOW_PX = 900   # a shorter window (a 1366x768 laptop) gets the compact sizes below
COMPACT_PT = {"cue": 72, "counter": 30, "text": 18}
PHASE_COLOURS = {"up": OKABE_ITO["blue"], "hold": OKABE_ITO["green"], "down": OKABE_ITO["purple"],
                 "rest": "#6c7680", "mvc": OKABE_ITO["vermillion"], "ready": OKABE_ITO["orange"],
                 "check": OKABE_ITO["blue"], "baseline": "#6c7680", "waiting": "#6c7680", "done": OKABE_ITO["green"],
                 "stopped": OKABE_ITO["vermillion"]}
TONE_COLOURS = {Tone.GOOD: OKABE_ITO["green"], Tone.BAD: OKABE_ITO["vermillion"]}
VERDICT_COLOURS = {Verdict.OK: OKABE_ITO["green"], Verdict.NOISY: OKABE_ITO["orange"],
                   Verdict.FLAT: OKABE_ITO["vermillion"], Verdict.RAILED: OKABE_ITO["vermillion"]}

_PLAIN = (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier)


def detail_html(view: RunView) -> str:
    """The run page's right column: the signal check's table, or the detail lines in their tones."""
    if view.quality:
        cells = "".join(f"<tr><td><b>{q.channel}</b>&nbsp;</td><td style='color:{VERDICT_COLOURS[q.verdict]}'>"
                        f"<b>{q.verdict.value}</b>&nbsp;</td><td>{q.reason}</td></tr>" for q in view.quality)
        return f"<b>{view.quality_head}</b><table align='center' style='font-size:14pt'>{cells}</table>"
    out = []
    for line in view.lines:
        style = (f"color:{TONE_COLOURS[line.tone]};" if line.tone in TONE_COLOURS else "") + \
            ("font-size:28pt" if line.big else "")
        out.append(f"<span style='{style}'><b>{line.text}</b></span>" if style else line.text)
    return "<br>".join(out)


def _label(pt: int, bold: bool = False, wrap: bool = False) -> QLabel:
    w = QLabel()
    w.setFont(font(pt, bold))
    w.setAlignment(Qt.AlignmentFlag.AlignCenter)
    w.setWordWrap(wrap)
    return w


def _button(text: str, slot) -> QPushButton:
    b = QPushButton(text)
    b.setFocusPolicy(Qt.FocusPolicy.NoFocus)   # keys belong to the wizard, not to a focused button
    b.setFont(font(15, True))
    b.clicked.connect(slot)
    return b


class SessionWizard(QWidget):
    """The wizard panel of :class:`~emgmap.gui.window.MainWindow` (shown while a guided
    session runs). ``page`` is one of setup, placement, run, summary."""

    def __init__(self, dashboard):
        super().__init__(dashboard)
        self.dashboard = dashboard   # the MainWindow (not `window`, which would hide QWidget.window())
        self.live = dashboard.live
        self.runner = None                   # the PacedRunner of the session running
        self.screen: RunScreen | None = None   # what the run page shows (app/run_view.py)
        self.protocol = None
        self.recording_path: Path | None = None
        self.analysis = None
        self.meta: dict = {}
        self.report_path: Path | None = None
        self.visit_id: int | None = None   # the patient-store visit this session was filed as
        self.flow = WizardFlow()           # page, placement guide, pseudonym guard (app/wizard_flow.py)
        self._fitted = 0                   # the shown page's height so far (fit_page)
        self._shown: tuple | None = None   # what the run page shows (tick): redrawn when it changes
        # the pages, one shown at a time: a hidden page takes no room (a QStackedWidget asks for
        # the height of its tallest page, so the run page scrolled at 1366x768)
        self.stack = QWidget()
        QVBoxLayout(self.stack).setContentsMargins(0, 0, 0, 0)
        # in a scroll area: a page taller than the room the window gives it scrolls, it never
        # grows the window past the screen (a 1366x768 laptop)
        scroll = self.scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self.stack)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 4, 8, 4)
        lay.addWidget(scroll)
        self.pages = {}
        self._build_setup()
        self._build_placement()
        self._build_run()
        self._build_summary()
        self.hide()

    # -- pages ---------------------------------------------------------------------------
    def _add(self, name: str, w: QWidget) -> None:
        self.pages[name] = w
        w.hide()
        self.stack.layout().addWidget(w)

    @property
    def page(self) -> Page:
        return self.flow.page

    def _show(self) -> None:
        """Show the flow's page (and only it)."""
        for name, w in self.pages.items():
            w.setVisible(name == self.flow.page.value)
        self._fitted = 0
        self._shown = None
        self.fit_page()

    def set_compact(self, compact: bool) -> None:
        """Smaller cue fonts on a short screen, so a stage's cue, instruction and counters fit
        the panel without scrolling (72 pt still reads from across the room)."""
        sizes = COMPACT_PT if compact else {"cue": CUE_PT, "counter": COUNTER_PT, "text": TEXT_PT}
        for label, key in ((self.cue_word, "cue"), (self.counter, "counter"), (self.remaining, "counter"),
                           (self.cue_text, "text")):
            label.setFont(font(sizes[key], True if key != "text" else False))

    def fit_page(self) -> None:
        """Give the page its own height, up to the panel's cap (the window's resize sets it), and
        no more (the traces and gauges get the rest); beyond that it scrolls."""
        page = self.pages[self.flow.page.value]
        width = self.scroll.viewport().width()
        want = (page.heightForWidth(width) if page.hasHeightForWidth() else page.sizeHint().height()) + 4
        self._fitted = want = max(want, self._fitted)   # it grows for longer text, never shrinks back (no jumps)
        room = int(0.4 * self.dashboard.height())   # what the traces and gauges can always spare
        self.scroll.setFixedHeight(max(0, min(want, room, self.maximumHeight() - 12)))   # the rest: gauges

    def _build_setup(self) -> None:
        w = QWidget()
        form = QFormLayout(w)
        title = QLabel("New guided session")
        title.setFont(font(24, True))
        head = QHBoxLayout()   # Start on top: in view on a laptop screen whatever scrolls below
        head.addWidget(title)
        head.addStretch(1)
        head.addWidget(_button("Start  (Enter)", lambda: self.start()))
        head.addWidget(_button("Cancel  (Esc)", lambda: self.abort()))
        form.addRow(head)
        self.pseudonym = QLineEdit()
        self.pseudonym.setPlaceholderText("pseudonym, e.g. P017 (never the patient's name)")
        self.pseudonym.setFont(font(20))
        # Enter reaches the window's key handler (one start per press; a returnPressed slot made it two,
        # so the name guard's "press again" was answered by the same press)
        self.pseudonym.textEdited.connect(self._pseudonym_edited)
        self.patient_picker = PatientPicker(self.pseudonym)   # search the patient store as you type, or create
        self.patient_picker.list.setMaximumHeight(90)          # three rows: Start and the warnings stay in view
        self.protocol_picker = QComboBox()
        self.protocol_picker.setFont(font(20))
        self.protocol_picker.setEditable(True)   # type to choose; an ambiguous text is not a guess
        self.protocol_picker.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.protocol_picker.setCompleter(None)
        self.choices = protocol_choices()
        for c in self.choices:
            self.protocol_picker.addItem(c.label, c.name)
        self.protocol_picker.currentIndexChanged.connect(lambda _: self._show_montage_advice())
        self.target_spin = QDoubleSpinBox()
        self.target_spin.setRange(5.0, 100.0)
        self.target_spin.setSuffix(" %MVC")
        self.target_spin.setDecimals(0)
        self.target_spin.setFont(font(20))
        self.sound_box = QCheckBox("beep when the target is reached")
        self.sound_box.setFont(font(15))
        self.name_warning = QLabel()
        self.name_warning.setFont(font(15, True))
        self.name_warning.setStyleSheet(f"color: {OKABE_ITO['vermillion']}")
        self.name_warning.setWordWrap(True)
        self.montage_note = QLabel()      # the montage against the protocol, before starting
        self.montage_note.setFont(font(15, True))
        self.montage_note.setWordWrap(True)
        # each warning right under the field it is about
        for text, field, note in (("Patient", self.pseudonym, self.name_warning),
                                  ("Protocol", self.protocol_picker, self.montage_note),
                                  ("Target", self.target_spin, None)):
            lab = QLabel(text)
            lab.setFont(font(20))
            form.addRow(lab, field)
            if note is not None:
                form.addRow("", note)
        form.addRow("", self.sound_box)
        form.addRow("", self.patient_picker)
        self._add("setup", w)

    def _build_placement(self) -> None:
        w = QWidget()
        lay = QVBoxLayout(w)
        self.place_title = _label(40, True)
        self.place_text = _label(24, wrap=True)
        self.place_hint = _label(15)
        self.place_hint.setText("Space / →: next muscle   ←: previous   Esc: abort")
        lay.addWidget(self.place_title)
        lay.addWidget(self.place_text, 1)
        lay.addWidget(self.place_hint)
        self._add("placement", w)

    def _build_run(self) -> None:
        """Left: the cue (phase word, instruction, counters); right: what the stage
        measured (channel check, MVC values, biofeedback). Side by side so the
        traces and gauges below keep their height."""
        w = QWidget()
        grid = QGridLayout(w)
        grid.setContentsMargins(0, 0, 0, 0)
        self.cue_word = _label(CUE_PT, True)
        self.cue_text = _label(TEXT_PT, wrap=True)
        self.counter = _label(COUNTER_PT, True)
        self.remaining = _label(COUNTER_PT, True)
        self.remaining.setMinimumWidth(160)
        self.detail = _label(18, wrap=True)      # MVC values, signal check, biofeedback
        self.detail.setTextFormat(Qt.TextFormat.RichText)
        self.run_hint = _label(15)
        counters = QHBoxLayout()
        counters.addStretch(1)
        counters.addWidget(self.counter)
        counters.addSpacing(40)
        counters.addWidget(self.remaining)
        counters.addStretch(1)
        grid.addWidget(self.cue_word, 0, 0)
        grid.addWidget(self.cue_text, 1, 0)
        grid.addLayout(counters, 2, 0)
        grid.addWidget(self.detail, 0, 1, 3, 1)
        grid.addWidget(self.run_hint, 3, 0, 1, 2)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)
        self._add("run", w)

    def _build_summary(self) -> None:
        w = QWidget()
        lay = QVBoxLayout(w)
        head = QLabel("Session summary")
        head.setFont(font(24, True))
        self.summary = SummaryTable(self.dashboard.theme)
        self.since_last = QLabel()        # the comparison with the patient's last visit (gui/history.py)
        self.since_last.setTextFormat(Qt.TextFormat.RichText)
        self.since_last.setWordWrap(True)
        self.summary_path = _label(13)
        row = QHBoxLayout()   # the buttons on top: in view on a laptop screen whatever scrolls below
        row.addWidget(head)
        row.addStretch(1)
        row.addWidget(_button("Save report  (S)", lambda: self.save_report()))
        row.addWidget(_button("Close  (Enter)", lambda: self.close_wizard()))
        lay.addLayout(row)
        lay.addWidget(self.summary_path)
        lay.addWidget(self.summary, 1)
        lay.addWidget(self.since_last)
        self._add("summary", w)

    # -- flow ----------------------------------------------------------------------------
    @property
    def active(self) -> bool:
        return self.isVisible()

    def begin(self) -> None:
        """Show the setup page (settings bring back the last protocol and target)."""
        st = self.dashboard.settings
        chosen = self.dashboard.protocol   # `emgmap gui --protocol X` first, then the last one used
        i = self.protocol_picker.findData(chosen.name if chosen is not None else st.protocol)
        self.protocol_picker.setCurrentIndex(max(0, i))
        self.target_spin.setValue(st.target_pct)
        self.sound_box.setChecked(st.sound)
        self.pseudonym.clear()
        self.patient_picker.refresh()
        self.name_warning.setText("")
        self.flow.begin(self.protocol_picker.currentData())
        self._show_montage_advice()
        self._show()
        self.show()
        QApplication.instance().installEventFilter(self)
        self.pseudonym.setFocus()

    def start(self, pseudonym: str | None = None, protocol: str | Protocol | None = None) -> bool:
        """Connect the protocol, start recording and go to the placement guide. A pseudonym
        that looks like a name needs a second Start (typed on purpose)."""
        w = self.dashboard
        text = (self.pseudonym.text() if pseudonym is None else pseudonym).strip()
        try:
            warning = self.flow.check_pseudonym(text)
            if warning:
                raise EmgmapError(warning)
            name = protocol or protocol_named(self.protocol_picker.currentText(), self.choices)
            proto = name if isinstance(name, Protocol) else load_protocol(name)
            runner = paced_runner(self.live, proto)
        except EmgmapError as e:
            self.name_warning.setText(str(e))
            return False
        w.set_protocol(proto)
        if not w.start_recording(subject_id=text, config_extra={"protocol": {"name": proto.source or proto.name}}):
            self.name_warning.setText(w.banner.full_text)
            return False
        s = runner.session
        self.runner, self.protocol, self.recording_path = runner, proto, self.live.recorder.path
        st = w.settings
        st.protocol, st.target_pct, st.sound = proto.name, self.target_spin.value(), self.sound_box.isChecked()
        feedback = Biofeedback(s.index_columns, s.montage, proto.prime_mover, target_pct=st.target_pct)
        self.screen = RunScreen(runner, feedback, str(self.recording_path))
        self.setFocus()
        self.flow.start_placement(proto, s.montage)
        self._show_placement()
        return True

    def _pseudonym_edited(self, _text: str) -> None:
        self.flow.pseudonym_edited()
        self.name_warning.setText("")

    def _show_montage_advice(self) -> None:
        """Whether the connected montage records the protocol's muscles, said before starting."""
        s = self.live.session
        name = self.protocol_picker.currentData()
        if s is None or not name:
            self.montage_note.setText("")
            return
        try:
            advice = montage_advice(load_protocol(name), s.montage, s.spec.n_channels)
        except EmgmapError as e:
            self.montage_note.setText(str(e))
            return
        self.montage_note.setText(f"⚠ {advice.text}" if advice.text else "")

    def working_side(self) -> Side | None:
        """The leg of the unilateral set running now (None outside a set, or a bilateral one)."""
        if self.screen is None or self.page != Page.RUN:
            return None
        return self.screen.working_side(self.runner.session.now_s())

    def _show_placement(self) -> None:
        """The placement guide's muscle, highlighted on the body map; after the last one, the run page."""
        self.place_title.setText(self.flow.placement_title)
        self.place_text.setText(self.flow.placement_text)
        self.dashboard.body.set_highlight(self.flow.muscle)
        self._show()
        if self.page == Page.RUN:
            self.tick()

    def next(self) -> None:
        """Space: the next muscle of the guide, else start the next stage, else close."""
        page = self.page
        if page == Page.SETUP:
            self.start()
        elif page == Page.PLACEMENT:
            self.flow.next_muscle()
            self._show_placement()
        elif page == Page.RUN:
            r = self.runner
            if not r.busy(r.session.now_s()) and r.next_stage is not None:
                r.start_next()
                self.tick()
        elif page == Page.SUMMARY:
            self.close_wizard()

    def previous(self) -> None:
        if self.page == Page.PLACEMENT:
            self.flow.previous_muscle()
            self._show_placement()

    def repeat(self) -> None:
        """R: run the last MVC trial again (when it has ended)."""
        r = self.runner
        if self.page == Page.RUN and r is not None and r.can_repeat and not r.busy(r.session.now_s()):
            r.repeat_trial()
            self.tick()

    def abort(self, confirm: bool = True) -> bool:
        """Esc: stop the session (after a yes); what was recorded so far is kept."""
        if self.page in (Page.SETUP, Page.SUMMARY):
            self.close_wizard()
            return True
        if confirm and self.runner is not None and self.runner.session.running:
            answer = QMessageBox.question(self, "Abort the session?",
                                          "Stop the guided session? What was recorded so far is kept.",
                                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                          QMessageBox.StandardButton.No)
            if answer != QMessageBox.StandardButton.Yes:
                return False
        if self.runner is not None:   # written before the recording closes
            self.runner.session.mark("session aborted")
        self._finish_recording()
        self.close_wizard()
        self.dashboard.banner.show_message(f"session aborted; the recording is kept in {self.recording_path}",
                                           kind="note")
        return True

    def close_wizard(self) -> None:
        QApplication.instance().removeEventFilter(self)
        self.dashboard.traces.set_per_lane(False)
        self.dashboard.body.set_highlight(None)
        self.dashboard.bars.target = None
        self.runner = self.screen = None
        self.hide()
        self.dashboard.setFocus()

    def _finish_recording(self) -> None:
        if self.dashboard.recorder is not None:
            self.dashboard.stop_recording()

    # -- per frame (20 Hz from the window's timer) -------------------------------------------
    def tick(self) -> None:
        r = self.runner
        if r is None or self.page != Page.RUN:
            return
        if r.finished:
            self._summarise()
            return
        v = self.screen.update(r.session.now_s())
        w = self.dashboard
        w.traces.set_per_lane(v.per_lane)
        w.bars.target = v.target
        if v.beep and w.settings.sound:
            QApplication.beep()
        # the page changes a few times a second at most: restyled and refitted only then
        # (a style sheet set 20 times a second re-polished the cue word every time)
        colour = f"color: {PHASE_COLOURS.get(v.phase, '#888')}"
        detail = detail_html(v)
        shown = (v.word, colour, v.text, v.counter, v.remaining, v.keys, detail, v.spoken)
        if shown == self._shown:
            return
        restyle(self.cue_word, colour)
        self._shown = shown
        self.cue_word.setText(v.word)
        self.cue_text.setText(v.text)
        self.counter.setText(v.counter)
        self.remaining.setText(v.remaining)
        self.run_hint.setText(v.keys)
        self.detail.setText(detail)
        self.pages["run"].setAccessibleDescription(v.spoken)
        self.fit_page()

    def _summarise(self) -> None:
        """The session is complete: stop the recording, analyse the FILE (as `emgmap analyze`)."""
        from ..analysis import analyze_recording
        self._finish_recording()
        self.runner = self.screen = None
        self.flow.finished()
        self.dashboard.bars.target = None
        self.dashboard.traces.set_per_lane(False)
        try:
            self.analysis = analyze_recording(self.recording_path)
            self.meta = self.analysis.meta
        except EmgmapError as e:
            self.summary_path.setText(f"the recording could not be analysed: {e}")
            self._show()
            return
        self.summary.set_view(summary_view(self.analysis))
        self.visit_id, since_last = file_and_compare(self.meta["subject"], self.recording_path, self.protocol.name)
        self.since_last.setText(since_last)
        self.summary_path.setText(f"recording: {self.recording_path}")
        self._show()

    def save_report(self, path: str | Path | None = None, ask: bool = True) -> Path | None:
        """S: the HTML report of the recording (equal to ``emgmap analyze --report``)."""
        if self.analysis is None:
            return None
        default = Path(self.recording_path).with_suffix(".html")
        if path is None and ask:
            path, _ = QFileDialog.getSaveFileName(self, "Save the session report", str(default), "HTML (*.html)")
            if not path:
                return None
        try:
            path = write_report(self.analysis, f"{self.protocol.title}: session report", path or default)
        except EmgmapError as e:
            self.summary_path.setText(str(e))
            return None
        self.report_path = path
        self.summary_path.setText(f"recording: {self.recording_path}   report: {path}")
        return path

    # -- keys ------------------------------------------------------------------------------
    def eventFilter(self, obj, ev) -> bool:
        """After the setup page the wizard's keys work wherever the focus happens to be
        (a clicked plot, the marker field): the clinician's hands are on the patient.
        A dialog (the abort question) keeps its own keys."""
        if (ev.type() == QEvent.Type.KeyPress and self.page != Page.SETUP and not ev.isAutoRepeat()
                and QApplication.activeModalWidget() is None and ev.modifiers() in _PLAIN
                and isinstance(obj, QWidget) and obj.window() is self.dashboard):
            return self.handle_key(ev.key())
        return False

    def handle_key(self, key: int) -> bool:
        """The wizard's keys (docs/gui.md); True when the key was used."""
        K = Qt.Key
        if key == K.Key_Escape:
            self.abort()
        elif key in (K.Key_Space, K.Key_Right) or (key in (K.Key_Return, K.Key_Enter) and self.page != Page.RUN):
            self.next()
        elif key == K.Key_Left:
            self.previous()
        elif key == K.Key_R:
            self.repeat()
        elif key == K.Key_S and self.page == Page.SUMMARY:
            self.save_report()
        else:
            return False
        return True


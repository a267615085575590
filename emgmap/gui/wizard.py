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

import math
from pathlib import Path

from PyQt6.QtCore import QEvent, Qt
from PyQt6.QtWidgets import (QApplication, QCheckBox, QComboBox, QDoubleSpinBox, QFileDialog, QFormLayout,
                             QFrame, QGridLayout, QHBoxLayout, QLabel, QLineEdit, QMessageBox, QPushButton, QScrollArea,
                             QStackedWidget, QVBoxLayout, QWidget)

from ..analysis import ONSET_LEAD_S
from ..app.biofeedback import Biofeedback
from ..app.paced import PacedRunner
from ..app.summary_view import summary_view
from ..app.wizard_flow import (QualityRow, Verdict, WizardFlow, looks_like_name, match_protocol, montage_advice,
                               protocol_choices, quality_rows)
from ..montage import MUSCLES, MusclePair
from ..analysis import ONSET_LEAD_S
from ..privacy import looks_like_name
from ..protocols import Protocol, build_plan, load_protocol
from ..quality import channel_quality
from ..types import EmgmapError, Side
from .history import file_and_compare
from .patient_picker import PatientPicker
from .summary_table import SummaryTable
from .theme import OKABE_ITO, font

__all__ = ["SessionWizard", "looks_like_name"]   # looks_like_name: the guard, from app/wizard_flow.py

CUE_PT = 96       # the phase word (UP / HOLD / DOWN / REST): readable from across the room
COUNTER_PT = 40   # rep, set, leg, seconds left
TEXT_PT = 26      # the instruction under the cue
COMPACT_BELOW_PX = 900   # a shorter window (a 1366x768 laptop) gets the compact sizes below
COMPACT_PT = {"cue": 72, "counter": 30, "text": 18}
PHASE_COLOURS = {"up": OKABE_ITO["blue"], "hold": OKABE_ITO["green"], "down": OKABE_ITO["purple"],
                 "rest": "#6c7680", "mvc": OKABE_ITO["vermillion"], "ready": OKABE_ITO["orange"],
                 "check": OKABE_ITO["blue"], "baseline": "#6c7680", "waiting": "#6c7680", "done": OKABE_ITO["green"]}
PHASE_WORDS = {"up": "UP", "hold": "HOLD", "down": "DOWN", "rest": "REST", "mvc": "PUSH!", "ready": "GET READY",
               "check": "SIGNAL CHECK", "baseline": "RELAX", "waiting": "READY?", "done": "DONE"}

_PLAIN = (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier)


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
        self.runner: PacedRunner | None = None
        self.protocol = None
        self.recording_path: Path | None = None
        self.analysis = None
        self.meta: dict = {}
        self.report_path: Path | None = None
        self.visit_id: int | None = None   # the patient-store visit this session was filed as
        self.placement_index = 0
        self.flow = WizardFlow()     # the pseudonym guard (app/wizard_flow.py)
        self.feedback: Biofeedback | None = None
        self._index_cursor = None
        self.dominance_text = ""
        self.quality: tuple[QualityRow, ...] = ()
        self._checked_stage = None
        self._shown_cue = None
        self.stack = QStackedWidget()
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
        self.stack.addWidget(w)

    @property
    def page(self) -> str:
        return next(k for k, w in self.pages.items() if w is self.stack.currentWidget())

    def _show(self, name: str) -> None:
        self.stack.setCurrentWidget(self.pages[name])
        self.fit_page()

    def set_compact(self, compact: bool) -> None:
        """Smaller cue fonts on a short screen, so a stage's cue, instruction and counters fit
        the panel without scrolling (72 pt still reads from across the room)."""
        sizes = COMPACT_PT if compact else {"cue": CUE_PT, "counter": COUNTER_PT, "text": TEXT_PT}
        for label, key in ((self.cue_word, "cue"), (self.counter, "counter"), (self.remaining, "counter"),
                           (self.cue_text, "text")):
            label.setFont(font(sizes[key], True if key != "text" else False))

    def fit_page(self) -> None:
        """Give the page its own height, up to the panel's cap (the window's resize sets it);
        beyond that it scrolls."""
        want = self.stack.currentWidget().sizeHint().height() + 4
        room = int(0.4 * self.dashboard.height())   # what the traces and gauges can always spare
        self.scroll.setMinimumHeight(max(0, min(want, room, self.maximumHeight() - 12)))

    def _build_setup(self) -> None:
        w = QWidget()
        form = QFormLayout(w)
        title = QLabel("New guided session")
        title.setFont(font(28, True))
        form.addRow(title)
        self.pseudonym = QLineEdit()
        self.pseudonym.setPlaceholderText("pseudonym, e.g. P017 (never the patient's name)")
        self.pseudonym.setFont(font(20))
        # Enter reaches the window's key handler (one start per press; a returnPressed slot made it two,
        # so the name guard's "press again" was answered by the same press)
        self.pseudonym.textEdited.connect(self._pseudonym_edited)
        self.patient_picker = PatientPicker(self.pseudonym)   # search the patient store as you type, or create
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
        for text, field in (("Patient", self.pseudonym), ("Protocol", self.protocol_picker),
                            ("Target", self.target_spin)):
            lab = QLabel(text)
            lab.setFont(font(20))
            form.addRow(lab, field)
        form.addRow("", self.patient_picker)
        form.addRow("", self.sound_box)
        form.addRow(self.montage_note)
        form.addRow(self.name_warning)
        row = QHBoxLayout()
        row.addWidget(_button("Start  (Enter)", lambda: self.start()))
        row.addWidget(_button("Cancel  (Esc)", lambda: self.abort()))
        row.addStretch(1)
        form.addRow(row)
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
        head = _label(28, True)
        head.setText("Session summary")
        self.summary = SummaryTable(self.dashboard.theme)
        self.since_last = QLabel()        # the comparison with the patient's last visit (gui/history.py)
        self.since_last.setTextFormat(Qt.TextFormat.RichText)
        self.since_last.setWordWrap(True)
        self.summary_path = _label(13)
        row = QHBoxLayout()
        row.addWidget(_button("Save report  (S)", lambda: self.save_report()))
        row.addWidget(_button("Close  (Enter)", lambda: self.close_wizard()))
        row.addStretch(1)
        lay.addWidget(head)
        lay.addWidget(self.summary, 1)
        lay.addWidget(self.since_last)
        lay.addWidget(self.summary_path)
        lay.addLayout(row)
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
        self._show("setup")
        self.show()
        QApplication.instance().installEventFilter(self)
        self.pseudonym.setFocus()

    def start(self, pseudonym: str | None = None, protocol: str | Protocol | None = None) -> bool:
        """Connect the protocol, start recording and go to the placement guide. A pseudonym
        that looks like a name needs a second Start (typed on purpose)."""
        w = self.dashboard
        text = (self.pseudonym.text() if pseudonym is None else pseudonym).strip()
        warning = self.flow.check_pseudonym(text)
        if warning:
            self.name_warning.setText(warning)
            return False
        name = protocol or self._chosen_protocol()
        if name is None:
            return False
        try:
            proto = name if isinstance(name, Protocol) else load_protocol(name)
        except EmgmapError as e:
            self.name_warning.setText(str(e))
            return False
        s = self.live.session
        if s is None or not s.running:
            self.name_warning.setText("connect a device first (the device bar above)")
            return False
        try:
            plan = build_plan(proto, s.montage)   # none of the protocol's muscles on the montage: said here
        except EmgmapError as e:
            self.name_warning.setText(str(e))
            return False
        longest = max(step.duration for step in plan.steps)
        self.live.ensure_history(longest + ONSET_LEAD_S + 30.0)   # the longest stage stays in memory
        w.set_protocol(proto)
        s.calibration.clear_mvc()     # this session's own MVC trials, not an earlier quick calibration
        s.calibration.reset_peak()
        self.runner = PacedRunner(s, plan, subject=s.driver.subject)
        if not w.start_recording(subject_id=text, config_extra={"protocol": {"name": proto.source or proto.name}}):
            self.runner = None
            self.name_warning.setText(w.banner.full_text)
            return False
        self.protocol = proto
        self.recording_path = self.live.recorder.path
        st = w.settings
        st.protocol, st.target_pct, st.sound = proto.name, self.target_spin.value(), self.sound_box.isChecked()
        self.feedback = Biofeedback(s.index_columns, s.montage, proto.prime_mover, target_pct=st.target_pct)
        self._index_cursor = s.rings.index_cursor()
        self.quality = ()
        self._checked_stage = None
        self.placement_index = 0
        self.setFocus()
        self._show("placement")
        self._show_placement()
        return True

    def _pseudonym_edited(self, _text: str) -> None:
        self.flow.pseudonym_edited()
        self.name_warning.setText("")

    def _chosen_protocol(self) -> str | None:
        """The protocol the picker names: the entry chosen, or the one typed text names (an
        ambiguous text such as "single" is said, not guessed)."""
        text = self.protocol_picker.currentText().strip()
        i = self.protocol_picker.findText(text)
        if i >= 0:
            return self.protocol_picker.itemData(i)
        c = match_protocol(text, self.choices)
        if c is None:
            matches = [x.title for x in self.choices if x.title.lower().startswith(text.lower())
                       or x.name.lower().startswith(text.lower())]
            self.name_warning.setText(f"“{text}” names {' and '.join(matches) if matches else 'no protocol'}; "
                                      "type more of it or pick one from the list")
            return None
        return c.name

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
        r = self.runner
        if r is None or self.page != "run":
            return None
        stage = r.current_stage
        if stage is None or stage.kind != "set" or not r.busy(r.session.now_s()):
            return None
        return r.current.steps[0].side

    def _show_placement(self) -> None:
        muscles = self._placement_muscles()
        m = muscles[self.placement_index]
        spec = MUSCLES[m]
        self.place_title.setText(f"Electrodes {self.placement_index + 1}/{len(muscles)}: {spec.name} ({m})")
        self.place_text.setText(f"{spec.placement}\n\nBoth sides; reference electrode on a bony landmark.")
        self.dashboard.body.set_highlight(m)

    def _placement_muscles(self) -> list[str]:
        on = set(self.live.session.montage.muscles)
        return [m for m in self.protocol.muscles if m in on]

    def next(self) -> None:
        """Space: the next muscle of the guide, else start the next stage, else close."""
        page = self.page
        if page == "setup":
            self.start()
        elif page == "placement":
            self.placement_index += 1
            if self.placement_index < len(self._placement_muscles()):
                self._show_placement()
            else:
                self.dashboard.body.set_highlight(None)
                self._show("run")
                self.tick()
        elif page == "run":
            r = self.runner
            if r.busy(r.session.now_s()):
                return
            if r.next_stage is not None:
                r.start_next()
                self.tick()
        elif page == "summary":
            self.close_wizard()

    def previous(self) -> None:
        if self.page == "placement" and self.placement_index > 0:
            self.placement_index -= 1
            self._show_placement()

    def repeat(self) -> None:
        """R: run the last MVC trial again (when it has ended)."""
        r = self.runner
        if self.page == "run" and r is not None and r.can_repeat and not r.busy(r.session.now_s()):
            r.repeat_trial()
            self.tick()

    def abort(self, confirm: bool = True) -> bool:
        """Esc: stop the session (after a yes); what was recorded so far is kept."""
        if self.page == "setup" or self.page == "summary":
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
        self.runner = None
        self.hide()
        self.dashboard.setFocus()

    def _finish_recording(self) -> None:
        if self.dashboard.recorder is not None:
            self.dashboard.stop_recording()

    # -- per frame (20 Hz from the window's timer) -------------------------------------------
    def tick(self) -> None:
        r = self.runner
        if r is None or self.page != "run":
            return
        s = r.session
        now = s.now_s()
        if r.finished:
            self._summarise()
            return
        if not s.running:   # device lost or failed: the window has closed the recording
            self.cue_word.setText("STOPPED")
            self.cue_word.setStyleSheet(f"color: {OKABE_ITO['vermillion']}")
            self.cue_text.setText(f"{s.status.message or 'the device stopped'}; the recording so far is kept "
                                  f"in {self.recording_path}")
            self.counter.setText("")
            self.remaining.setText("")
            self.run_hint.setText("Esc: close the session")
            return
        cue = r.cue_at(now)
        step = cue.step
        stage = r.current_stage
        # an MVC trial is one muscle at full effort: each lane on its own scale shows its plateau
        self.dashboard.traces.set_per_lane(stage is not None and stage.kind == "mvc")
        self.cue_word.setText(PHASE_WORDS.get(cue.phase, cue.phase.upper()))
        self.cue_word.setStyleSheet(f"color: {PHASE_COLOURS.get(cue.phase, '#888')}")
        self.cue_text.setText(cue.text)
        set_step = cue.set_step or (step if step is not None and step.kind == "set" else None)
        counter = ""
        if step is not None and step.kind == "rep":
            counter = f"rep {step.number}/{step.of}"
            if set_step is not None:
                counter += f" · set {set_step.number}/{set_step.of}"
            if step.side is not None:
                counter += f" · {step.side.value.upper()} leg"
        elif step is not None and step.kind == "mvc":
            counter = f"{step.muscle} {step.side.value} · trial {step.number}"
        self.counter.setText(counter)
        # whole seconds left, rounded up: "1 s" until the phase ends, never a stale "0 s"
        self.remaining.setText(f"{math.ceil(cue.remaining_s)} s" if cue.remaining_s > 0 else "")
        busy = r.busy(now)
        if busy:
            keys = "Esc: abort"
        else:
            nxt = r.next_stage
            keys = (f"Space: start {nxt.title}" if nxt else "") + ("   R: repeat the MVC trial" if r.can_repeat else "")
            keys += "   Esc: abort"
        self.run_hint.setText(keys)
        self._detail(r, cue, now, busy)
        self.pages["run"].setAccessibleDescription(". ".join(
            x for x in (self.cue_word.text(), cue.text, counter, self.remaining.text()) if x))

    def _detail(self, r: PacedRunner, cue, now: float, busy: bool) -> None:
        stage = r.current_stage
        if stage is None:
            self.detail.setText("")
            return
        if stage.kind == "check":
            if not busy and self._checked_stage is not stage:
                self._checked_stage = stage
                self._run_check(r, r.current.steps[0])
            self.detail.setText(self._quality_html() if self.quality else "checking every channel…")
        elif stage.kind == "mvc":
            h = stage.head
            rows = [f"{h.muscle} {h.side.value} trial {t.number}: <b>{t.best_uv:.0f} µV</b>"
                    for t in r.snapshot().trials if t.label == h.label]
            self.detail.setText("captured: " + ", ".join(rows) if rows else "")
        elif stage.kind == "set":
            self.detail.setText(self._biofeedback(r, cue, now))
            return
        else:
            self.detail.setText("")
        self._index_cursor.read()   # outside the sets: rows are not judged

    def _run_check(self, r: PacedRunner, step) -> None:
        s = r.session
        try:
            raw = s.window(step.start, step.end).raw
        except EmgmapError as e:
            self.quality = (QualityRow("all", Verdict.FLAT, str(e)),)
            return
        q = channel_quality(raw, s.fs, power_line_hz=s.spec.power_line_hz, range_uv=s.spec.range_uv)
        self.quality = quality_rows(q, s.montage.names)

    def _quality_html(self) -> str:
        colours = {Verdict.OK: OKABE_ITO["green"], Verdict.NOISY: OKABE_ITO["orange"],
                   Verdict.FLAT: OKABE_ITO["vermillion"], Verdict.RAILED: OKABE_ITO["vermillion"]}
        bad = [row for row in self.quality if row.verdict != Verdict.OK]
        head = "every channel OK" if not bad else f"{len(bad)} channel(s) need attention"
        cells = "".join(f"<tr><td><b>{q.channel}</b>&nbsp;</td><td style='color:{colours[q.verdict]}'>"
                        f"<b>{q.verdict.value}</b>&nbsp;</td><td>{q.reason}</td></tr>" for q in self.quality)
        return f"<b>{head}</b><table align='center' style='font-size:14pt'>{cells}</table>"

    def _biofeedback(self, r: PacedRunner, cue, now: float) -> str:
        """Target on the working side's prime mover and the dominance warning, judged on
        every index row since the last frame (:class:`~emgmap.protocols.biofeedback.Biofeedback`)."""
        s = r.session
        new = self._index_cursor.read()
        if not new.n:
            return self.detail.text()
        rows, codes = new.values, new.norms
        set_step = r.current.steps[0]
        keep = rows[:, 0] >= set_step.start
        side = set_step.side.value if set_step.side is not None else None
        fb = self.feedback
        hits = fb.feed(rows[keep], codes[keep], (side,) if side else ("left", "right"))
        w = self.dashboard
        w.bars.target = fb.target.target_pct / 100.0 if fb.calibrated else None
        if hits and w.settings.sound:
            QApplication.beep()
        parts = []
        reached = [n for n, up in fb.target.above.items() if up]
        if reached:
            parts.append(f"<span style='color:{OKABE_ITO['green']}; font-size:28pt'><b>✓ target "
                         f"{fb.target.target_pct:.0f} %MVC reached: {', '.join(reached)}</b></span>")
        now_up = [self._pair_text(k) for k in fb.warnings]
        if now_up:
            parts.append(f"<span style='color:{OKABE_ITO['vermillion']}; font-size:28pt'><b>⚠ "
                         f"{'; '.join(now_up)}</b></span>")
        if fb.episodes:
            self.dominance_text = "; ".join(f"{self._pair_text(k)}: {n}× this session"
                                            for k, n in sorted(fb.episodes.items()))
            parts.append(self.dominance_text)
        if not fb.calibrated:
            parts.append(f"{self.protocol.prime_mover} has no MVC yet: no target or dominance judgement")
        return "<br>".join(parts)

    def _pair_text(self, key: tuple[str, str]) -> str:
        pair = MusclePair.parse(key[0])
        return f"{'+'.join(pair.antagonists).upper()} outruns {'+'.join(pair.agonists).upper()} ({key[1]})"

    def _summarise(self) -> None:
        """The session is complete: stop the recording, analyse the FILE (as `emgmap analyze`)."""
        from ..analysis import analyze_recording
        self._finish_recording()
        self.runner = None
        self.dashboard.bars.target = None
        self.dashboard.traces.set_per_lane(False)
        try:
            self.analysis = analyze_recording(self.recording_path)
            self.meta = self.analysis.meta
        except EmgmapError as e:
            self.summary_path.setText(f"the recording could not be analysed: {e}")
            self._show("summary")
            return
        self.summary.set_view(summary_view(self.analysis))
        self.visit_id, since_last = file_and_compare(self.meta["subject"], self.recording_path, self.protocol.name)
        self.since_last.setText(since_last)
        self.summary_path.setText(f"recording: {self.recording_path}")
        self._show("summary")

    def save_report(self, path: str | Path | None = None, ask: bool = True) -> Path | None:
        """S: the HTML report of the recording (equal to ``emgmap analyze --report``)."""
        from ..analysis.report import render_html
        if self.analysis is None:
            return None
        default = Path(self.recording_path).with_suffix(".html")
        if path is None and ask:
            path, _ = QFileDialog.getSaveFileName(self, "Save the session report", str(default), "HTML (*.html)")
            if not path:
                return None
        path = Path(path or default)
        title = f"{self.protocol.title}: session report"
        try:
            path.write_text(render_html(self.analysis, title, self.meta), encoding="utf-8")
        except OSError as e:
            self.summary_path.setText(f"the report could not be saved to {path} ({e.strerror}); pick another folder")
            return None
        self.report_path = path
        self.summary_path.setText(f"recording: {self.recording_path}   report: {path}")
        return path

    # -- keys ------------------------------------------------------------------------------
    def eventFilter(self, obj, ev) -> bool:
        """After the setup page the wizard's keys work wherever the focus happens to be
        (a clicked plot, the marker field): the clinician's hands are on the patient.
        A dialog (the abort question) keeps its own keys."""
        if (ev.type() == QEvent.Type.KeyPress and self.page != "setup" and not ev.isAutoRepeat()
                and QApplication.activeModalWidget() is None and ev.modifiers() in _PLAIN
                and isinstance(obj, QWidget) and obj.window() is self.dashboard):
            return self.handle_key(ev.key())
        return False

    def handle_key(self, key: int) -> bool:
        """The wizard's keys (docs/gui.md); True when the key was used."""
        K = Qt.Key
        if key == K.Key_Escape:
            self.abort()
        elif key in (K.Key_Space, K.Key_Right) or (key in (K.Key_Return, K.Key_Enter) and self.page != "run"):
            self.next()
        elif key == K.Key_Left:
            self.previous()
        elif key == K.Key_R:
            self.repeat()
        elif key == K.Key_S and self.page == "summary":
            self.save_report()
        else:
            return False
        return True


"""The guided session in the dashboard, review and compare: offscreen, on the unpaced
simulator with a ManualClock (no sleeps: qtbot.waitUntil on conditions)."""
import shutil
import sys
from dataclasses import replace
import threading
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")
from PyQt6.QtCore import Qt  # noqa: E402
from PyQt6.QtGui import QColor  # noqa: E402
from PyQt6.QtWidgets import QLineEdit, QMessageBox  # noqa: E402

from emgmap.clock import ManualClock  # noqa: E402
from emgmap.analysis import analyze_recording  # noqa: E402
from emgmap.drivers.sim import sim_spec  # noqa: E402
from emgmap.gui import wizard as wizard_mod  # noqa: E402
from emgmap.gui.settings import GuiSettings  # noqa: E402
from emgmap.gui.theme import ZONE_COLOURS  # noqa: E402
from emgmap.gui.window import MainWindow  # noqa: E402
from emgmap.protocols import load_protocol  # noqa: E402
from emgmap.recordings import open_recording  # noqa: E402

from sessions import run_session, short  # noqa: E402


def acquisition_threads():
    return [t for t in threading.enumerate() if t.name == "emgmap-acquisition" and t.is_alive()]


def sim_window(qtbot, tmp_path, scenario="tfl_dominant_clam", seed=5):
    protocol = short(load_protocol("clamshell"))
    spec = sim_spec("sim", protocol.muscles, scenario) + f"&seed={seed}&fast=1&artifacts=0"
    w = MainWindow(spec, settings=GuiSettings(record_dir=str(tmp_path)), clock=ManualClock())
    qtbot.addWidget(w)
    w.show()
    return w, protocol


def press(qtbot, w, k):
    """A key as the clinician types it: to whatever widget has the focus."""
    from PyQt6.QtWidgets import QApplication
    qtbot.keyClick(QApplication.focusWidget() or w, k)


def run_wizard(qtbot, w, protocol, pseudonym="P017"):
    """Drive a whole session with the keyboard; returns the recording path."""
    wz = w.wizard
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow, timeout=20000)   # menu shortcuts go to the active window
    qtbot.keyClick(w, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert wz.active and wz.page == "setup"
    assert wz.start(pseudonym="Anna Berg", protocol=protocol) is False      # looks like a name: warned
    assert "looks like a person's name" in wz.name_warning.text() and wz.page == "setup"
    assert wz.start(pseudonym=pseudonym, protocol=protocol)
    assert wz.page == "placement"
    assert w.body.highlight == "gmed" and "gluteus medius" in wz.place_title.text().lower()
    marker_field = w.record_bar.findChild(QLineEdit)
    marker_field.setFocus()   # the focus is somewhere else: the wizard still gets its keys
    qtbot.waitUntil(marker_field.hasFocus, timeout=20000)
    for _ in protocol.muscles:
        press(qtbot, w, Qt.Key.Key_Space)
    assert marker_field.text() == ""
    assert wz.page == "run" and w.body.highlight is None
    r = wz.runner
    repeated = False
    seen = set()
    while r.next_stage is not None:
        qtbot.waitUntil(lambda: not r.busy(r.session.now_s()), timeout=20000)
        stage = r.next_stage
        press(qtbot, w, Qt.Key.Key_Space)
        assert r.current_stage is stage
        seen.add(wz.cue_word.text())
        if stage.kind == "mvc":   # one muscle at full effort: each lane on its own scale (it clipped before)
            wz.tick()
            assert w.traces.per_lane
        if stage.kind == "set":
            wz.tick()
            assert not w.traces.per_lane
        if stage.kind == "mvc" and not repeated:   # the first trial looked wrong: R repeats it
            qtbot.waitUntil(lambda: not r.busy(r.session.now_s()) and len(r.trials) == 1, timeout=20000)
            wz.tick()
            assert "trial 1: " in wz.detail.text() and "µV" in wz.detail.text()
            press(qtbot, w, Qt.Key.Key_R)
            assert r.current_stage.head.number == 2 and r.current_stage.head.label == stage.head.label
            repeated = True
        if stage.kind == "set":   # the big cues run, counters say rep/set/leg
            qtbot.waitUntil(lambda: "rep " in wz.counter.text(), timeout=20000)
            assert "leg" in wz.counter.text() and wz.cue_word.font().pointSize() >= 72
            qtbot.waitUntil(lambda: "outruns" in wz.screen.dominance_text, timeout=20000)   # TFL over gmed
    qtbot.waitUntil(lambda: wz.page == "summary", timeout=30000)
    assert "GET READY" in seen
    return wz.recording_path


def test_wizard_runs_a_clamshell_session_that_analyses_to_the_truth(qtbot, tmp_path):
    w, protocol = sim_window(qtbot, tmp_path)
    path = run_wizard(qtbot, w, protocol)
    wz = w.wizard
    assert w.recorder is None and Path(path).is_file()
    # the summary shows the file's analysis, which is `emgmap analyze` of the file
    analysis = analyze_recording(path)
    meta = analysis.meta
    assert meta["subject"] == "P017"
    # a table in zone colours (it was a monospace dump with "[red]" tokens): the ratio zone, in its colour
    t = wz.summary.table
    rows = {t.item(i, 1).text(): i for i in range(t.rowCount())}
    assert "gmed:tfl left" in rows and "levels: %MVC" in wz.summary.head.text()
    red = rows["gmed:tfl left"]
    assert t.item(red, 3).text() == "imbalance"
    assert t.item(red, 3).background().color().name() == QColor(ZONE_COLOURS["red"]).name()
    assert analysis.normalization == "mvc" and [s.label for s in analysis.sets] == ["clamshell left",
                                                                                      "clamshell right"]
    ratios = [r for s in analysis.sets for r in s.ratios if r["name"] == "gmed:tfl"]
    assert len(ratios) == 2 and all(r["value"] < 1.0 for r in ratios)   # tfl_dominant_clam: TFL outruns gmed
    assert all(len(s.good_reps) == 5 for s in analysis.sets)
    with open_recording(path) as rec:
        kinds = [(e.kind, e.label) for e in rec.events]
    assert ("rest", "rest") in kinds and kinds.count(("mvc", "mvc gmed left")) == 3   # 2 trials + the repeat
    assert ("set", "clamshell right") in kinds and ("rep", "clamshell left rep 5") in kinds
    # S saves the report (HTML from the file)
    report = wz.save_report(tmp_path / "r.html", ask=False)
    assert "gmed:tfl" in report.read_text(encoding="utf-8")
    qtbot.keyClick(w, Qt.Key.Key_Return)
    assert not wz.active
    # settings remember the protocol and the layout
    w.close()
    assert w.settings.protocol == "clamshell" and w.settings.geometry and w.settings.splitters.count(";") == 2
    assert not w.timer.isActive()
    qtbot.waitUntil(lambda: not acquisition_threads(), timeout=20000)


def test_review_opens_replays_and_reports_and_compare_shows_two_files(qtbot, tmp_path, tfl_dominant_clamshell):
    a, b = tmp_path / "before.h5", tmp_path / "after.h5"
    shutil.copyfile(tfl_dominant_clamshell, a)   # the clamshell of tfl_dominant_clam, seed 6
    run_session("clamshell", "healthy", b, seed=7)
    w = MainWindow(None, settings=GuiSettings(record_dir=str(tmp_path)))
    qtbot.addWidget(w)
    w.show()
    rv = w.open_recording(a)
    assert rv is not None and len(rv.curves) == 8
    labels = {ev.label for ev in rv.events}
    assert {"rest", "clamshell left", "clamshell right"} <= labels and len(rv.event_items) > 4
    lo, hi = rv.x_range
    qtbot.keyClick(rv, Qt.Key.Key_Plus)
    lo2, hi2 = rv.x_range
    assert hi2 - lo2 == pytest.approx((hi - lo) / 2, rel=1e-6)
    qtbot.keyClick(rv, Qt.Key.Key_Right)
    assert rv.x_range[0] > lo2
    report = rv.open_report(browse=False)
    assert report.is_file() and "clamshell left" in report.read_text(encoding="utf-8")
    qtbot.keyClick(rv, Qt.Key.Key_5)   # replay at 5x through the live views
    assert w.session is not None and w.session.spec.device.startswith("replay:") and "speed=5" in w.session.spec.device
    qtbot.waitUntil(lambda: w.traces.drawn_index > 0, timeout=10000)
    assert w.traces.labels[0] == "gmed L"
    # a bad file: one sentence in the banner, no window
    bad = tmp_path / "bad.h5"
    bad.write_bytes(b"not hdf5")
    assert w.open_recording(bad) is None and "bad.h5" in w.banner.full_text
    cmp = w.compare(a, b)
    html = cmp.browser.toPlainText()
    assert "before" in html and "after" in html and "gmed:tfl left" in html and "change" in html
    assert "different subjects" not in html
    w.close()
    assert not w.reviews
    qtbot.waitUntil(lambda: not acquisition_threads(), timeout=20000)


def test_escape_aborts_after_a_yes_and_keeps_the_recording(qtbot, tmp_path, monkeypatch):
    w, protocol = sim_window(qtbot, tmp_path)
    w.new_session()
    assert w.wizard.start(pseudonym="K-12", protocol=protocol)
    answers = [QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes]
    monkeypatch.setattr(wizard_mod.QMessageBox, "question", lambda *a, **k: answers.pop(0))
    qtbot.keyClick(w, Qt.Key.Key_Escape)
    assert w.wizard.active and w.recorder is not None   # "No": nothing happened
    path = w.wizard.recording_path
    qtbot.keyClick(w, Qt.Key.Key_Escape)
    assert not w.wizard.active and w.recorder is None and "aborted" in w.banner.full_text
    with open_recording(path) as rec:
        assert rec.attrs["subject_id"] == "K-12" and any(e.label == "session aborted" for e in rec.events)
    w.close()


def test_layout_protocol_and_target_come_back_at_start(qtbot, tmp_path):
    w = MainWindow(None, settings=GuiSettings.load())
    qtbot.addWidget(w)
    w.show()
    w.resize(1300, 900)
    w.splitters[2].setSizes([700, 600])
    w.settings.protocol, w.settings.target_pct, w.settings.sound = "bridge", 35.0, True
    qtbot.waitUntil(lambda: w.width() == 1300, timeout=20000)
    sizes = w.splitters[2].sizes()
    w.close()
    again = MainWindow(None, settings=GuiSettings.load())
    qtbot.addWidget(again)
    again.show()
    assert GuiSettings.load().geometry   # (offscreen's 800x800 screen clamps the restored size itself)
    got = again.splitters[2].sizes()   # scaled to the restored width; the default is 1000:900
    assert got[0] / got[1] == pytest.approx(sizes[0] / sizes[1], rel=0.02)
    again.new_session()
    wz = again.wizard
    assert wz.protocol_picker.currentData() == "bridge" and wz.target_spin.value() == 35.0 and wz.sound_box.isChecked()
    again.close()


def test_a_silent_serial_port_is_probed_off_the_gui_thread(qtbot):
    """The 2.5 s probe runs on a worker: the window's timers keep firing meanwhile,
    and the probe's error ends in the banner."""
    import os
    from PyQt6.QtCore import QTimer
    master, slave = os.openpty()
    path = os.ttyname(slave)
    try:
        w = MainWindow(None, settings=GuiSettings())
        qtbot.addWidget(w)
        w.show()
        ticks = []
        probe = QTimer()
        probe.timeout.connect(lambda: ticks.append(w.banner.full_text))
        probe.start(50)
        assert not w.connect_device(f"serial:{path}?fs=1000")
        probe.stop()
        assert len(ticks) >= 20 and any(t.startswith("opening serial:") for t in ticks)
        assert "sent nothing in 2.5 s" in w.banner.full_text and w.session is None
        w.close()
    finally:
        os.close(master)
        os.close(slave)


def test_a_device_lost_mid_session_keeps_the_recording_and_esc_closes(qtbot, tmp_path, monkeypatch):
    protocol = short(load_protocol("clamshell"))
    spec = sim_spec("sim", protocol.muscles, "tfl_dominant_clam") + "&seed=5&fast=1"
    w = MainWindow(spec, settings=GuiSettings(record_dir=str(tmp_path)), clock=ManualClock())
    qtbot.addWidget(w)
    w.show()
    wz = w.wizard
    w.new_session()
    assert wz.start(pseudonym="P3", protocol=protocol)
    sim = w.session.driver.subject   # the device goes away 15 s into the guided session
    sim.config = replace(sim.config, disconnect_at=w.session.now_s() + 15)
    for _ in protocol.muscles:
        wz.next()
    r = wz.runner
    wz.next()   # the signal check; the device is gone at 15 s
    qtbot.waitUntil(lambda: wz.cue_word.text() == "STOPPED" and w.recorder is None, timeout=20000)
    assert str(wz.recording_path) in wz.cue_text.text() and "disconnect" in wz.cue_text.text()
    monkeypatch.setattr(wizard_mod.QMessageBox, "question", lambda *a, **k: pytest.fail("nothing left to confirm"))
    qtbot.keyClick(w, Qt.Key.Key_Escape)
    assert not wz.active and r.session.status.state.name in ("LOST", "ERROR")
    with open_recording(wz.recording_path) as rec:
        assert rec.attrs["subject_id"] == "P3" and rec.duration_s > 10
    w.close()

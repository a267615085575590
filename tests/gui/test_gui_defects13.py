"""The rest of issue 13's defects, as a clinician meets them on screen (offscreen Qt, the
simulator on a ManualClock where time matters; no sleeps). Each test failed before its fix."""
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pytestqt")
from PyQt6.QtCore import Qt  # noqa: E402
from PyQt6.QtGui import QFontMetrics  # noqa: E402
from PyQt6.QtWidgets import QApplication  # noqa: E402

from emgmap.analysis import analyze_recording  # noqa: E402
from emgmap.app.biofeedback_view import BiofeedbackModel  # noqa: E402
from emgmap.app.summary_view import summary_view  # noqa: E402
from emgmap.clock import ManualClock  # noqa: E402
from emgmap.drivers.sim import sim_spec  # noqa: E402
from emgmap.dsp.calibration import CalibrationSnapshot  # noqa: E402
from emgmap.dsp.indices import LabelledValue, LiveIndices, Ratio  # noqa: E402
from emgmap.gui.patient_view import PatientView  # noqa: E402
from emgmap.gui.settings import GuiSettings  # noqa: E402
from emgmap.gui.summary_table import SummaryTable  # noqa: E402
from emgmap.gui.theme import SMALL_PT, THEMES, font  # noqa: E402
from emgmap.gui.window import MainWindow  # noqa: E402
from emgmap.montage import default_montage  # noqa: E402
from emgmap.protocols import load_protocol  # noqa: E402
from emgmap.protocols.model import MVC_POSITIONS  # noqa: E402
from emgmap.types import Side  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from sessions import short  # noqa: E402


def sim_window(qtbot, tmp_path, protocol, scenario="tfl_dominant_clam"):
    spec = sim_spec("sim", protocol.muscles, scenario) + "&seed=5&fast=1&artifacts=0"
    w = MainWindow(spec, settings=GuiSettings(record_dir=str(tmp_path)), clock=ManualClock())
    qtbot.addWidget(w)
    w.show()
    return w


def to_run_page(w, protocol):
    wz = w.wizard
    w.new_session()
    assert wz.start(pseudonym="P5", protocol=protocol)
    while wz.page == "placement":
        wz.next()
    return wz


def idle(qtbot, r):
    qtbot.waitUntil(lambda: not r.busy(r.session.now_s()), timeout=30000)


def advance_to(qtbot, wz, kind):
    """Next through the plan until a stage of ``kind`` ("mvc", "set") is the next one, idle."""
    r = wz.runner
    while r.next_stage.kind != kind:
        idle(qtbot, r)
        wz.next()
    idle(qtbot, r)


def test_defect13_mvc_flow_position_on_ready_rest_between_trials_and_one_trial_number(qtbot, tmp_path):
    clam = short(load_protocol("clamshell"))
    clam = replace(clam, calibration=replace(clam.calibration, mvc_rest_s=120.0))
    w = sim_window(qtbot, tmp_path, clam)
    wz = to_run_page(w, clam)
    r = wz.runner
    advance_to(qtbot, wz, "mvc")
    r.countdown_s = 60.0   # a long GET READY (session time): the screen is looked at within it
    wz.next()
    wz.tick()
    position = MVC_POSITIONS["gmed"]
    assert wz.cue_word.text() == "GET READY" and position in wz.cue_text.text()   # how to position the patient
    assert wz.counter.text() == "gmed left · trial 1/2"
    idle(qtbot, r)
    qtbot.waitUntil(lambda: len(r.trials) == 1, timeout=30000)
    wz.tick()   # 120 s of rest are due before the next trial of the same muscle: a countdown
    assert wz.cue_word.text() == "REST" and wz.remaining.text().endswith(" s")
    assert 100 <= int(wz.remaining.text().split()[0]) <= 120 and position in wz.cue_text.text()
    assert "captured: gmed left trial 1: " in wz.detail.text()
    wz.repeat()   # R: one more trial; the planned second one follows as trial 3
    wz.tick()
    assert wz.counter.text() == "gmed left · trial 2/3"
    idle(qtbot, r)
    qtbot.waitUntil(lambda: len(r.trials) == 2, timeout=30000)
    wz.tick()
    assert "trial 2: " in wz.detail.text() and "start MVC gmed_L, trial 3/3" in wz.run_hint.text()
    wz.next()
    wz.tick()
    assert wz.counter.text() == "gmed left · trial 3/3"   # what it will be captured as
    idle(qtbot, r)
    qtbot.waitUntil(lambda: len(r.trials) == 3, timeout=30000)
    wz.tick()
    assert "trial 3: " in wz.detail.text() and [t.number for t in r.trials] == [1, 2, 3]
    wz.abort(confirm=False)
    w.close()


def test_defect12_squat_phase_words_never_contradict_the_cues(qtbot, tmp_path):
    squat = short(load_protocol("single_leg_squat"), reps=2)
    squat = replace(squat, calibration=replace(squat.calibration, mvc_trials=0))   # straight to the sets
    w = sim_window(qtbot, tmp_path, squat, "healthy")
    wz = to_run_page(w, squat)
    r = wz.runner
    advance_to(qtbot, wz, "set")
    wz.next()
    words = {}

    def look():
        wz.tick()
        words.setdefault(wz.cue_text.text(), set()).add(wz.cue_word.text())
        return len(words.get(squat.cues["up"], ())) and len(words.get(squat.cues["down"], ()))

    qtbot.waitUntil(look, timeout=30000)
    assert words[squat.cues["up"]] == {"GO"}        # "Squat down slowly" was under "UP"
    assert words[squat.cues["down"]] == {"BACK"}    # "Stand back up" was under "DOWN"
    wz.abort(confirm=False)
    w.close()


def test_defect10_a_bad_port_says_what_to_do_in_the_dashboard_not_a_command(qtbot):
    w = MainWindow(None, settings=GuiSettings())
    qtbot.addWidget(w)
    w.show()
    assert not w.connect_device("serial:/dev/emgmap-no-such-port")
    text = w.banner.full_text
    assert "no such port /dev/emgmap-no-such-port" in text and "emgmap devices" not in text
    assert "Device list" in text and "Connect" in text
    w.device_bar.picker.setEditText("serial:/dev/typed")   # the list is scanned again when opened
    w.device_bar.picker.refresh()
    assert w.device_bar.spec() == "serial:/dev/typed" and w.device_bar.picker.count() > 3
    w.close()


def test_body_map_titles_and_bar_header_fit_a_laptop_screen(qtbot):
    """At 1366x768 the body map's "right side" read "ight side" and the bars' header wrapped."""
    w = MainWindow(None, settings=GuiSettings())
    qtbot.addWidget(w)
    w.show()
    w.resize(1366, 768)
    qtbot.waitUntil(lambda: w.width() == 1366, timeout=20000)
    QApplication.processEvents()
    body = w.body
    _, scale, _ = body._geometry()
    room = 120 * scale - 4
    fm = QFontMetrics(body.title_font(scale))
    assert all(fm.horizontalAdvance(title) <= room for title, *_ in body.VIEWS)
    assert QFontMetrics(font(SMALL_PT, bold=True)).horizontalAdvance("right side") > 100 * scale   # it was clipped
    w.bars.set_montage(default_montage())
    w.bars.set_levels({}, {}, "full bar = 100 % peak")
    assert w.bars.geometry_rows()[0] == 30.0   # one line
    w.close()


def live(t, gmed, tfl):
    m = default_montage()
    act = {c.name: LabelledValue(0.0, "mvc") for c in m.channels}
    act.update(gmed_L=LabelledValue(gmed, "mvc"), tfl_L=LabelledValue(tfl, "mvc"))
    return LiveIndices(t, int(t * 2000), act, (), (Ratio("gmed:tfl", "left", gmed, tfl, gmed / tfl, "mvc"),))


def test_the_patient_views_dominance_cue_needs_real_activity(qtbot):
    """TFL 10 %MVC over gmed 6 %MVC is noise when the rest baseline is 6 ± 2 µV of an 80 µV
    MVC (threshold rest + 3 SD = 12 µV = 15 %MVC): no "taking over" (it fired above 5 %MVC)."""
    m = default_montage()
    n = len(m)
    cal = CalibrationSnapshot(tuple(m.names), np.full(n, 6.0), np.full(n, 2.0), np.full(n, 80.0), np.full(n, 150.0),
                              ())
    view = PatientView(THEMES["dark"])
    qtbot.addWidget(view)
    view.show()
    model = BiofeedbackModel(m, ("gmed",), sides=(Side.LEFT,))
    for k in range(12):   # 3 s
        view.set_view(model.update(live(0.25 * k, 6.0, 10.0), cal))
    assert "taking over" not in view.accessibleDescription()
    for k in range(12, 24):   # a real contraction with TFL ahead: the cue after a second
        view.set_view(model.update(live(0.25 * k, 20.0, 30.0), cal))
    assert "left leg: tensor fasciae latae (TFL) is taking over" in view.accessibleDescription()


def test_a_symmetry_index_at_3_percent_mvc_is_at_rest_in_the_summary_table(qtbot, tfl_dominant_clamshell):
    """A muscle the exercise does not work (bf in a clamshell, ~3 %MVC) showed red."""
    a = analyze_recording(tfl_dominant_clamshell)
    sym = a.exercises[0]["symmetry"]
    bf = next(y for y in sym if y["muscle"] == "bf")
    bf.update(left=3.0, right=1.5, si_percent=-66.7, lr_ratio=2.0)   # both sides under 5 %MVC
    table = SummaryTable(THEMES["light"])
    qtbot.addWidget(table)
    table.set_view(summary_view(a))
    t = table.table
    row = next(i for i in range(t.rowCount()) if t.item(i, 1).text() == "SI bf")
    assert t.item(row, 3).text() == "at rest" and t.item(row, 3).background().style() == Qt.BrushStyle.NoBrush
    judged = [t.item(i, 3).text() for i in range(t.rowCount()) if t.item(i, 1).text() == "gmed:tfl left"]
    assert judged == ["imbalance"]

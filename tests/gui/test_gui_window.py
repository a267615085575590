"""The real window, offscreen, on the simulator (real time, waited on with qtbot.waitUntil)."""
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")
from PyQt6.QtCore import Qt, QTimer  # noqa: E402

from emgmap.gui import settings as settings_mod  # noqa: E402
from emgmap.gui.devicebar import MontageEditor  # noqa: E402
from emgmap.gui.settings import GuiSettings  # noqa: E402
from emgmap.gui.window import MainWindow  # noqa: E402
from emgmap.session import State  # noqa: E402
from emgmap.types import Side  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def acquisition_threads():
    return [t for t in threading.enumerate() if t.name == "emgmap-acquisition" and t.is_alive()]


@pytest.fixture
def window(qtbot):
    w = MainWindow("sim", settings=GuiSettings())
    qtbot.addWidget(w)
    w.show()
    yield w
    w.close()


def test_window_opens_on_the_simulator_and_curves_update(window, qtbot):
    w = window
    assert len(w.traces.labels) == 8 and len(w.traces.lanes.pens) == 8
    qtbot.waitUntil(lambda: w.traces.drawn_index > 0, timeout=20000)
    first = w.traces.drawn_index
    x, y = w.traces.lane_data(0)
    assert len(x) >= 2 and x[-1] <= 0 and len(x) == len(y)
    qtbot.waitUntil(lambda: w.traces.drawn_index > first + 200, timeout=20000)  # new samples drawn
    qtbot.waitUntil(lambda: "connected" in w.device_bar.state_label.text(), timeout=20000)
    qtbot.waitUntil(lambda: "Hz" in w.device_bar.rate_label.text() and w.latency.median_ms() is not None, timeout=20000)
    assert w.latency.median_ms() < 1000
    assert w.traces.labels[:2] == ["gmed L", "gmed R"]
    # the activation map and the gauges are fed
    qtbot.waitUntil(lambda: bool(w.bars.values) and len(w.models.gauges.gauges[0].trend_t) > 0, timeout=20000)
    assert set(w.bars.values) == {(m, s) for m in ("gmed", "gmax", "tfl", "bf") for s in (Side.LEFT, Side.RIGHT)}


def test_bad_device_shows_the_error_and_the_window_stays_usable(qtbot):
    w = MainWindow("usb:/dev/nothing", settings=GuiSettings())
    qtbot.addWidget(w)
    w.show()
    assert w.banner.shown and "valid forms" in w.banner.full_text
    assert w.session is None and w.device_bar.connect_button.text() == "Connect"
    assert not w.connect_device("serial:/dev/emgmap-no-such-port")  # a bad port: named, with what to do
    assert "no such port /dev/emgmap-no-such-port" in w.banner.full_text
    assert w.session is None and w.isVisible()
    # a device that goes away while streaming: shown, and the last traces stay
    assert w.connect_device("sim:?disconnect_at=0.3")
    qtbot.waitUntil(lambda: w.session.status.state == State.LOST, timeout=20000)
    qtbot.waitUntil(lambda: w.banner.shown and "disconnect" in w.banner.full_text, timeout=20000)
    assert "device lost" in w.device_bar.state_label.text()
    assert w.device_bar.connect_button.text() == "Connect"
    # and connecting again works
    assert w.connect_device("sim")
    assert not w.banner.shown
    qtbot.waitUntil(lambda: w.traces.drawn_index > 100, timeout=20000)
    # a bad port asked for while streaming leaves the stream alone
    live = w.session
    assert not w.connect_device("serial:/dev/emgmap-no-such-port")
    assert w.session is live and live.running and "no such port" in w.banner.full_text
    w.close()


def test_space_bar_and_button_add_markers(window, qtbot):
    w = window
    qtbot.waitUntil(lambda: w.session.rings.total > 0, timeout=20000)
    w.setFocus()
    qtbot.keyClick(w, Qt.Key.Key_Space)
    w.record_bar.label.setText("knee valgus")
    qtbot.mouseClick(w.record_bar.marker_button, Qt.MouseButton.LeftButton)
    markers = [e for e in w.session.events() if e.kind == "marker"]
    assert [m.label for m in markers] == ["", "knee valgus"]
    assert markers[1].onset_s >= markers[0].onset_s >= 0
    assert "knee valgus" in w.record_bar.last_marker.text()


def test_closing_leaves_no_thread_or_timer(qtbot, tmp_path):
    from emgmap.recordings import open_recording
    before = set(threading.enumerate())
    w = MainWindow("sim", settings=GuiSettings())
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.traces.drawn_index > 0, timeout=20000)
    assert acquisition_threads()
    assert w.start_recording(tmp_path / "closing.h5")  # closing mid-recording finalises the file
    qtbot.waitUntil(lambda: w.recorder.status.samples > 0, timeout=20000)
    w.close()
    with open_recording(tmp_path / "closing.h5") as r:
        assert r.finalised and r.n_samples > 0
    assert not acquisition_threads()
    assert not w.session.running and w.session.status.state == State.STOPPED
    assert not [t for t in w.findChildren(QTimer) if t.isActive()]
    # nothing this window started outlives it (the DSP warm-up thread ends on its own once compiled)
    qtbot.waitUntil(lambda: not [t for t in threading.enumerate() if t not in before and t.is_alive()],
                    timeout=10000)
    assert settings_mod.GuiSettings.load().device == "sim"  # remembered


def test_theme_switch_and_window_length(window, qtbot):
    w = window
    w.controls.theme_picker.setCurrentIndex(w.controls.theme_picker.findData("light"))
    assert w.theme.name == "light" and w.traces.theme.name == "light" and w.body.theme.name == "light"
    before = w.traces.drawn_index
    w.controls.window_spin.setValue(4)
    assert w.traces.window_s == 4 and w.traces.trace.window_s == 4
    # a paint of the new window (one may have come before the change, of the old one)
    qtbot.waitUntil(lambda: w.traces.drawn_index > before and len(w.traces.lane_data(0)[0]) > 0, timeout=20000)
    x, _ = w.traces.lane_data(0)
    assert x[0] >= -4


def test_montage_editor_saves_and_the_montage_is_remembered(window, qtbot, config_dir):
    w = window
    dlg = MontageEditor(w.session.montage, w)
    qtbot.addWidget(dlg)
    dlg.table.cellWidget(6, 1).setCurrentIndex(dlg.table.cellWidget(6, 1).findData("st"))  # bf_L -> st
    dlg.pairs.setText("gmed:tfl, gmax:bf, bogus:tfl")
    dlg._accept()
    assert dlg.result() == 0 and "bogus" in dlg.error.text()  # the field is named, dialog stays open
    dlg.pairs.setText("gmed:tfl")
    dlg._accept()
    m = dlg.result_montage
    assert m.channels[6].muscle == "st" and m.channels[6].placement.startswith("50 % ischial")
    settings_mod.remember_montage("sim", m)
    assert w.connect_device("sim")
    assert w.session.montage == m
    assert [g.key for g in w.models.gauges.gauges if g.kind == "ratio"] == ["ratio gmed:tfl left", "ratio gmed:tfl right"]


def test_gui_command_smoke_quits_after_two_seconds(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", EMGMAP_CONFIG_DIR=str(tmp_path))
    r = subprocess.run([sys.executable, "-m", "emgmap", "gui", "--device", "sim", "--quit-after", "2"],
                       cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr


def test_without_a_display_one_sentence_suggests_the_terminal_commands(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["EMGMAP_CONFIG_DIR"] = str(tmp_path)
    r = subprocess.run([sys.executable, "-m", "emgmap"], cwd=ROOT, env=env, capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "no display" in lines[0]
    assert "emgmap check" in lines[0] and "emgmap record" in lines[0]


def test_protocol_sets_the_pairs_and_expected_ranges(qtbot):
    from emgmap.protocols import load_protocol
    p = load_protocol("clamshell")
    w = MainWindow("sim", settings=GuiSettings(), protocol=p)
    qtbot.addWidget(w)
    ratios = {g.key: g for g in w.models.gauges.gauges if g.kind == "ratio"}
    assert ratios["ratio gmed:tfl left"].expected == p.expected_range("gmed:tfl")
    assert w.models.gauges.zones == p.zones
    # clamshell is unilateral: no live L/R gauges (one leg works at a time)
    assert not [g for g in w.models.gauges.gauges if g.kind == "symmetry"]
    w.close()
    w = MainWindow("sim", settings=GuiSettings(), protocol=load_protocol("bridge"))
    qtbot.addWidget(w)
    assert {g.key for g in w.models.gauges.gauges if g.kind == "symmetry"} >= {"si gmax", "si bf"}
    w.close()


def test_unknown_protocol_is_one_sentence(cli):
    r = cli("gui", "--protocol", "nope")
    assert r.returncode == 2 and r.stderr.startswith("emgmap: unknown protocol 'nope'")


def test_record_then_stop_writes_a_valid_file_with_the_marker(window, qtbot, tmp_path):
    from emgmap.recordings import open_recording
    w = window
    qtbot.waitUntil(lambda: w.session.rings.total > 0, timeout=20000)
    path = tmp_path / "take1.h5"
    assert w.start_recording(path)
    assert w.record_bar.record_button.text() == "■ Stop"
    qtbot.waitUntil(lambda: w.recorder.status.samples > 1000, timeout=20000)
    w.record_bar.label.setText("pain 3/10")
    w.record_bar.request_marker()
    qtbot.waitUntil(lambda: w.recorder.status.samples > 2000, timeout=20000)
    qtbot.waitUntil(lambda: w.record_bar.info.text().startswith("● REC 00:0"), timeout=20000)
    qtbot.mouseClick(w.record_bar.record_button, Qt.MouseButton.LeftButton)  # stop
    assert w.recorder is None and "saved" in w.banner.full_text
    with open_recording(path) as r:
        assert r.fs == w.session.fs and r.n_samples > 2000 and r.finalised
        assert [e.label for e in r.events if e.kind == "marker"] == ["pain 3/10"]
    assert w.traces.drawn_index > 0 and w.session.running  # the live view went on
    # and the take replays in the same window, with its markers
    assert w.connect_device(f"replay:{path}")
    qtbot.waitUntil(lambda: w.traces.drawn_index > 1000, timeout=10000)
    assert w.session.montage.names == ("gmed_L", "gmed_R", "gmax_L", "gmax_R", "tfl_L", "tfl_R", "bf_L", "bf_R")
    qtbot.waitUntil(lambda: any(e.label == "pain 3/10" for e in w.session.events()), timeout=10000)


def test_recording_that_cannot_start_is_shown_and_streaming_goes_on(window, qtbot, tmp_path):
    w = window
    qtbot.waitUntil(lambda: w.session.rings.total > 0, timeout=20000)
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    assert not w.start_recording(blocker / "take.h5")  # a folder that is a file
    assert w.banner.shown and "recording could not start" in w.banner.full_text
    before = w.traces.drawn_index
    qtbot.waitUntil(lambda: w.traces.drawn_index > before, timeout=20000)


def test_quick_calibration_turns_levels_into_percent_mvc(window, qtbot):
    w = window
    qtbot.waitUntil(lambda: w.session.now_s() > 1.0, timeout=20000)
    w.calibrate("mvc")
    assert w.banner.full_text.startswith("MVC trial added for 8 channels") and "gmed L" in w.banner.full_text
    qtbot.waitUntil(lambda: w.norm_label.text() == "levels: %MVC", timeout=20000)
    assert all("%MVC" in g.detail for g in w.models.gauges.gauges)
    w.calibrate("clear")
    qtbot.waitUntil(lambda: "%MVC" not in w.norm_label.text(), timeout=20000)


def test_markers_appear_as_lines_on_the_traces(window, qtbot):
    w = window
    qtbot.waitUntil(lambda: w.session.rings.total > 0, timeout=20000)
    w.add_marker("squat 1")
    qtbot.waitUntil(lambda: len(w.traces.event_lines) == 1, timeout=20000)
    onset, line = w.traces.event_lines[0]
    first = line.value()
    qtbot.waitUntil(lambda: line.value() < first - 0.2, timeout=20000)  # it scrolls with the traces
    assert -w.traces.window_s <= line.value() <= 0


def test_symmetry_zones_come_from_the_settings_without_a_protocol(qtbot):
    w = MainWindow("sim", settings=GuiSettings(symmetry_green=15.0, symmetry_amber=30.0))
    qtbot.addWidget(w)
    assert w.models.gauges.zones.symmetry(14.0) == "green" and w.models.gauges.zones.symmetry(31.0) == "red"
    w.close()
    assert GuiSettings(symmetry_green=40.0, symmetry_amber=20.0).symmetry_green == 10.0  # inconsistent: defaults


def test_mixed_calibration_says_so(window, qtbot):
    w = window
    qtbot.waitUntil(lambda: w.session.now_s() > 1.0, timeout=20000)
    w.session.capture_mvc(0.0, w.session.now_s(), channels=["gmed_L", "gmed_R"])
    qtbot.waitUntil(lambda: w.norm_label.text().startswith("levels: %MVC where calibrated"), timeout=20000)
    # the others have only rested (the demo starts with 5 s of rest): no usable peak yet, so µV
    assert w.bars.header.startswith("per channel: %MVC, µV")
    def g():   # the gauges are immutable views: read the newest each time
        return {x.key: x for x in w.models.gauges.gauges}
    qtbot.waitUntil(lambda: "%MVC" in g()["si gmed"].detail and "µV" in g()["si tfl"].detail, timeout=20000)


def test_lsl_toggle_publishes_the_session_and_stops_with_it(window, qtbot):
    pylsl = pytest.importorskip("pylsl", reason="pylsl is not installed (pip install 'emgmap[lsl]')")
    w = window
    qtbot.waitUntil(lambda: w.session.rings.total > 0, timeout=20000)
    w.lsl_action.setChecked(True)
    assert w.lsl is not None and "publishing LSL streams 'emgmap'" in w.banner.label.text()
    found = pylsl.resolve_byprop("source_id", "emgmap-sim-indices", timeout=5)
    assert found and found[0].type() == "Indices"
    qtbot.waitUntil(lambda: w.lsl.pushed > 0, timeout=20000)
    publisher = w.lsl
    w.lsl_action.setChecked(False)
    assert w.lsl is None and not publisher._thread.is_alive()
    w.lsl_action.setChecked(True)
    w.disconnect_device()          # publishing ends with the session
    assert w.lsl is None

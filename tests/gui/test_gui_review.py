"""The review window on a real recording (issue 13 defect 14, issue 18 item 13): keys after a
click on the plot, no scrolling past the end, one label per run of MVC trials, a y scale per
lane, the subject as plain text."""
import pytest

pytest.importorskip("pytestqt")
from PyQt6.QtCore import Qt  # noqa: E402

from emgmap.clock import ManualClock  # noqa: E402
from emgmap.drivers import open_driver  # noqa: E402
from emgmap.gui.review import ReviewWindow  # noqa: E402
from emgmap.sinks.recorder import Recorder  # noqa: E402
from emgmap.session import Session  # noqa: E402


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    path = tmp_path_factory.mktemp("review") / "take.h5"
    clock = ManualClock()
    session = Session(open_driver("sim:?fast=1&seed=2", clock=clock), clock=clock, ring_seconds=30)
    rec = Recorder(session, path, subject_id="<b>K-12</b>").start()
    session.start()
    assert session.wait_until(lambda s: s.now_s() >= 14.0, 60)
    for a in (2.0, 4.0, 6.0):    # three gmed L trials back to back, then one gmed R
        session.capture_mvc(a, a + 2.0, channels=["gmed_L"])
    session.capture_mvc(8.0, 10.0, channels=["gmed_R"])
    assert session.wait_until(lambda s: s.now_s() >= 16.0, 60)
    session.stop()
    assert rec.stop().state != "failed"
    return path


def test_review_keys_limits_labels_and_scale(qtbot, recording):
    rv = ReviewWindow(recording)
    qtbot.addWidget(rv)
    rv.show()
    qtbot.waitExposed(rv)
    assert rv.head.textFormat() == Qt.TextFormat.PlainText and "subject <b>K-12</b>" in rv.head.text()
    qtbot.mouseClick(rv.plot.viewport(), Qt.MouseButton.LeftButton)   # the clinician clicks the plot
    lo, hi = rv.x_range
    qtbot.keyClick(rv.focusWidget() or rv, Qt.Key.Key_Plus)
    lo2, hi2 = rv.x_range
    assert hi2 - lo2 == pytest.approx((hi - lo) / 2, rel=1e-6)   # still zooms
    for _ in range(20):
        qtbot.keyClick(rv.focusWidget() or rv, Qt.Key.Key_Right)
    lo3, hi3 = rv.x_range
    assert hi3 == pytest.approx(rv.t_end, abs=1e-6) and hi3 - lo3 == pytest.approx(hi2 - lo2, rel=1e-6)
    assert rv.t_end < rv.t_start + rv.duration + 1.0
    for _ in range(20):
        qtbot.keyClick(rv.focusWidget() or rv, Qt.Key.Key_Left)
    assert rv.x_range[0] == pytest.approx(rv.t_start, abs=1e-6)
    texts = [item.textItem.toPlainText() for item in rv.event_items if hasattr(item, "textItem")]
    assert texts.count("MVC gmed_L ×3") == 1 and "MVC gmed_R" in texts
    assert not [t for t in texts if t == "gmed_L"]
    ticks = [t for _, t in rv.plot.getAxis("left")._tickLevels[0]]
    assert all(t.endswith(" µV") for t in ticks) and ticks[0].startswith("gmed_L ")
    assert rv.plot.getAxis("left").width() > rv.plot.fontMetrics().horizontalAdvance("gmed_L  88 µV")
    rv.close()


def test_replay_has_a_playhead(qtbot, recording, tmp_path):
    from emgmap.gui.settings import GuiSettings
    from emgmap.gui.window import MainWindow
    w = MainWindow(None, settings=GuiSettings(record_dir=str(tmp_path)))
    qtbot.addWidget(w)
    w.show()
    rv = w.open_recording(recording)
    assert not rv.playhead.isVisible()
    assert rv.replay(2.0)
    qtbot.waitUntil(lambda: rv.playhead.isVisible() and rv.playhead.value() > rv.t_start + 0.5, timeout=20000)
    first = rv.playhead.value()
    qtbot.waitUntil(lambda: rv.playhead.value() > first + 0.5, timeout=20000)   # it follows the replay
    assert rv.playhead.value() <= rv.t_end + 0.5
    w.close()

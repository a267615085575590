"""What the dashboard repaints each frame (issue 13, `emgmap bench gui`): a view whose input did
not change does not repaint, the gauges' words change at once while their pixels take turns,
and the channel quality computed off the GUI thread still reaches the lane labels. No timing
here: the figures are the benchmark's."""
import numpy as np
import pytest

pytest.importorskip("pytestqt")
from PyQt6.QtCore import QEvent, QObject  # noqa: E402

from emgmap.app.gauges import GaugesModel  # noqa: E402
from emgmap.app.levels import LevelsModel  # noqa: E402
from emgmap.dsp.indices import LabelledValue, LiveIndices, Ratio  # noqa: E402
from emgmap.gui.bodymap import BodyMap  # noqa: E402
from emgmap.gui.gauges import GaugePanel  # noqa: E402
from emgmap.gui.settings import GuiSettings  # noqa: E402
from emgmap.gui.theme import THEMES  # noqa: E402
from emgmap.gui.window import MainWindow  # noqa: E402
from emgmap.montage import default_montage  # noqa: E402

M = default_montage()


class PaintCount(QObject):
    """Counts the paint events each watched widget receives after :meth:`settle`."""

    def __init__(self, *widgets):
        super().__init__()
        self.n = {id(w): 0 for w in widgets}
        for w in widgets:
            w.installEventFilter(self)

    def eventFilter(self, obj, ev):
        if ev.type() == QEvent.Type.Paint and id(obj) in self.n:
            self.n[id(obj)] += 1
        return False

    def settle(self, qtbot) -> None:
        """Wait for the first paint of every widget (shown), then count from zero."""
        qtbot.waitUntil(lambda: all(self.n.values()), timeout=20000)
        qtbot.wait(100)   # any paint the show scheduled after the first
        self.n = dict.fromkeys(self.n, 0)

    def __getitem__(self, w) -> int:
        return self.n[id(w)]


def levels(pct: float):
    act = {c.name: LabelledValue(pct, "mvc") for c in M.channels}
    return LevelsModel(M).update(LiveIndices(0.0, 0, act, (), ()))


def test_the_body_map_repaints_only_when_a_colour_or_its_words_change(qtbot):
    b = BodyMap(THEMES["dark"])
    qtbot.addWidget(b)
    b.resize(600, 400)
    b.set_montage(M)
    count = PaintCount(b)
    b.show()
    count.settle(qtbot)
    b.set_view(levels(30.0))
    qtbot.waitUntil(lambda: count[b] == 1, timeout=20000)
    said = b.accessibleDescription()
    b.set_view(levels(30.0))            # the same levels: nothing to paint
    qtbot.wait(50)
    assert count[b] == 1 and b.accessibleDescription() == said
    b.set_view(levels(60.0))            # brighter: painted and said
    qtbot.waitUntil(lambda: count[b] == 2, timeout=20000)
    assert "gmed left 60 %" in b.accessibleDescription()
    img = b.grab().toImage()            # the static part (cached) is still under the fills
    assert img.pixelColor(2, 2).name() == THEMES["dark"].qcolor("bg").name()


def test_spread_gauges_say_the_new_values_at_once_and_repaint_one_at_a_time(qtbot):
    model = GaugesModel(M, expected={"gmed:tfl": (1.9, 4.0)})
    panel = GaugePanel(THEMES["dark"], spread=True)
    qtbot.addWidget(panel)
    panel.set_model(model)
    panel.resize(700, 2000)             # every gauge on screen
    count = PaintCount(*panel.widgets)
    panel.show()
    count.settle(qtbot)
    model.update(LiveIndices(1.0, 0, {}, (), (Ratio("gmed:tfl", "left", 10, 38, 0.26, "mvc"),)))
    w = next(x for x in panel.widgets if x.gauge.key == "ratio gmed:tfl left")
    assert w.accessibleDescription().startswith(w.gauge.spoken) and "0.26" in w.accessibleDescription()
    changed = list(panel._unpainted)
    assert w in changed
    qtbot.wait(50)
    assert all(count[x] == 0 for x in changed)      # words now, pixels when their turn comes
    panel.paint_next()
    qtbot.waitUntil(lambda: count[changed[0]] == 1, timeout=20000)
    assert all(count[x] == 0 for x in changed[1:])
    panel.paint_all()
    qtbot.waitUntil(lambda: all(count[x] >= 1 for x in changed), timeout=20000)
    before = {id(x): count[x] for x in panel.widgets}
    panel.show_views(model.gauges)      # the same views again: nothing left to paint
    assert panel._unpainted == []
    panel.paint_all()
    qtbot.wait(50)
    assert {id(x): count[x] for x in panel.widgets} == before


def test_channel_quality_computed_off_the_gui_thread_reaches_the_lane_labels(qtbot, tmp_path):
    w = MainWindow("sim:?fast=1&seed=2&mains_uv=300", settings=GuiSettings(record_dir=str(tmp_path)))
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: len(w.traces.flags) == len(M) and all("mains-heavy" in f for f in w.traces.flags),
                    timeout=20000)
    labels = [t for _, t in w.traces.getPlotItem().getAxis("left")._tickLevels[0]]
    assert all("⚠ mains" in t for t in labels)
    w.close()
    assert w._worker._shutdown


def test_the_trace_image_keeps_every_peak_and_a_flat_line(qtbot):
    """The lanes are an image of min/max columns (one repaint copies it): a one-sample spike
    among 20 000 samples still reaches its lane's edge, a flat channel is still a line, and
    stopped data is grey."""
    from PyQt6.QtCore import QPointF
    from PyQt6.QtGui import QColor

    from emgmap.gui.traces import LANE_HALF, TracesView
    from emgmap.ringbuffer import RingBuffer
    fs, C, n = 2000.0, len(M), 24000
    rng = np.random.default_rng(5)
    x = rng.normal(0, 5.0, (n, C))
    spike = n - 7001                       # 3.5 s before the newest sample
    x[spike, 0] = 1000.0                   # gmed L: one sample
    x[:, 2] = 0.0                          # gmax L: flat
    ring, ring_t = RingBuffer(n, C), RingBuffer(n)
    ring.write(x)
    ring_t.write(np.arange(n) / fs)
    view = TracesView(THEMES["dark"])
    qtbot.addWidget(view)
    view.resize(900, 500)
    view.show()
    qtbot.waitExposed(view)
    view.set_source(ring, ring_t, fs, M, 10.0, "raw µV")
    view.refresh()
    view.rescale()
    vb = view.getPlotItem().getViewBox()

    def pixel(t: float, y: float) -> tuple[int, int]:
        p = view.mapFromScene(vb.mapViewToScene(QPointF(t, y)))
        return p.x(), p.y()

    def lit_rows(img, col: int, colour: str, lane: int) -> list[int]:
        _, y0 = pixel(0, lane + 0.5)
        _, y1 = pixel(0, lane - 0.5)
        return [y for y in range(y0, y1) if img.pixelColor(col, y).name() == colour]

    img = view.grab().toImage()
    left, flat = QColor(THEMES["dark"].left).name(), QColor(THEMES["dark"].left).name()
    col, edge = pixel(-3.5, C - 1 + LANE_HALF)
    near = [r for c in range(col - 2, col + 3) for r in lit_rows(img, c, left, C - 1)]
    assert near and min(near) <= edge + 2                       # the spike reaches the lane's edge
    far = lit_rows(img, pixel(-6.0, 0)[0], left, C - 1)
    assert far and min(far) > edge + 5                          # elsewhere the noise stays low
    mid = pixel(0, C - 3)[1]
    for t in (-9.0, -5.0, -1.0):                                # the flat lane: a line all along
        rows = lit_rows(img, pixel(t, 0)[0], flat, C - 3)
        assert rows and all(abs(r - mid) <= 1 for r in rows)
    view.set_stale("device lost at 10:42:07")
    img = view.grab().toImage()
    assert not lit_rows(img, col, left, C - 1)                  # grey now, not the side's colour
    assert lit_rows(img, col, QColor(THEMES["dark"].muted).name(), C - 1)


def test_the_status_frame_after_a_recording_started_since_the_last_poll(qtbot, tmp_path):
    """The status bars draw the newest polled state a frame or two later (the frame cycle); a
    recording started in between has no status in it yet: shown at the next poll, no error."""
    w = MainWindow("sim:?fast=1&seed=2", settings=GuiSettings(record_dir=str(tmp_path)))
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.state is not None, timeout=20000)
    w.timer.stop()                       # the frames by hand from here
    w._update_state(drawing=True, numbers=False)
    assert w.start_recording(tmp_path / "a.h5") and w.state.recording is None
    w._update_bar_status(w.state)        # raised AttributeError before
    assert w.record_bar.recording
    w._update_state(drawing=True, numbers=True)
    assert w.state.recording is not None and w.record_bar.info.toolTip().endswith("a.h5")
    assert w.record_bar.info.text().startswith("● REC")
    w.stop_recording()
    w.close()

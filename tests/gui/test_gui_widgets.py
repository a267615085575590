"""The widgets on their own (pytest-qt, offscreen): what they draw, say and send (issue 13
defects 1, 9, 14, 15 and the accessible readings). Each failed on the widgets before."""
import numpy as np
import pytest

pytest.importorskip("pytestqt")
from PyQt6.QtCore import QPointF, Qt  # noqa: E402
from PyQt6.QtGui import QColor  # noqa: E402

from emgmap.app.gauges import GaugesModel  # noqa: E402
from emgmap.app.levels import LevelsModel  # noqa: E402
from emgmap.dsp.indices import LabelledValue, LiveIndices, Ratio  # noqa: E402
from emgmap.gui.bodymap import ActivationBars, BodyMap  # noqa: E402
from emgmap.gui.devicebar import DeviceBar, device_choices  # noqa: E402
from emgmap.gui.gauges import GaugePanel  # noqa: E402
from emgmap.gui.recordbar import RecordBar  # noqa: E402
from emgmap.gui.theme import THEMES, ZONE_COLOURS  # noqa: E402
from emgmap.montage import default_montage  # noqa: E402
from emgmap.types import Side  # noqa: E402

M = default_montage()


def colours_in(image) -> set[str]:
    """Every colour painted in ``image`` (a QImage), as #rrggbb."""
    img = image.convertToFormat(image.Format.Format_RGB32)
    arr = np.frombuffer(img.constBits().asstring(img.sizeInBytes()), dtype=np.uint32)
    return {f"#{(int(v) >> 16) & 255:02x}{(int(v) >> 8) & 255:02x}{int(v) & 255:02x}" for v in np.unique(arr)}


@pytest.mark.parametrize("name", sorted(THEMES))
def test_sides_and_zones_never_share_a_colour(name):
    th = THEMES[name]
    sides = {QColor(th.left).name(), QColor(th.right).name(), QColor(th.midline).name()}
    zones = {QColor(c).name() for c in ZONE_COLOURS.values()}
    assert not sides & zones and len(sides) == 3


def test_an_unjudged_gauge_paints_no_zone_colour_and_says_why(qtbot):
    """A % peak gmed:tfl of 0.26 sits in the red band of its range: before, the card drew
    the zone bands behind it anyway. Now no zone colour is painted at all."""
    model = GaugesModel(M, expected={"gmed:tfl": (1.9, 4.0)})
    panel = GaugePanel(THEMES["dark"])
    qtbot.addWidget(panel)
    panel.set_model(model)
    panel.resize(700, 900)
    panel.show()
    model.update(LiveIndices(1.0, 0, {}, (), (Ratio("gmed:tfl", "left", 10, 38, 0.26, "peak"),)))
    w = next(x for x in panel.widgets if x.gauge.key == "ratio gmed:tfl left")
    assert w.accessibleDescription() == "gmed:tfl left 0.26 % peak, not judged: calibrate MVC to judge"
    painted = colours_in(w.grab().toImage())
    assert not painted & {QColor(c).name() for c in ZONE_COLOURS.values()}
    model.update(LiveIndices(1.25, 0, {}, (), (Ratio("gmed:tfl", "left", 10, 38, 0.26, "mvc"),)))
    assert w.accessibleDescription() == "gmed:tfl left 0.26 %MVC, imbalance"   # kept current
    assert QColor(ZONE_COLOURS["red"]).name() in colours_in(w.grab().toImage())


def test_bar_numbers_fit_their_column_in_tall_rows(qtbot):
    """At 1920x1080 the rows are tall and the numbers big: a fixed 60 px column cut "100" to
    ".00" (seen in a screenshot). The column is as wide as the widest number in its font."""
    from PyQt6.QtGui import QFontMetrics
    bars = ActivationBars(THEMES["light"])
    qtbot.addWidget(bars)
    bars.set_montage(M)
    bars.resize(480, 330)
    model = LevelsModel(M)
    for level in (100.0, 1234.0):   # % of peak at full scale; µV, unnormalised, four digits
        act = {c.name: LabelledValue(level, "none") for c in M.channels}
        bars.set_view(model.update(LiveIndices(0.0, 0, act, (), ())))
        head, row_h, name_w, num_w, cx = bars.geometry_rows()
        text = max((f"{v:.0f}" for v in bars.values.values()), key=len)
        assert len(text) == len(f"{level:.0f}")
        assert QFontMetrics(bars.value_font(row_h)).horizontalAdvance(text) + 4 <= num_w


def test_bars_read_from_2_m_with_a_target_band_and_say_their_levels(qtbot):
    bars = ActivationBars(THEMES["dark"])
    qtbot.addWidget(bars)
    bars.set_montage(M)
    bars.resize(420, 330)
    bars.show()
    model = LevelsModel(M)
    act = {c.name: LabelledValue(30.0, "mvc" if c.muscle == "gmed" else "none") for c in M.channels}
    bars.set_view(model.update(LiveIndices(0.0, 0, act, (), ())))
    head, row_h, *_ = bars.geometry_rows()
    assert row_h == 64.0   # 4 muscles in 330 px: rows of the full 64 px (they were capped at 40)
    assert bars.header.startswith("per channel: %MVC, µV")
    assert bars.geometry_rows()[0] == 48.0   # a long header gets two lines, never clipped
    assert "gmed left 30," in bars.accessibleDescription() and "tfl right 30 µV" in bars.accessibleDescription()
    assert bars.units[("tfl", Side.RIGHT)] == "µV" and ("gmed", Side.LEFT) not in bars.units
    bars.target = 0.4
    img = bars.grab().toImage()
    head, row_h, name_w, num_w, cx = bars.geometry_rows()
    half = (bars.width() - name_w) / 2 - num_w
    band = img.pixelColor(int(cx + half * 0.5), int(head + 2))   # inside the band, above the bars
    assert band.green() > band.red() and band.green() > band.blue()   # shaded green, not a thin line


def test_body_map_hatches_a_level_in_another_unit(qtbot):
    b = BodyMap(THEMES["dark"])
    qtbot.addWidget(b)
    b.set_montage(M)
    act = {c.name: LabelledValue(30.0, "mvc" if c.muscle == "gmed" else "none") for c in M.channels}
    b.set_view(LevelsModel(M).update(LiveIndices(0.0, 0, act, (), ())))
    assert ("tfl", Side.LEFT) in b.off_scale and ("gmed", Side.LEFT) not in b.off_scale
    assert "tfl left not on this scale" in b.accessibleDescription() and "gmed left 30 %" in b.accessibleDescription()
    assert "hatched" in b.legend


def test_the_marker_button_does_not_jump(qtbot):
    bar = RecordBar()
    qtbot.addWidget(bar)
    bar.resize(1366, 50)
    bar.show()
    qtbot.waitExposed(bar)
    x = bar.marker_button.mapTo(bar, QPointF(0, 0).toPoint()).x()
    bar.show_marker(12.3, "pain 3/10 after the second set, patient asked for a break")
    qtbot.wait(10)
    bar.layout().activate()
    assert bar.marker_button.mapTo(bar, QPointF(0, 0).toPoint()).x() == x
    assert "pain 3/10" in bar.last_marker.toolTip()


def test_device_list_offers_usb_ports_only():
    from serial.tools.list_ports_common import ListPortInfo
    uart = ListPortInfo("/dev/ttyS0", skip_link_detection=True)
    dongle = ListPortInfo("/dev/ttyUSB0", skip_link_detection=True)
    dongle.vid, dongle.pid = 0x0403, 0x6015   # FTDI, as on the OpenBCI dongle
    specs = [spec for _, spec in device_choices([uart, dongle])]
    assert "brainflow:cyton?port=/dev/ttyUSB0" in specs and "serial:/dev/ttyUSB0" in specs
    assert not [s for s in specs if "ttyS0" in s]


def test_a_typed_spec_and_enter_asks_for_that_spec(qtbot):
    bar = DeviceBar(THEMES["dark"])
    qtbot.addWidget(bar)
    bar.show()
    asked = []
    bar.connect_requested.connect(asked.append)
    bar.picker.setCurrentIndex(2)
    bar.picker.setFocus()
    bar.picker.lineEdit().selectAll()
    qtbot.keyClicks(bar.picker.lineEdit(), "sim:?channels=4")
    qtbot.keyClick(bar.picker.lineEdit(), Qt.Key.Key_Return)
    assert asked and asked[-1] == "sim:?channels=4" and bar.spec() == "sim:?channels=4"
    bar.set_connected(True)
    assert bar.picker.isEnabled()   # switching device while connected stays possible


def test_a_stream_whose_filters_still_compile_says_preparing_not_connected(qtbot):
    """A first start compiles the filters for about 20 s with no data on screen: the bar
    says so (in the connecting colour, why in the tooltip) rather than a green "connected"."""
    from emgmap.session import State, Status
    bar = DeviceBar(THEMES["dark"])
    qtbot.addWidget(bar)
    bar.show()
    bar.show_status(Status(state=State.STREAMING, preparing=True), None)
    text, style = bar.state_label.text(), bar.state_label.styleSheet()
    assert text == "● preparing" and "first start" in bar.state_label.toolTip()
    assert bar.state_label.fontMetrics().horizontalAdvance(text) <= bar.state_label.width()
    assert bar.rate_label.text() == "— Hz"
    bar.show_status(Status(state=State.STREAMING, samples=500, measured_rate=250.0), None)
    assert bar.state_label.text() == "● connected" and not bar.state_label.toolTip()
    assert bar.state_label.styleSheet() != style


def bridge_analysis(norm="mvc"):
    from emgmap.protocols import load_protocol
    from emgmap.analysis.sets import Analysis, SetResult
    sets = [SetResult("bridge", "bridge", None, load_protocol("bridge"), [], "cues", {},
                      [{"name": "gmax:bf", "side": "left", "value": 0.20}], [])]
    return Analysis("x.h5", 2000.0, norm, "%MVC" if norm == "mvc" else "% peak", M, sets,
                    [{"exercise": "bridge", "symmetry": []}], [])


def test_summary_is_a_table_in_zone_colours(qtbot):
    from emgmap.app.summary_view import summary_view
    from emgmap.gui.summary_table import SummaryTable
    analysis = bridge_analysis
    table = SummaryTable(THEMES["light"])
    qtbot.addWidget(table)
    table.set_view(summary_view(analysis()))
    t = table.table
    rows = {t.item(i, 1).text(): i for i in range(t.rowCount())}
    red = rows["gmax:bf left"]
    assert t.item(red, 2).text() == "0.20" and t.item(red, 3).text() == "imbalance"
    assert t.item(red, 3).background().color().name() == QColor(ZONE_COLOURS["red"]).name()
    assert "[red]" not in table.accessibleDescription() and "gmax:bf left 0.20, imbalance" in table.accessibleDescription()
    table.set_view(summary_view(analysis("peak")))
    assert t.item(0, 3).text() == "calibrate MVC to judge" and t.item(0, 3).background().style() == Qt.BrushStyle.NoBrush


def test_an_mvc_lane_scales_to_itself_instead_of_clipping(qtbot):
    """A one-muscle MVC at 500 µV beside 10 µV resting lanes: the shared scale (the median
    lane's) clips it to a solid block; per lane, its plateau stays inside the lane (defect 13)."""
    from emgmap.gui.traces import LANE_HALF, TracesView
    from emgmap.ringbuffer import RingBuffer
    fs, C = 1000.0, len(M)
    rng = np.random.default_rng(1)
    x = rng.normal(0, 5.0, (5000, C))
    x[:, 0] = rng.normal(0, 250.0, 5000)           # gmed L pushing
    ring, ring_t = RingBuffer(10000, C), RingBuffer(10000)
    ring.write(x)
    ring_t.write(np.arange(5000) / fs)
    view = TracesView(THEMES["dark"])
    qtbot.addWidget(view)
    view.resize(900, 600)
    view.set_source(ring, ring_t, fs, M, 5.0, "filtered µV")

    def clipped() -> float:
        view.refresh()
        view.rescale()
        y = view.lane_data(0)[1] - (C - 1)
        return float(np.mean(np.abs(y) >= LANE_HALF - 1e-9))
    assert clipped() > 0.5                           # the shared scale: a solid block
    view.set_per_lane(True)
    assert clipped() < 0.05 and view.lane_scales_uv[0] >= 500 and view.lane_scales_uv[1] <= 20
    labels = [t for _, t in view.getPlotItem().getAxis("left")._tickLevels[0]]
    assert labels[0].startswith("gmed L ±") and "own scale" in view.getPlotItem().titleLabel.text
    view.set_per_lane(False)
    assert clipped() > 0.5


@pytest.mark.parametrize("name", sorted(THEMES))
def test_a_note_banner_does_not_look_like_selected_text(qtbot, name):
    from emgmap.gui.banner import Banner
    th = THEMES[name]
    b = Banner(theme=th)
    qtbot.addWidget(b)
    b.resize(900, b.height())
    b.show_message("publishing LSL streams 'emgmap'", kind="note")
    b.show()
    img = b.grab().toImage()
    # before: white text on the blue the palette uses for selections
    assert img.pixelColor(img.width() // 2, 2).name() == QColor(th.panel).name()   # the background is the panel
    assert b.accessibleDescription() == "note: publishing LSL streams 'emgmap'"
    b.show_message("no such port", kind="error")
    assert b.grab().toImage().pixelColor(b.width() // 2, 2).name() == QColor("#D55E00").name()


def test_stopped_data_is_greyed_and_says_when(qtbot):
    """After a disconnect, a lost device or the end of a replay nothing may look live
    (defect 6): zone colours go, the traces turn grey, the time axis stops saying "now"."""
    from emgmap.gui.traces import TracesView
    model = GaugesModel(M, expected={"gmed:tfl": (1.9, 4.0)})
    panel = GaugePanel(THEMES["dark"])
    qtbot.addWidget(panel)
    panel.set_model(model)
    panel.resize(700, 900)
    model.update(LiveIndices(1.0, 0, {}, (), (Ratio("gmed:tfl", "left", 10, 38, 0.26, "mvc"),)))
    w = next(x for x in panel.widgets if x.gauge.key == "ratio gmed:tfl left")
    red = QColor(ZONE_COLOURS["red"]).name()
    assert red in colours_in(w.grab().toImage())
    panel.set_stale("device lost at 10:42:07")
    assert red not in colours_in(w.grab().toImage()) and "stopped: device lost at 10:42:07" in w.accessibleDescription()
    view = TracesView(THEMES["dark"])
    qtbot.addWidget(view)
    from emgmap.ringbuffer import RingBuffer
    view.set_source(RingBuffer(100, len(M)), RingBuffer(100), 1000.0, M, 5.0, "raw µV")
    view.set_stale("replay finished at 10:43:00")
    assert all(view.lane_pen(c).color().name() == QColor(THEMES["dark"].muted).name() for c in range(len(M)))
    assert "last sample · replay finished at 10:43:00" in view.getPlotItem().getAxis("bottom").labelText
    title = view.getPlotItem().titleLabel.text
    assert title.endswith("STOPPED") and "·  ·" not in title   # short: the traces are narrow on a laptop
    view.set_stale("")
    assert view.getPlotItem().getAxis("bottom").labelText == "seconds before now"
    bars = ActivationBars(THEMES["dark"])
    bars.set_stale("disconnected at 10:44:00")
    assert bars.stale

"""The patient store in the dashboard: the picker (search as you type, create), the
History window (lines over visits, a point opens review at its set, notes) and the
wizard summary's comparison with the last visit. Offscreen, no sleeps."""
import shutil
import stat

import pytest

pytest.importorskip("pytestqt")
from PyQt6.QtCore import QPointF, Qt  # noqa: E402

from emgmap.app.patients import Patient, PatientStore  # noqa: E402
from emgmap.clock import ManualClock  # noqa: E402
from emgmap.drivers.sim import sim_spec  # noqa: E402
from emgmap.gui.history import HistoryWindow  # noqa: E402
from emgmap.gui.patient_picker import PatientPicker  # noqa: E402
from emgmap.gui.settings import GuiSettings  # noqa: E402
from emgmap.gui.theme import ZONE_COLOURS  # noqa: E402
from emgmap.gui.window import MainWindow  # noqa: E402
from emgmap.protocols import load_protocol  # noqa: E402

from patientsupport import SHORT_CLAMSHELL, VISITS, emgmap, session_argv  # noqa: E402


@pytest.fixture
def config_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("EMGMAP_CONFIG_DIR", str(tmp_path / "config"))


def test_picker_searches_as_you_type_and_creates(qtbot, data_dir):
    with PatientStore() as st:
        for p in ("P01", "P02", "knee-03"):
            st.add_patient(Patient(p, display_name="Anna B" if p == "P02" else ""))
    picker = PatientPicker()
    qtbot.addWidget(picker)
    assert picker.matches == ["knee-03", "P01", "P02"]
    qtbot.keyClicks(picker.field, "p0")
    assert picker.matches == ["P01", "P02"] and picker.create_button.isEnabled()   # "p0" could be a new one
    qtbot.keyClicks(picker.field, "2")
    assert picker.matches == ["P02"] and not picker.create_button.isEnabled()    # P02 exists (any case)
    with qtbot.waitSignal(picker.chosen) as chosen:
        qtbot.mouseClick(picker.list.viewport(), Qt.MouseButton.LeftButton,
                         pos=picker.list.visualItemRect(picker.list.item(0)).center())
    assert chosen.args == ["P02"] and picker.field.text() == "P02"
    picker.field.clear()
    qtbot.keyClicks(picker.field, "Anna Berg")
    assert picker.create_button.isEnabled()
    qtbot.mouseClick(picker.create_button, Qt.MouseButton.LeftButton)
    assert "looks like a real name" in picker.note.text()
    picker.field.clear()
    qtbot.keyClicks(picker.field, "P07")
    assert picker.matches == [] and "New patient" in picker.note.text()
    with qtbot.waitSignal(picker.chosen):
        qtbot.mouseClick(picker.create_button, Qt.MouseButton.LeftButton)
    with PatientStore() as st:
        assert [p.pseudonym for p in st.patients()] == ["knee-03", "P01", "P02", "P07"]


def test_history_window_lines_bands_notes_and_a_point_opens_review_at_its_set(qtbot, three_visits, tmp_path,
                                                                            monkeypatch):
    shutil.copytree(three_visits, tmp_path / "data")
    monkeypatch.setenv("EMGMAP_DATA_DIR", str(tmp_path / "data"))
    win = HistoryWindow("P01")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    assert set(win.plots) == {"ratio", "symmetry", "activation"}
    ratio = [(k, i) for _, k, i in win.points if i.measure == "ratio" and i.side == "left"]
    assert [k for k, _ in ratio] == [0, 1, 2]
    assert ratio[0][1].value < ratio[1][1].value < ratio[2][1].value
    scatter = next(s for s, k, i in win.points if i.measure == "ratio" and i.side == "left")
    brushes = [s.brush().color().name() for s in scatter.points()]
    assert brushes[0] == ZONE_COLOURS["red"].lower() and brushes[2] == ZONE_COLOURS["green"].lower()
    bands = [item for item in win.plots["ratio"].items if type(item).__name__ == "LinearRegionItem"]
    assert [tuple(b.getRegion()) for b in bands] == [(1.9, 4.0)]
    assert [win.notes.item(r, 2).text() for r in range(3)] == [note for _, _, note in VISITS]
    # a real click on a gmed:tfl point (the one farthest from the others on screen) opens its set
    view = win.plots["ratio"].getViewBox()

    def on_screen(spot):
        return win.graphs.mapFromScene(view.mapViewToScene(QPointF(spot.pos().x(), spot.pos().y())))

    spots = [(spot, *win.points[spot.data()][1:]) for s in {s for s, _, i in win.points if i.measure == "ratio"}
             for spot in s.points()]
    qtbot.waitUntil(lambda: all(win.graphs.viewport().rect().contains(on_screen(e[0])) for e in spots))  # laid out
    clearance = {id(e): min((on_screen(e[0]) - on_screen(o[0])).manhattanLength() for o in spots if o is not e)
                 for e in spots}
    spot, visit, index = max(spots, key=lambda e: clearance[id(e)])
    assert max(clearance.values()) > 20
    qtbot.mouseClick(win.graphs.viewport(), Qt.MouseButton.LeftButton, pos=on_screen(spot))
    qtbot.waitUntil(lambda: len(win.reviews) == 1, timeout=20000)
    review = win.reviews[0]
    with PatientStore() as st:
        assert str(review.path) == st.visits("P01")[visit].sessions[0].path
    [the_set] = [e for e in review.events if e.kind == "set" and e.label == f"clamshell {index.side}"]
    lo, hi = review.x_range
    assert lo == pytest.approx(the_set.onset_s - 1.0) and hi == pytest.approx(the_set.onset_s + the_set.duration_s + 1.0)
    review.close()
    # the note is edited in place and saved
    win.notes.item(1, 2).setText("after 4 weeks; added side planks")
    with PatientStore() as st:
        assert st.visits("P01")[1].note == "after 4 weeks; added side planks"
    pdf = win.save_pdf(tmp_path / "p.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    win.close()


def test_history_of_a_moved_recording_says_so_instead_of_opening(qtbot, three_visits, tmp_path, monkeypatch):
    shutil.copytree(three_visits, tmp_path / "data")
    monkeypatch.setenv("EMGMAP_DATA_DIR", str(tmp_path / "data"))
    win = HistoryWindow("P01")
    qtbot.addWidget(win)
    with PatientStore() as st:
        path = st.visits("P01")[0].sessions[0].path
    (tmp_path / "gone").mkdir()
    shutil.move(path, tmp_path / "gone" / "x.h5")
    assert win.open_set(path, "clamshell left") is None
    assert "does not exist" in win.status.text() and "patients import" in win.status.text()


def test_wizard_files_the_session_and_compares_it_with_the_last_visit(qtbot, data_dir, config_dir, tmp_path):
    assert emgmap("patients", "add", "P01")[0] == 0
    scenario, extra, note = VISITS[0]
    assert emgmap(*session_argv(scenario, extra, note=note))[0] == 0   # the last visit: TFL-dominant
    protocol = load_protocol(str(SHORT_CLAMSHELL))
    spec = sim_spec("sim", protocol.muscles, "healthy") + "&seed=3&fs=1000&fast=1"
    w = MainWindow(spec, settings=GuiSettings(record_dir=str(tmp_path)), clock=ManualClock())
    qtbot.addWidget(w)
    w.show()
    wz = w.wizard
    wz.begin()
    assert wz.page == "setup" and wz.patient_picker.matches == ["P01"]
    qtbot.keyClicks(wz.pseudonym, "P0")
    assert wz.patient_picker.matches == ["P01"]
    wz.patient_picker.pick("P01")
    assert wz.start(protocol=protocol)
    for _ in protocol.muscles:
        wz.next()
    r = wz.runner
    while r.next_stage is not None:
        qtbot.waitUntil(lambda: not r.busy(r.session.now_s()), timeout=30000)
        wz.next()
    qtbot.waitUntil(lambda: wz.page == "summary", timeout=60000)
    assert wz.visit_id is not None
    text = wz.since_last.text()   # the summary is a table now; the comparison is beside it
    assert "Since the last visit" in text and "gmed:tfl left" in text and "better" in text
    with PatientStore() as st:
        visits = st.visits("P01")
        assert [v.id for v in visits][-1] == wz.visit_id and len(visits) == 2
        recording = visits[-1].sessions[0].path
        from emgmap.app.patients import compare_with_last_visit
        [left] = [c for c in compare_with_last_visit(st, wz.visit_id) if c.name == "gmed:tfl" and c.side == "left"]
    assert left.zone_then == "red" and left.zone_now == "green" and f"{left.change:+.2f}" in text
    assert stat.S_IMODE((tmp_path).stat().st_mode) and recording.startswith(str(tmp_path))
    w.close()

"""The dashboard's Qt-free state (app/dashboard.py): which models a session gets, a
replayed file's sets and calibration, when the data stopped, latency, new file names."""
import pytest

from emgmap.analysis import analyze_recording
from emgmap.app.reports import write_report
from emgmap.outputs import OutputError
from emgmap.app.dashboard import DashboardModels, LatencyMeter, ReplayFile, new_recording_path, stopped_text
from emgmap.app.gauges import GaugeKind
from emgmap.app.live import LiveState
from emgmap.montage import default_montage
from emgmap.protocols import Zones, load_protocol
from emgmap.session import State, Status
from emgmap.types import ConfigError, Side



def test_a_unilateral_protocol_gets_no_live_symmetry_and_its_expected_ranges():
    m = DashboardModels.for_session(default_montage(), load_protocol("clamshell"), Zones(), 35.0)
    kinds = {g.kind for g in m.gauges.gauges}
    assert kinds == {GaugeKind.RATIO}
    gmed_tfl = [g for g in m.gauges.gauges if g.name == "gmed:tfl"]
    assert len(gmed_tfl) == 2 and all(g.expected == (1.9, 4.0) for g in gmed_tfl)
    assert m.feedback.muscles == ("gmed",) and m.feedback.bands["gmed"][0] == 35.0
    bilateral = DashboardModels.for_session(default_montage(), None, Zones(symmetry_green=5, symmetry_amber=9), 40.0)
    assert any(g.kind == GaugeKind.SYMMETRY for g in bilateral.gauges.gauges)
    assert bilateral.gauges.zones.symmetry(7.0) == "amber"


@pytest.fixture
def clam(tfl_dominant_clamshell):
    return tfl_dominant_clamshell


def test_a_replayed_file_gives_its_protocol_mvc_and_working_leg(clam):
    r = ReplayFile.read(clam, 2.0)
    assert r.protocol.name == "clamshell" and r.has_mvc and r.note == ""
    left = next(e for e in r.sets if e.side == Side.LEFT)
    mid = (left.onset_s + left.duration_s / 2 - r.t0) / 2.0   # replay time at 2x
    assert r.file_time(mid) == pytest.approx(left.onset_s + left.duration_s / 2)
    assert r.side_at(mid) == Side.LEFT and r.side_at(0.0) is None


def test_stopped_text_says_why_and_keeps_what_is_shown():
    assert stopped_text(LiveState(status=Status(State.STOPPED), ended=True)).startswith("replay finished at ")
    assert stopped_text(LiveState(status=Status(State.STOPPED))).startswith("disconnected at ")
    assert stopped_text(LiveState(status=Status(State.LOST, "no data for 2 s"))).startswith("no data for 2 s at ")
    assert stopped_text(LiveState(status=Status(State.LOST)), "device lost at 10:00:00") == "device lost at 10:00:00"


def test_latency_is_the_median_of_the_last_second_of_paints():
    m = LatencyMeter()
    assert m.median_ms() is None
    for t, lat in ((0.0, 0.5), (1.5, 0.010), (1.8, 0.020), (2.0, 0.030)):
        m.samples.append((t, lat))
    assert m.median_ms() == pytest.approx(20.0)   # the 0.5 s paint is older than a second
    m.clear()
    assert m.median_ms() is None


def test_a_recordings_folder_that_cannot_be_made_is_one_sentence(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")   # a folder cannot be made under a file (not even by root)
    with pytest.raises(ConfigError, match="cannot create the recordings folder .*a-file/sub .* pick another folder"):
        new_recording_path(blocker / "sub")
    p = new_recording_path(tmp_path / "new")
    assert p.parent.is_dir() and p.name.startswith("emgmap-") and p.suffix == ".h5"


def test_save_report_writes_the_whole_report_or_nothing(clam, tmp_path):
    a = analyze_recording(clam)
    out = write_report(a, "clamshell: session report", tmp_path / "r.html")
    assert out.read_text(encoding="utf-8").startswith("<!doctype html>") and "gmed:tfl" in out.read_text()
    assert write_report(a, "again", out) == out   # the dialog asked about replacing it
    (tmp_path / "a-folder").mkdir()
    with pytest.raises(OutputError, match="the report .*a-folder is a folder"):
        write_report(a, "t", tmp_path / "a-folder")   # a folder named as the file: one sentence
    with pytest.raises(OutputError, match="folder .*gone does not exist"):
        write_report(a, "t", tmp_path / "gone" / "r.html")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-folder", "r.html"]   # nothing half-written

"""The live stride view: the tracker builds the ensemble stride by stride; the view draws it."""
import numpy as np
import pytest

from emgmap.analysis.gait import GaitTracker, analyze_recording_gait
from emgmap.dsp import Pipeline, PipelineConfig
from emgmap.events import GaitPhase
from emgmap.recordings import open_recording
from emgmap.types import ConfigError, Side

from gaitsim import gait_recording


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    path, sim, truth = gait_recording(tmp_path_factory.mktemp("live") / "g.h5", mode="run", seconds=30.0, seed=2,
                                      aux=("footswitch_L", "footswitch_R"))
    with open_recording(path) as rec:
        fs, montage, x, t, aux = rec.fs, rec.montage, rec.data().astype(float), rec.timestamps(), rec.aux()
        tracker = GaitTracker(fs, montage, rec.aux_names, rec.aux_units, mvc_uv=rec.mvc_uv, rest_uv=rec.rest_rms_uv)
        offline = analyze_recording_gait(rec)
    pipe = Pipeline(fs, x.shape[1], PipelineConfig())
    contacts, counts = [], []
    for a in range(0, x.shape[0], 250):                        # 250 ms blocks, as the session delivers them
        contacts += tracker.feed(t[a:a + 250], pipe.process(x[a:a + 250]).filtered, aux[a:a + 250])
        counts.append(tracker.state().strides)
    return tracker, offline, truth, contacts, counts


def test_tracker_converges_to_the_offline_analysis(live):
    tracker, offline, truth, contacts, counts = live
    state = tracker.state()
    assert np.all(np.diff(counts) >= 0) and counts[-1] == state.strides   # grows stride by stride
    for side in (Side.LEFT, Side.RIGHT):
        s, o = state.sides[side], offline.sides[side]
        assert abs(s.strides - len(o.strides)) <= 2                      # the last one settles after the end
        assert s.cadence_spm == pytest.approx(o.cadence_spm, rel=0.01)
        ch = next(c for c in o.muscles if o.muscles[c].muscle == "gmed")
        assert np.corrcoef(s.mean["gmed"], o.muscles[ch].mean)[0, 1] > 0.99
    gmed = next(y for y in offline.symmetry if y["muscle"] == "gmed")
    assert state.symmetry["gmed"] == pytest.approx(gmed["si_percent"], abs=4)
    found = np.array([e.onset_s for e in contacts if e.side is Side.LEFT and e.gait_phase is GaitPhase.CONTACT])
    assert found.size >= state.sides[Side.LEFT].strides
    assert all(np.min(np.abs(truth.contacts("left") - v)) < 0.005 for v in found)
    toe_offs = np.array([e.onset_s for e in contacts if e.side is Side.LEFT and e.gait_phase is GaitPhase.TOE_OFF])
    assert toe_offs.size == state.sides[Side.LEFT].strides
    assert all(np.min(np.abs(truth.toe_offs("left") - v)) < 0.005 for v in toe_offs)


def test_tracker_refuses_the_emg_fallback(live):
    tracker = live[0]
    with pytest.raises(ConfigError, match="EMG fallback works offline only"):
        GaitTracker(1000.0, tracker.montage, [], [])


def test_dashboard_shows_the_stride_view_during_a_run(qtbot, tmp_path, monkeypatch):
    """`emgmap gui --device 'sim:?exercise=run&scenario=late_gmed_right' --protocol run`: the stride
    view replaces the map and gauges, its stride count grows, each curve is the model's."""
    pytest.importorskip("pytestqt")
    monkeypatch.setenv("EMGMAP_CONFIG_DIR", str(tmp_path / "config"))
    from emgmap.clock import ManualClock
    from emgmap.gui.settings import GuiSettings
    from emgmap.gui.window import MainWindow
    from emgmap.protocols import load_protocol
    w = MainWindow("sim:?exercise=run&scenario=late_gmed_right&seed=3&fast=1", clock=ManualClock(),
                   settings=GuiSettings(record_dir=str(tmp_path)), protocol=load_protocol("run"))
    qtbot.addWidget(w)
    w.show()
    view = w.gait_view
    assert view.isVisible() and not w.splitters[1].isVisible()          # instead of the map and gauges
    assert list(view.panels) == ["gmed", "gmax", "tfl", "bf"]          # the run protocol's, on this montage
    counts = []

    def grown():
        w._update_state(drawing=True, numbers=True)
        counts.append(view.screen.strides)
        return counts[-1] >= 20
    qtbot.waitUntil(grown, timeout=60000)
    assert counts == sorted(counts) and len(set(counts)) >= 2 and counts[0] < 20
    sc = view.screen
    assert sc.cadence_text.endswith("steps/min") and f">{sc.cadence_text.split()[0]}</span> steps/min" in view.cadence.text()
    assert view.strides.text() == sc.strides_text and sc.strides_text.startswith("L ")
    gmed = next(m for m in sc.muscles if m.muscle == "gmed")
    panel = view.panels["gmed"]
    np.testing.assert_allclose(panel.curves[Side.RIGHT].getData()[1], gmed.right.mean)
    assert panel.si.text() == gmed.si_text and panel.gauge.si == gmed.si
    assert gmed.note == "calibrate MVC to judge" and panel.gauge.zone is None   # no MVC in the dashboard yet
    w.set_protocol(None)                                                # another exercise: the usual views
    assert not view.isVisible() and w.splitters[1].isVisible() and w.live.gait is None
    w.close()


def test_a_replayed_run_shows_the_stride_view_in_the_runners_seconds(qtbot, tmp_path, monkeypatch):
    """A recording of a run, replayed at 8x: the protocol it was made with brings the stride view;
    the strides are timed on the file's sample clock, so the cadence is the runner's, not 8x it."""
    monkeypatch.setenv("EMGMAP_CONFIG_DIR", str(tmp_path / "config"))
    from emgmap.gui.settings import GuiSettings
    from emgmap.gui.window import MainWindow
    path, sim, truth = gait_recording(tmp_path / "run.h5", mode="run", seconds=20.0, seed=5, protocol=True,
                                      aux=("footswitch_L", "footswitch_R"))
    w = MainWindow(None, settings=GuiSettings(record_dir=str(tmp_path)))
    qtbot.addWidget(w)
    w.show()
    assert w.replay(path, 8.0) and w.gait_view.isVisible()

    def strides():
        w._update_state(drawing=True, numbers=True)
        return w.gait_view.screen.strides >= 10
    qtbot.waitUntil(strides, timeout=30000)
    sc = w.gait_view.screen
    assert sc.unit == "%MVC"                                           # the file's MVC references
    assert float(sc.cadence_text.split()[0]) == pytest.approx(truth.cadence_spm(), rel=0.02)

    def finished():
        w._update_state(drawing=True, numbers=True)
        return w.gait_view.stale.startswith("replay finished at")
    qtbot.waitUntil(finished, timeout=30000)              # said above the ensembles, which stay
    assert w.gait_view.message.text() == w.gait_view.stale and w.gait_view.screen.strides >= 10
    w.close()


@pytest.mark.parametrize("aux", [("footswitch_L", "footswitch_R"), ("accel_L", "accel_R"), ("knee_L", "knee_R")])
def test_tracker_follows_each_source_and_counts_nothing_while_standing(tmp_path, aux):
    """Live, each event source the setup may have: 6 s of standing give no stride (the accelerometer
    and knee detectors' relative thresholds found ~0.4 s "strides" in the sensor noise before the
    rhythm gate), then
    the strides of the offline analysis, each contact within 20 ms of a true landing."""
    path, sim, truth = gait_recording(tmp_path / "g.h5", mode="run", seconds=22.0, lead_in=6.0, seed=4, aux=aux)
    with open_recording(path) as rec:
        fs, montage, x, t, a = rec.fs, rec.montage, rec.data().astype(float), rec.timestamps(), rec.aux()
        tracker = GaitTracker(fs, montage, rec.aux_names, rec.aux_units, mvc_uv=rec.mvc_uv, rest_uv=rec.rest_rms_uv)
        offline = analyze_recording_gait(rec)
    f = Pipeline(fs, x.shape[1], PipelineConfig()).process(x).filtered
    found = []
    for k in range(0, x.shape[0], 250):
        found += tracker.feed(t[k:k + 250], f[k:k + 250], a[k:k + 250])
        if t[min(k + 250, x.shape[0] - 1)] <= 6.0:
            assert tracker.state().strides == 0 and not found
    state = tracker.state()
    assert state.source == offline.source == aux[0].split("_")[0]
    for side in (Side.LEFT, Side.RIGHT):
        assert abs(state.sides[side].strides - len(offline.sides[side].strides)) <= 1   # outliers stay in, live
        assert abs(state.sides[side].strides - truth.strides(side)) <= 2                # the last settle after the end
        assert state.sides[side].cadence_spm == pytest.approx(truth.cadence_spm(), rel=0.01)
        real = truth.contacts(side)
        contacts = [e.onset_s for e in found if e.side is side and e.gait_phase is GaitPhase.CONTACT]
        assert all(np.min(np.abs(real - c)) < 0.02 for c in contacts)

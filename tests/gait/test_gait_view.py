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


def test_view_draws_the_state(qtbot, live):
    from emgmap.gui.gait_view import GaitView
    from emgmap.gui.theme import THEMES
    state = live[0].state()
    view = GaitView(["gmed", "gmax", "tfl", "bf"], THEMES["dark"])
    qtbot.addWidget(view)
    view.update_state(state)
    panel = view.panels["gmed"]
    x, y = panel.curves[Side.RIGHT].getData()
    np.testing.assert_allclose(y, state.sides[Side.RIGHT].mean["gmed"])
    assert panel.si.text() == f"SI {state.symmetry['gmed']:+.0f} %"
    assert "spm" in view.header.text() and f"({state.sides[Side.LEFT].strides} strides)" in view.header.text()

"""The simulated gait: normative timing, cadence, per-side delays, aux signals, chunk invariance."""
import numpy as np
import pytest

from emgmap.drivers import open_driver
from emgmap.clock import ManualClock
from emgmap.sim import SimConfig, Simulator
from emgmap.sim.gait import PROFILES, RUN, WALK, GaitMode, pattern
from emgmap.types import ConfigError, DeviceSpecError


def test_normative_timing_of_the_patterns():
    pct = np.arange(-50, 100, 0.5)
    for p in (WALK, RUN):
        peak = lambda m: pct[np.argmax(pattern(p, m, pct))]
        # gluteals and vasti peak in loading response (0-15 %), hamstrings in terminal swing
        for m in ("gmed", "gmax", "vm", "vl"):
            assert 0 <= peak(m) <= 15, (p.mode, m)
        assert -25 <= peak("bf") <= -5 and -25 <= peak("st") <= -5
        # gmed, gmax, vasti are on at IC and off in swing
        for m in ("gmed", "gmax", "vm"):
            assert pattern(p, m, np.array([0.0]))[0] > 0.3
            assert pattern(p, m, np.array([p.stance_pct + 15]))[0] == 0.0
    assert WALK.stance_pct == pytest.approx(61, abs=2) and RUN.stance_pct < 45


@pytest.mark.parametrize("mode, spm", [("walk", 110.0), ("run", 170.0)])
def test_cadence_and_stride_variability(mode, spm):
    sim = Simulator(SimConfig(exercise=mode, seed=4, fs=500.0, channels=4))
    g = sim.truth.gait[0]
    T = np.diff(g.contacts("left", until=300.0))
    assert 120 / T.mean() == pytest.approx(spm, rel=0.01)
    assert T.std() / T.mean() == pytest.approx(PROFILES[GaitMode(mode)].stride_cv, rel=0.25)
    # the right foot lands about half a stride after the left
    R = g.contacts("right", until=300.0)
    L = g.contacts("left", until=300.0)
    phase = (R[:50] - L[:50]) / T[:50]
    assert np.all(np.abs(phase - 0.5) < 0.05)


def test_late_gmed_right_shifts_and_weakens_the_right_gmed_only():
    sim = Simulator(SimConfig(scenario="late_gmed_right", seed=1, fs=1000.0, channels=4, artifacts=False))
    g = sim.truth.gait[0]
    assert g.delays_s == {"gmed_L": 0.0, "gmed_R": 0.040, "gmax_L": 0.0, "gmax_R": 0.0}
    act = sim.truth.activation(0, 30_000)
    t = np.arange(act.shape[0]) / 1000.0
    onsets = {}
    for j, side in ((0, "left"), (1, "right")):
        c = g.contacts(side, until=29.0)
        # first time after each contact - 200 ms that gmed is above 1 %MVC, relative to the contact
        onsets[side] = np.median([t[np.argmax((t > a - 0.2) & (act[:, j] > 1.0))] - a for a in c[1:]])
    assert onsets["right"] - onsets["left"] == pytest.approx(0.040, abs=0.003)
    assert g.levels["gmed_R"] / g.levels["gmed_L"] == pytest.approx(0.75)
    assert g.levels["gmax_R"] == g.levels["gmax_L"]


def test_aux_signals_follow_the_strides_and_do_not_depend_on_chunking():
    cfg = SimConfig(exercise="walk", seed=2, fs=1000.0, channels=2)
    a = Simulator(cfg)
    whole = a.aux(0, 20_000)
    b = Simulator(cfg)
    parts = np.concatenate([b.aux(s, 1000) for s in range(0, 20_000, 1000)])
    np.testing.assert_array_equal(whole, parts)
    assert [n for n, _ in a.aux_channels] == ["footswitch_L", "footswitch_R", "accel_L", "accel_R", "knee_L", "knee_R"]
    g = a.truth.gait[0]
    t = np.arange(20_000) / 1000.0
    c, to = g.contacts("left", until=19.0), g.toe_offs("left", until=19.0)
    k = c[2]
    on = whole[(t > k + 0.05) & (t < to[to > k][0] - 0.05), 0]
    off = whole[(t > to[to > k][0] + 0.05) & (t < c[3] - 0.05), 0]
    assert on.min() > 2.5 and off.max() < 0.5          # loaded in stance, unloaded in swing
    knee = whole[:, 4]
    assert 50 < knee[(t > k) & (t < c[3])].max() < 70  # swing flexion ~60° walking (Perry)
    assert whole[(t > 0.5) & (t < 4.5), 4].max() < 6   # standing before the bout: knee straight


def test_non_gait_exercises_have_no_aux_and_bad_settings_are_named():
    assert Simulator(SimConfig(channels=2)).aux_channels == ()
    with pytest.raises(ConfigError, match="cadence must be 40 to 240"):
        SimConfig(exercise="run", cadence=300)
    with pytest.raises(DeviceSpecError, match="cadence"):
        open_driver("sim:?exercise=run&cadence=9", clock=ManualClock())


def test_sim_device_spec_selects_running_with_a_scenario_and_cadence():
    d = open_driver("sim:?exercise=run&scenario=late_gmed_right&cadence=160&fs=1000&channels=4&fast=1",
                    clock=ManualClock())
    g = d.truth.gait[0]
    assert g.profile is RUN and 120 / np.mean(np.diff(g.contacts("left", until=120.0))) == pytest.approx(160, rel=0.01)
    assert g.delays_s["gmed_R"] == 0.040

import numpy as np
import pytest

from emgmap.dsp.calibration import Calibration, rest_baseline, sliding_mean_max, sliding_means
from emgmap.types import EmgmapError


def test_sliding_mean_max_is_the_best_500_ms_mean():
    fs = 1000.0
    env = np.zeros((3000, 2))
    env[1000:1500, 0] = 80.0          # exactly one 500 ms plateau
    env[1000:1400, 1] = 100.0         # 400 ms at 100 then 600 ms at 50
    env[1400:2000, 1] = 50.0
    best = sliding_mean_max(env, fs)
    assert best[0] == pytest.approx(80.0)
    assert best[1] == pytest.approx((400 * 100 + 100 * 50) / 500)
    # against a brute-force window scan
    brute = max(env[i:i + 500, 1].mean() for i in range(len(env) - 499))
    assert best[1] == pytest.approx(brute)
    assert sliding_means(env[:100], fs).shape == (1, 2)   # shorter than the window: its mean
    env[1200, 0] = np.nan                                  # a bad sample voids its windows only
    assert np.isfinite(sliding_mean_max(env, fs)).all()


def test_rest_baseline_ignores_non_finite():
    env = np.array([[1.0, np.nan], [3.0, np.nan], [np.nan, np.nan]])
    mean, sd = rest_baseline(env)
    assert mean[0] == 2.0 and sd[0] == 1.0 and np.isnan(mean[1]) and np.isnan(sd[1])


def test_mvc_keeps_the_best_of_the_last_three_trials_and_labels_the_normalisation():
    cal = Calibration(["a_L", "a_R", "b_L"])
    snap = cal.snapshot()
    assert np.isnan(snap.mvc_uv).all() and snap.norms == ("none",) * 3
    np.testing.assert_array_equal(snap.scale(), 1.0)
    fs = 100.0
    for level in (100.0, 300.0, 200.0):
        cal.add_mvc_trial(np.full((100, 3), level), fs, channels=["a_L", "a_R"])
    assert cal.mvc_uv[0] == 300.0 and np.isnan(cal.mvc_uv[2])
    cal.add_mvc_trial(np.full((100, 3), 50.0), fs, channels="a_L")   # 300 still among the last 3
    assert cal.mvc_uv[0] == 300.0
    cal.add_mvc_trial(np.full((100, 3), 60.0), fs, channels=0)       # now 300 drops out
    assert cal.snapshot().mvc_trials[0] == (200.0, 50.0, 60.0) and cal.mvc_uv[0] == 200.0
    cal.observe_floor(np.array([[2.0, 2.0, 2.0]]))                    # the quiet level a peak must clear
    cal.observe_peak(np.array([10.0, 10.0, 40.0]))
    cal.observe_peak(np.array([5.0, 5.0, 20.0]))                      # peaks only rise
    snap = cal.snapshot()
    assert snap.norms == ("mvc", "mvc", "peak") and snap.peak_uv[2] == 40.0
    np.testing.assert_allclose(snap.normalise(np.array([[100.0, 150.0, 10.0]])), [[50.0, 50.0, 25.0]])
    cal.reset_peak()
    cal.clear_mvc("a_R")
    assert cal.norms == ("mvc", "none", "none")
    with pytest.raises(EmgmapError, match="unknown channel 'c_L'; channels are a_L, a_R, b_L"):
        cal.add_mvc_trial(np.ones((10, 3)), fs, channels=["c_L"])


def test_a_peak_counts_only_once_it_clears_the_quiet_level():
    from emgmap.dsp.calibration import PEAK_MIN_RATIO
    cal = Calibration(["a", "b", "c"])
    cal.observe_peak(np.array([100.0, 100.0, 100.0]))
    assert cal.snapshot().norms == ("none",) * 3                       # no quiet level known yet
    cal.reset_peak()
    cal.observe_floor(np.array([[4.0, 4.0, 4.0], [5.0, 3.0, 6.0]]))    # quiet 500 ms means
    assert np.array_equal(cal.snapshot().floor_uv, [4.0, 3.0, 4.0])
    cal.observe_peak(np.array([7.0, 3 * PEAK_MIN_RATIO, 30.0]))       # a: only noise so far
    assert cal.snapshot().norms == ("none", "peak", "peak")
    cal.set_rest(np.tile([1.0, 1.0, 11.0], (5, 1)))                   # a rest baseline outranks the floor
    assert cal.snapshot().norms == ("peak", "peak", "none")


def test_a_resting_session_is_not_shown_at_100_percent_of_its_noise():
    from emgmap.clock import ManualClock
    from emgmap.drivers.sim import SimDriver
    from emgmap.session import Session
    from emgmap.sim import SimConfig
    clock = ManualClock()
    s = Session(SimDriver(SimConfig(seed=2), clock=clock), clock=clock)   # the demo rests for 5 s first
    seen = {}

    def at_rest(block):
        # on the acquisition thread, at the first block past 4.5 s: the simulator runs free on
        # the manual clock, so a read from the test's thread could come after the rest ended
        if "rest" not in seen and s.rings.total >= 4.5 * 2000:
            seen["rest"] = (s.rings.total, s.latest_indices())
    s.add_listener(at_rest)
    s.start()
    s.wait_until(lambda s: s.rings.total >= 9 * 2000, 30)   # the first reps have started
    total, rest = seen["rest"]
    assert total < 5 * 2000
    active = s.calibration.snapshot()
    s.stop()
    assert {v.norm for v in rest.activation.values()} == {"none"}
    assert "peak" in active.norms

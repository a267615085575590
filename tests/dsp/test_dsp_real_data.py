"""The engine on real recordings (../shared/data, read in place)."""
import numpy as np
import pytest

from emgmap.dsp import Pipeline
from emgmap.dsp.calibration import Calibration, rest_baseline, sliding_mean_max, sliding_means
from emgmap.dsp.indices import IndexLayout
from emgmap.dsp.onset import OnsetDetector, bursts_from_events, detect_bursts
from emgmap.dsp.scipy_peer import reference_process
from emgmap.montage import Channel, Montage, MusclePair, Side


def uci(shared_data, name):
    """RF, BF, VM, ST in µV at 1000 Hz (the files are in mV)."""
    return np.loadtxt(shared_data / "uci_lower_limb" / f"{name}.txt", skiprows=7)[:, :4] * 1000.0


def test_real_recordings_equal_the_scipy_reference(shared_data):
    for x in (uci(shared_data, "3Asen"),
              np.loadtxt(shared_data / "biosppy" / "emg.txt")[:, None]):
        p = Pipeline(1000.0, x.shape[1])
        parts = [p.process(x[i:i + 33]) for i in range(0, len(x), 33)]
        rf, re_ = reference_process(x, 1000.0)
        np.testing.assert_allclose(np.concatenate([o.filtered for o in parts]), rf, rtol=1e-9, atol=1e-300)
        np.testing.assert_allclose(np.concatenate([o.envelope for o in parts]), re_, rtol=1e-9, atol=1e-300)


def test_hamstring_quadriceps_ratio_follows_the_task(shared_data):
    # subject 5: seated knee extension is quadriceps work, standing knee flexion hamstring work
    m = Montage(tuple(Channel(n, k, Side.RIGHT) for n, k in (("RF", "rf"), ("BF", "bf"), ("VM", "vm"), ("ST", "st"))),
                (MusclePair.parse("bf+st:rf+vm"),))
    env = {t: Pipeline(1000.0, 4).process(uci(shared_data, t)).envelope for t in ("5Nsen", "5Npie")}
    cal = Calibration(m.names)
    layout = IndexLayout(m)
    uv = {t: layout.window(e.mean(axis=0), cal.snapshot()).ratios[0] for t, e in env.items()}
    assert uv["5Nsen"].norm == "none" and uv["5Nsen"].value < 0.5 and uv["5Npie"].value > 2.0
    for e in env.values():  # the session's peak and quiet level over both tasks
        cal.observe_peak(sliding_mean_max(e, 1000.0))
        cal.observe_floor(sliding_means(e, 1000.0))
    pk = {t: layout.window(e.mean(axis=0), cal.snapshot()).ratios[0] for t, e in env.items()}
    assert pk["5Nsen"].norm == "peak" and pk["5Nsen"].value < 0.5 and pk["5Npie"].value > 2.0


def test_onsets_on_a_real_recording_live_equal_offline(shared_data):
    x = np.loadtxt(shared_data / "biosppy" / "emg.txt")[:, None]
    env = Pipeline(1000.0, 1).process(x).envelope
    mean, sd = rest_baseline(env[5500:7500])            # a quiet 2 s
    offline = detect_bursts(env, 1000.0, mean, sd)
    det = OnsetDetector(1000.0, mean, sd)
    events = [e for i in range(0, len(env), 50) for e in det.process(env[i:i + 50])]
    assert bursts_from_events(events, det.open_bursts()) == offline
    # the two long contractions of this recording (about 36-41 s and 50-58 s) are found
    for a, b in ((37.0, 40.0), (50.0, 57.0)):
        assert any(bu.start <= a * 1000 and bu.stop >= b * 1000 for bu in offline), (a, b)
    assert all(bu.stop - bu.start >= 100 for bu in offline)   # no spikes left

import numpy as np
import pytest
from scipy import signal

from emgmap.clock import ManualClock
from emgmap.drivers.sim import SimDriver
from emgmap.quality import channel_quality
from emgmap.sim import Contraction, ContractionList, SimConfig, Simulator
from emgmap.sim.model import EXERCISES, shwedyk_sos
from emgmap.types import ConfigError, DeviceLost

FS = 2000.0


def collect(driver: SimDriver, seconds: float):
    blocks, n = [], 0
    driver.start()
    while n < seconds * driver.spec.fs:
        b = driver.read()
        if b is not None:
            blocks.append(b)
            n = b.end_index
    return blocks


def stack(blocks):
    return np.concatenate([b.data for b in blocks])


def hold_schedule(level=50.0, start=1.0, hold=8.0, channels=8):
    return ContractionList([Contraction(start, 0.0, hold, 0.0, {c: level for c in range(channels)}, kind="mvc")])


def median_frequency(x, fs):
    f, p = signal.welch(x, fs, nperseg=1024)
    c = np.cumsum(p)
    return f[np.searchsorted(c, c[-1] / 2)]


def test_shwedyk_spectrum_median_frequency_and_band():
    y = signal.sosfilt(shwedyk_sos(FS), np.random.default_rng(0).standard_normal(int(FS * 60)))
    f, p = signal.welch(y, FS, nperseg=4096)
    c = np.cumsum(p)
    assert 80 <= f[np.searchsorted(c, c[-1] / 2)] <= 115
    assert p[(f >= 20) & (f <= 450)].sum() / p.sum() > 0.95
    assert y.std() == pytest.approx(1.0, rel=0.02)


def test_default_muscle_model_median_frequency_in_range():
    cfg = SimConfig(artifacts=False, fatigue=0.0)
    d = SimDriver(cfg, fast=True, schedule=hold_schedule(60))
    x = stack(collect(d, 9))[int(1.2 * FS):int(8.8 * FS)]
    mdf = [median_frequency(x[:, c], FS) for c in range(x.shape[1])]
    assert all(80 <= m <= 115 for m in mdf), mdf


def test_amplitude_matches_truth_within_5_percent():
    cfg = SimConfig(artifacts=False, fatigue=0.0)
    d = SimDriver(cfg, fast=True, schedule=hold_schedule(50))
    x = stack(collect(d, 9))[int(1.5 * FS):int(8.5 * FS)]
    truth = d.truth.emg_rms_uv(np.full(8, 50.0))
    rms = np.sqrt(np.mean(x ** 2, axis=0))
    np.testing.assert_allclose(rms, truth, rtol=0.05)
    assert np.all((d.truth.mvc_rms_uv >= 150) & (d.truth.mvc_rms_uv <= 660))


def test_rest_noise_is_1_to_5_uv():
    d = SimDriver(SimConfig(artifacts=False), fast=True)
    x = stack(collect(d, 4))  # the demo schedule rests for 5 s first
    rms = np.sqrt(np.mean(x ** 2, axis=0))
    assert np.all((rms >= 1) & (rms <= 5)), rms


def test_same_seed_same_samples_whatever_the_chunking():
    a = stack(collect(SimDriver(SimConfig(seed=7), fast=True, block_s=0.05), 12))
    b = stack(collect(SimDriver(SimConfig(seed=7), clock=ManualClock()), 12))
    c = stack(collect(SimDriver(SimConfig(seed=8), fast=True), 12))
    n = min(len(a), len(b))
    assert np.array_equal(a[:n], b[:n])
    assert not np.allclose(a[:n], c[:n])


def test_paced_timestamps_follow_the_clock():
    clock = ManualClock(100.0)
    d = SimDriver(SimConfig(), clock=clock)
    blocks = collect(d, 2)
    ts = np.concatenate([b.timestamps for b in blocks])
    np.testing.assert_allclose(np.diff(ts), 1 / FS)
    assert ts[0] == 100.0
    assert clock.now() >= 100.0 + blocks[-1].end_index / FS - 0.1


def test_injected_drops_are_gaps_matching_truth():
    d = SimDriver(SimConfig(drop_rate=0.2, seed=2), fast=True)
    blocks = collect(d, 20)
    gaps, expected = [], d.truth.dropped
    for prev, nxt in zip(blocks, blocks[1:]):
        if nxt.first_index != prev.end_index:
            gaps.append((prev.end_index, nxt.first_index))
    merged = []
    for s, e in expected:  # consecutive dropped frames make one gap
        if merged and merged[-1][1] == s:
            merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
    assert len(gaps) > 5
    assert gaps == [g for g in merged if g[1] <= blocks[-1].end_index]


def test_scenarios_scale_the_named_muscles():
    healthy = Simulator(SimConfig(scenario="healthy", exercise="clamshell", scatter=0.0))
    tfl = Simulator(SimConfig(scenario="tfl_dominant_clam", scatter=0.0))
    h, _ = healthy.exercise_levels("clamshell", None)
    t, lags = tfl.exercise_levels("clamshell", None)
    m = healthy.montage
    assert t[m.index("tfl", "left")] == pytest.approx(3 * h[m.index("tfl", "left")])
    assert t[m.index("gmed", "right")] == pytest.approx(0.6 * h[m.index("gmed", "right")])
    assert t[m.index("gmax", "left")] == pytest.approx(h[m.index("gmax", "left")])
    assert lags[m.index("tfl", "left")] < lags[m.index("gmed", "left")]
    asym = Simulator(SimConfig(scenario="lr_asymmetry", scatter=0.0))
    a, _ = asym.exercise_levels("bridge", None)
    L, R = a[m.index("gmed", "left")], a[m.index("gmed", "right")]
    assert (R - L) / (0.5 * (R + L)) * 100 == pytest.approx(25.0)


def test_severity_scales_a_scenario_between_healthy_and_full():
    healthy = Simulator(SimConfig(scenario="healthy", exercise="clamshell", scatter=0.0))
    h, h_lags = healthy.exercise_levels("clamshell", None)
    m = healthy.montage
    tfl, gmed = m.index("tfl", "left"), m.index("gmed", "left")
    for severity, tfl_gain, gmed_gain in ((0.0, 1.0, 1.0), (0.4, 1.8, 0.84), (1.0, 3.0, 0.6)):
        s = Simulator(SimConfig(scenario="tfl_dominant_clam", severity=severity, scatter=0.0))
        t, lags = s.exercise_levels("clamshell", None)
        assert t[tfl] == pytest.approx(tfl_gain * h[tfl]) and t[gmed] == pytest.approx(gmed_gain * h[gmed])
        assert lags[gmed] == pytest.approx(h_lags[gmed] + severity * (0.08 - h_lags[gmed]))
    with pytest.raises(ConfigError, match="severity"):
        SimConfig(severity=1.5)


def test_demo_reps_follow_the_schedule_with_variation():
    sim = Simulator(SimConfig(scenario="tfl_dominant_clam", seed=1))
    ex = EXERCISES["clamshell"]
    reps = [sim.schedule.rep(k) for k in range(10)]
    assert reps[0].start == sim.config.lead_in
    assert reps[1].start - reps[0].start == pytest.approx(ex.ramp_up + ex.hold + ex.ramp_down + ex.rest)
    i = sim.montage.index("tfl", "left")
    left_set = [r.levels[i] for r in reps[:5]]
    right_set = [r.levels[i] for r in reps[5:]]
    assert np.mean(left_set) > 3 * np.mean(right_set)  # unilateral: the working leg alternates per set
    cv = np.std(left_set) / np.mean(left_set)
    assert 0.02 < cv < 0.3
    act = sim.truth.activation(0, int(30 * FS))
    assert act[: int(4.9 * FS)].max() == 0.0 and act[:, i].max() > 10


def test_artifacts_mains_dc_and_motion():
    d = SimDriver(SimConfig(seed=4, mains_uv=40), fast=True)
    x = stack(collect(d, 4))
    assert np.abs(x.mean(axis=0)).max() > 50  # DC offsets
    q = channel_quality(x, FS, power_line_hz=50)
    assert max(c.mains_uv for c in q) > 10
    d60 = SimDriver(SimConfig(seed=4, mains_uv=40, power_line_hz=60), fast=True)
    y = stack(collect(d60, 4))
    f, p = signal.welch(y[:, 0] - y[:, 0].mean(), FS, nperseg=2000)
    assert p[np.argmin(abs(f - 60))] > 100 * p[np.argmin(abs(f - 50))]


def test_saturation_fault_rails_channel_0():
    d = SimDriver(SimConfig(saturate_at=1.0), fast=True)
    x = stack(collect(d, 3))
    q = channel_quality(x[int(1.0 * FS):int(2.0 * FS)], FS, range_uv=d.spec.range_uv)
    assert q[0].flags == ("railed",) and "railed" not in q[1].flags


def test_disconnect_fault_raises_device_lost():
    d = SimDriver(SimConfig(disconnect_at=1.0), fast=True)
    with pytest.raises(DeviceLost, match="disconnect at 1 s"):
        collect(d, 3)


def test_counter_channel_carries_the_sample_index():
    blocks = collect(SimDriver(SimConfig(counter=True), fast=True), 2)
    for b in blocks:
        assert np.array_equal(b.data[:, -1], np.arange(b.first_index, b.end_index))


def test_batched_generation_gives_the_same_samples_as_frame_by_frame():
    # motion bursts straddle frame edges here; each must be cut per sample, not per frame
    cfg = SimConfig(channels=16, seed=1, drop_rate=0.1)
    one, many = Simulator(cfg), Simulator(cfg)
    frames = [one.next_frame() for _ in range(400)]
    x1 = np.concatenate([x for _, x in frames if x is not None])
    parts = [many.next_frames(k) for k in (3, 17, 80, 300)]
    x2 = np.concatenate([x[np.repeat(kept, many.frame_len)] for _, x, kept in parts])
    assert np.array_equal(x1, x2)
    assert one.truth.dropped == many.truth.dropped and len(one.truth.dropped) > 10

import numpy as np
import pytest
from scipy import signal

from emgmap.dsp import Pipeline, PipelineConfig
from emgmap.dsp.scipy_peer import ScipyStreaming, reference_process
from emgmap.types import ConfigError

from dsp_simdata import simulate


def run_chunked(p: Pipeline, x: np.ndarray, sizes) -> tuple[np.ndarray, np.ndarray]:
    f, e, i, k = [], [], 0, 0
    while i < len(x):
        n = sizes[k % len(sizes)]
        out = p.process(x[i:i + n])
        f.append(out.filtered)
        e.append(out.envelope)
        i += n
        k += 1
    return np.concatenate(f), np.concatenate(e)


def close(a, b, rtol=1e-9):
    """Relative agreement sample by sample (no absolute slack beyond 1e-300)."""
    np.testing.assert_allclose(a, b, rtol=rtol, atol=1e-300)


@pytest.mark.parametrize("cfg", [PipelineConfig(), PipelineConfig(notch=True, mains_hz=50.0),
                                 PipelineConfig(envelope="linear"), PipelineConfig(window_s=0.25, hp_hz=30)],
                         ids=["default", "notch", "linear", "250ms-30Hz"])
def test_equals_scipy_reference_over_60_s(cfg):
    x = simulate(60)
    p = Pipeline(2000.0, x.shape[1], cfg)
    f, e = run_chunked(p, x, [50])
    rf, re_ = reference_process(x, 2000.0, cfg)
    close(f, rf)
    close(e, re_)
    # the reference really is scipy's own cascade
    assert np.array_equal(p.sos[:1], signal.butter(cfg.hp_order, cfg.hp_hz, "highpass", output="sos", fs=2000.0))


def test_default_cascade_is_the_documented_one():
    p = Pipeline(2000.0, 4)
    hp = signal.butter(2, 20.0, "highpass", output="sos", fs=2000.0)
    lp = signal.butter(4, 450.0, "lowpass", output="sos", fs=2000.0)
    np.testing.assert_array_equal(p.sos, np.concatenate((hp, lp)))
    assert p.window == 200 and p.sos.dtype == np.float64 and p.sos.shape == (3, 6)
    n = Pipeline(2000.0, 1, PipelineConfig(notch=True, mains_hz=60.0))
    assert n.design.notch_hz == tuple(60.0 * k for k in range(1, 15))  # all harmonics below 900 Hz
    b, a = signal.iirnotch(60.0, 30.0, fs=2000.0)
    np.testing.assert_allclose(n.sos[3], signal.tf2sos(b, a)[0])


@pytest.mark.parametrize("cfg", [PipelineConfig(), PipelineConfig(notch=True, envelope="linear")],
                         ids=["rms", "notch-linear"])
def test_any_chunking_gives_the_same_output(cfg):
    x = simulate(12, seed=3)
    whole = Pipeline(2000.0, x.shape[1], cfg).process(x)
    for sizes in ([1], [7], [50], [997], [1, 7, 50, 997, 3]):
        f, e = run_chunked(Pipeline(2000.0, x.shape[1], cfg), x, sizes)
        close(f, whole.filtered, 1e-12)
        close(e, whole.envelope, 1e-12)


@pytest.mark.parametrize("cfg, channels", [(PipelineConfig(lp_order=2), 3), (PipelineConfig(hp_order=4), 5),
                                           (PipelineConfig(hp_order=4, lp_order=6), 2), (PipelineConfig(), 300)],
                         ids=["2-sections", "4-sections", "5-sections", "300-channels"])
def test_any_section_and_channel_count_equals_scipy_in_any_chunking(cfg, channels):
    """The vectorised path runs the cascade three sections per pass, the rest one by one,
    for up to kernels.LANES channels (more go sample by sample): every mix gives scipy's
    output, and the same bits whatever the chunking."""
    x = np.tile(simulate(1, seed=5), (1, 38))[:, :channels]   # 8 simulated channels, repeated
    p = Pipeline(2000.0, channels, cfg)
    assert p.sos.shape[0] == {3: 2, 5: 4, 2: 5, 300: 3}[channels]
    whole = p.process(x)
    rf, re_ = reference_process(x, 2000.0, cfg)
    close(whole.filtered, rf)
    close(whole.envelope, re_)
    f, e = run_chunked(Pipeline(2000.0, channels, cfg), x, [1, 7, 200, 333])
    np.testing.assert_array_equal(f, whole.filtered)
    np.testing.assert_array_equal(e, whole.envelope)


def test_dc_offset_makes_no_start_up_transient():
    x = np.full((4000, 2), 1500.0)
    x[:, 1] = -800.0
    out = Pipeline(2000.0, 2).process(x)
    assert np.abs(out.filtered).max() < 1e-9 and np.abs(out.envelope).max() < 1e-9


def test_known_rms_is_recovered_within_2_percent():
    fs = 2000.0
    rng = np.random.default_rng(7)
    white = rng.standard_normal((20 * int(fs), 3))
    # band-limited to 40-300 Hz, well inside the 20-450 Hz pass band, then scaled to known RMS
    band = signal.sosfilt(signal.butter(6, [40, 300], "bandpass", output="sos", fs=fs), white, axis=0)
    target = np.array([5.0, 50.0, 400.0])
    x = band / band.std(axis=0) * target + np.array([2000.0, -1500.0, 300.0])  # plus DC offsets
    env = Pipeline(fs, 3).process(x).envelope
    est = env[int(fs):].mean(axis=0)  # mean of the 100 ms RMS after 1 s
    # the mean of a windowed RMS is biased low by the window's estimate variance; 2 % covers it
    np.testing.assert_allclose(est, target, rtol=0.02)
    sine = 100.0 * np.sqrt(2) * np.sin(2 * np.pi * 120.0 * np.arange(int(fs)) / fs)[:, None]
    np.testing.assert_allclose(Pipeline(fs, 1).process(sine).envelope[400:], 100.0, rtol=0.02)


def test_cyton_rate_clamps_the_low_pass_and_still_works():
    fs = 250.0
    p = Pipeline(fs, 8)
    assert p.design.lp_hz == pytest.approx(112.5)
    assert p.warnings and "450 Hz" in p.warnings[0] and "112.5" in p.warnings[0]
    assert p.window == 25
    x = simulate(20, fs=fs)
    f, e = run_chunked(p, x, [7])
    rf, re_ = reference_process(x, fs)
    close(f, rf)
    close(e, re_)
    assert np.isfinite(e).all() and e[-2500:].max() > 10 * e[:1000][250:].mean()  # reps stand out from rest


def test_impossible_band_is_a_clear_error():
    with pytest.raises(ConfigError, match="high-pass 150 Hz is not below the low-pass 112.5 Hz"):
        Pipeline(250.0, 2, PipelineConfig(hp_hz=150.0))
    with pytest.raises(ConfigError, match="envelope 'peak' is not known; choose one of rms, linear"):
        PipelineConfig(envelope="peak")
    with pytest.raises(ConfigError, match="window_s must be a positive number"):
        PipelineConfig(window_s=0)
    with pytest.raises(ConfigError, match="mains_hz must be 50 or 60"):
        PipelineConfig(mains_hz=55)


@pytest.mark.parametrize("fs", [0, -2000.0, float("nan"), float("inf"), "fast"])
def test_bad_fs_is_a_clear_error(fs):
    with pytest.raises(ConfigError, match="sampling frequency must be a positive number"):
        Pipeline(fs, 2)


def test_bad_shapes_are_clear_errors():
    p = Pipeline(2000.0, 4)
    with pytest.raises(ConfigError, match=r"expects blocks of shape \(n, 4\), got \(10, 3\)"):
        p.process(np.zeros((10, 3)))
    with pytest.raises(ConfigError, match=r"got \(10,\)"):
        p.process(np.zeros(10))
    with pytest.raises(ConfigError, match="at least one channel"):
        Pipeline(2000.0, 0)
    assert p.process(np.zeros((0, 4))).filtered.shape == (0, 4)


def test_scipy_streaming_peer_matches_the_pipeline():
    x = simulate(5, seed=2)
    ref = ScipyStreaming(2000.0, x.shape[1])
    parts = [ref.process(x[i:i + 10]) for i in range(0, len(x), 10)]
    rf, re_ = reference_process(x, 2000.0)
    close(np.concatenate([a for a, _ in parts]), rf)
    close(np.concatenate([b for _, b in parts]), re_, 1e-6)  # the peer's cumsum RMS rounds a little


def test_reset_starts_afresh():
    x = simulate(3, seed=4)
    p = Pipeline(2000.0, x.shape[1])
    first = p.process(x)
    p.process(x[::-1].copy())
    p.reset()
    again = p.process(x)
    np.testing.assert_array_equal(first.envelope, again.envelope)


def test_non_finite_samples_flag_the_channel_which_then_recovers():
    x = np.array(simulate(6, seed=6))
    bad = slice(4000, 4400)
    x[bad, 2] = np.nan
    x[4100, 2] = np.inf
    x[5000, 5] = -np.inf                        # a single railed sample
    p = Pipeline(2000.0, x.shape[1])
    outs = [p.process(x[i:i + 100]) for i in range(0, len(x), 100)]
    f = np.concatenate([o.filtered for o in outs])
    e = np.concatenate([o.envelope for o in outs])
    flagged = np.array([o.invalid for o in outs])
    assert flagged[40:44, 2].all() and not flagged[44:, 2].any() and flagged[50, 5]
    assert flagged.sum() == 5 and list(p.invalid_samples) == [0, 0, 400, 0, 0, 1, 0, 0]
    assert np.isnan(f[bad, 2]).all() and np.isnan(e[bad, 2]).all()
    assert np.isfinite(np.delete(f, [5000], axis=0)[:, [5]]).all()
    # after the bad stretch the channel is exactly a fresh pipeline started there
    fresh = Pipeline(2000.0, 1).process(x[4400:, 2:3])
    np.testing.assert_array_equal(f[4400:, 2], fresh.filtered[:, 0])
    np.testing.assert_array_equal(e[4400:, 2], fresh.envelope[:, 0])
    # other channels never notice
    rf, re_ = reference_process(x[:, [0, 1, 3]], 2000.0)
    close(f[:, [0, 1, 3]], rf)
    close(e[:, [0, 1, 3]], re_)


from hypothesis import given, settings, strategies as st  # noqa: E402


@settings(max_examples=40, deadline=None)
@given(cuts=st.lists(st.integers(1, 600), min_size=1, max_size=30),
       envelope=st.sampled_from(["rms", "linear"]), fs=st.sampled_from([250.0, 1000.0, 2000.0]))
def test_random_chunkings_are_bit_identical(cuts, envelope, fs):
    x = simulate(3, fs=fs, channels=3, seed=9)
    cfg = PipelineConfig(envelope=envelope)
    whole = Pipeline(fs, 3, cfg).process(x)
    f, e = run_chunked(Pipeline(fs, 3, cfg), x, cuts)
    np.testing.assert_array_equal(f, whole.filtered)
    np.testing.assert_array_equal(e, whole.envelope)


@settings(max_examples=40, deadline=None)
@given(cuts=st.lists(st.integers(1, 400), min_size=1, max_size=20),
       bad=st.lists(st.tuples(st.integers(0, 5999), st.integers(1, 300), st.integers(0, 3),
                              st.sampled_from([np.nan, np.inf, -np.inf])), max_size=4),
       envelope=st.sampled_from(["rms", "linear"]))
def test_non_finite_stretches_and_any_chunking_are_bit_identical(cuts, bad, envelope):
    """A clean block runs the channel-vectorised path, a block with a non-finite sample the
    sample-by-sample one; whole-signal processing (one path) and any chunking (a mix) agree
    to the bit, restarts included."""
    x = np.array(simulate(3, channels=4, seed=11))
    for start, length, c, value in bad:
        x[start:start + length, c] = value
    cfg = PipelineConfig(envelope=envelope)
    whole = Pipeline(2000.0, 4, cfg).process(x)
    f, e = run_chunked(Pipeline(2000.0, 4, cfg), x, cuts)
    np.testing.assert_array_equal(f, whole.filtered)
    np.testing.assert_array_equal(e, whole.envelope)
    assert np.isnan(whole.filtered[~np.isfinite(x)]).all()

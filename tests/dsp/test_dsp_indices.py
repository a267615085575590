import numpy as np
import pytest
from scipy import integrate, signal

from emgmap.dsp.calibration import Calibration, sliding_means
from emgmap.dsp.indices import (IndexLayout, IndexTracker, cci, lr_ratio, median_frequency, pair_ratio,
                                symmetry_index)
from emgmap.montage import full_montage
from emgmap.sim.model import shwedyk_sos
from emgmap.types import ConfigError


def test_index_formulas_on_hand_computed_values():
    assert symmetry_index(80.0, 120.0) == pytest.approx(40.0)       # (120-80)/100*100
    assert symmetry_index(120.0, 80.0) == pytest.approx(-40.0)      # left dominant is negative
    assert lr_ratio(80.0, 120.0) == pytest.approx(2 / 3)
    assert pair_ratio([[30.0], [50.0]], [[20.0]]) == pytest.approx([2.0])  # bf+st : rf -> 40/20
    # Falconer & Winter: A = [1,2,3,4], B = [4,3,2,1]: min = [1,2,2,1] -> 2*6/20*100 = 60 %
    assert cci([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(60.0)
    assert cci([5, 5], [5, 5]) == pytest.approx(100.0) and cci([5, 0], [0, 5]) == pytest.approx(0.0)


def test_median_frequency_of_known_spectra():
    fs = 2000.0
    t = np.arange(int(4 * fs)) / fs
    assert median_frequency(np.sin(2 * np.pi * 100.0 * t), fs) == pytest.approx(100.0, abs=2.0)
    rng = np.random.default_rng(1)
    band = signal.sosfilt(signal.butter(8, [60, 240], "bandpass", output="sos", fs=fs),
                          rng.standard_normal((int(20 * fs), 2)), axis=0)
    np.testing.assert_allclose(median_frequency(band, fs), 150.0, rtol=0.03)
    np.testing.assert_allclose(median_frequency(band, fs, method="periodogram"), 150.0, rtol=0.03)
    # the simulator's Shwedyk spectrum: its analytic median (of the digital filter's |H|^2)
    sos = shwedyk_sos(fs)
    f = np.linspace(0, fs / 2, 200001)
    _, h = signal.sosfreqz(sos, worN=f, fs=fs)
    cum = integrate.cumulative_trapezoid(np.abs(h) ** 2, f, initial=0)
    truth = np.interp(cum[-1] / 2, cum, f)
    x = signal.sosfilt(sos, rng.standard_normal(int(30 * fs)))
    assert median_frequency(x, fs) == pytest.approx(truth, rel=0.03)
    with pytest.raises(ConfigError, match="choose one of welch, periodogram"):
        median_frequency(x, fs, method="fft")


def test_tracker_means_equal_offline_sliding_means_for_any_chunking():
    fs = 1000.0
    m = full_montage()
    rng = np.random.default_rng(3)
    env = np.abs(rng.standard_normal((5000, len(m)))) * 50
    env[2000:2100, 3] = np.nan                       # a bad stretch, then recovery
    padded = np.vstack((np.zeros((499, len(m))), env))
    offline = sliding_means(padded, fs, 0.5)          # zeros before the stream
    for sizes in ([5000], [1], [7], [333]):
        tr = IndexTracker(m, fs, window_s=0.5, rate_hz=100)
        ks, rows = [], []
        i = 0
        while i < len(env):
            n = sizes[i % len(sizes)] if len(sizes) > 1 else sizes[0]
            k, r = tr.means(env[i:i + n])
            ks.append(k)
            rows.append(r)
            i += n
        ks, rows = np.concatenate(ks), np.concatenate(rows)
        np.testing.assert_array_equal(ks, np.arange(9, 5000, 10))
        np.testing.assert_allclose(rows, offline[ks], rtol=1e-9, atol=1e-9)
        assert np.isnan(rows[(ks >= 2000) & (ks < 2599), 3]).all()
        assert np.isfinite(rows[ks >= 2599, 3]).all()
        np.testing.assert_allclose(tr.peak_uv, np.nanmax(offline, axis=0), rtol=1e-9)


def test_tracker_rows_use_the_best_normalisation_all_channels_share():
    m = full_montage()
    names = m.names
    tr = IndexLayout(m)
    assert tr.columns[:3] == ("sample", "act:gmed_L", "act:gmed_R")
    assert "si:gmed" in tr.columns and "lr:vm" in tr.columns
    assert "ratio:bf+st:rf+vm:left" in tr.columns and "ratio:gmed:tfl:right" in tr.columns
    cal = Calibration(names)
    mvc = np.arange(1, len(names) + 1) * 100.0
    cal.set_mvc(mvc)
    cal.clear_mvc(["st_R"])                      # st_R falls back to its peak
    cal.observe_floor(np.full((1, len(names)), 5.0))   # quiet level, so that the peak counts
    cal.observe_peak(np.full(len(names), 400.0))
    snap = cal.snapshot()
    means = np.arange(1, len(names) + 1)[None, :] * 10.0   # every channel at 10 %MVC
    vals, codes = tr.rows(np.array([9]), means, snap)
    col = {c: i for i, c in enumerate(tr.columns)}
    assert vals[0, col["act:gmed_L"]] == pytest.approx(10.0) and codes[col["act:gmed_L"]] == 2
    st_r = names.index("st_R")
    assert vals[0, col["act:st_R"]] == pytest.approx(means[0, st_r] / 400 * 100) and codes[col["act:st_R"]] == 1
    assert vals[0, col["si:gmed"]] == pytest.approx(0.0) and vals[0, col["lr:gmed"]] == pytest.approx(1.0)
    # left H:Q all on MVC: (10 + 10) / 2 / ((10 + 10) / 2)
    assert vals[0, col["ratio:bf+st:rf+vm:left"]] == pytest.approx(1.0) and codes[col["ratio:bf+st:rf+vm:left"]] == 2
    # right H:Q involves st_R (peak only): every channel in it uses % of peak
    ag = [names.index("bf_R"), st_r]
    an = [names.index("rf_R"), names.index("vm_R")]
    expect = np.mean(means[0, ag]) / np.mean(means[0, an])
    assert vals[0, col["ratio:bf+st:rf+vm:right"]] == pytest.approx(expect)
    assert codes[col["ratio:bf+st:rf+vm:right"]] == 1 and codes[col["si:st"]] == 1
    live = tr.describe(vals[0], codes, 1.5, means[0], snap)
    r = next(x for x in live.ratios if x.name == "bf+st:rf+vm" and x.side == "right")
    assert r.norm == "peak" and r.value == pytest.approx(expect) and r.agonist / r.antagonist == pytest.approx(expect)
    assert live.activation["gmed_L"].unit == "%MVC" and live.activation["st_R"].unit == "% peak"
    assert tr.window(means[0], snap, t=1.5, sample=9) == live     # offline: the same numbers


def test_a_bad_channel_voids_only_the_indices_that_use_it():
    m = full_montage()
    layout = IndexLayout(m)
    cal = Calibration(m.names)
    cal.set_mvc(np.full(len(m), 100.0))
    cal.clear_mvc("tfl_R")                          # no reference at all: µV, inf scales elsewhere
    means = np.full((1, len(m)), 20.0)
    means[0, m.names.index("st_L")] = np.nan
    vals, _ = layout.rows(np.array([0]), means, cal.snapshot())
    bad = {c for c, v in zip(layout.columns, vals[0]) if not np.isfinite(v)}
    assert bad == {"act:st_L", "si:st", "lr:st", "ratio:bf+st:rf+vm:left"}

import numpy as np
import pytest

from emgmap.dsp import Pipeline
from emgmap.dsp.calibration import rest_baseline
from emgmap.dsp.onset import (Burst, OnsetConfig, OnsetDetector, TkeoEnvelope, bursts_from_events,
                              detect_bursts, tkeo_envelope)
from emgmap.sim import Contraction, ContractionList, SimConfig, Simulator
from emgmap.types import ConfigError

FS = 2000.0


def simulated_bursts(artifacts: bool, seed: int = 2):
    """8 bursts of 1 s on 8 channels at random levels (10-60 %MVC) and onset lags (0-150 ms).
    Muscles that cross-talk (gmed-tfl) share a lag, so each channel's truth is unambiguous."""
    rng = np.random.default_rng(seed)
    cons = []
    for k in range(8):
        levels = {c: float(rng.uniform(10, 60)) for c in range(8)}
        lags = {c: float(rng.uniform(0, 0.15)) for c in range(8)}
        lags[4], lags[5] = lags[0], lags[1]          # tfl_L/R with gmed_L/R
        cons.append(Contraction(3.0 + 2.5 * k, 0.0, 1.0, 0.0, levels, lags, kind="hold"))
    sim = Simulator(SimConfig(seed=seed, artifacts=artifacts), schedule=ContractionList(cons))
    x = np.concatenate([sim.next_frame()[1] for _ in range(int(24 * FS) // sim.frame_len)])
    act = sim.truth.activation(0, len(x)) > 0
    out = Pipeline(FS, 8).process(x)
    return out, act


def truth_edges(active):
    d = np.diff(active.astype(np.int8))
    return np.flatnonzero(d == 1) + 1, np.flatnonzero(d == -1) + 1


def match(bursts, act):
    """Per true burst, the detected onset/offset errors (s); every detection must match one."""
    on_err, off_err = [], []
    for c in range(act.shape[1]):
        on, off = truth_edges(act[:, c])
        mine = [b for b in bursts if b.channel == c]
        assert len(mine) == len(on), f"channel {c}: {len(mine)} bursts for {len(on)} true ones"
        for b, t_on, t_off in zip(mine, on, off):
            on_err.append((b.start - t_on) / FS)
            off_err.append((b.stop - t_off) / FS)
    return np.array(on_err), np.array(off_err)


def test_onsets_of_simulated_bursts_within_30_ms():
    out, act = simulated_bursts(artifacts=True)
    rest = out.envelope[int(1 * FS):int(2.8 * FS)]
    bursts = detect_bursts(out.envelope, FS, *rest_baseline(rest))
    on_err, off_err = match(bursts, act)
    assert np.abs(on_err).max() <= 0.030
    # offsets come back to the start of the first quiet RMS window; ECG beats right after a
    # burst can hold it open a little longer (docs/dsp.md)
    assert np.median(np.abs(off_err)) <= 0.010 and np.abs(off_err).max() <= 0.120


def test_tkeo_conditioning_finds_the_same_onsets():
    out, act = simulated_bursts(artifacts=False)
    det = tkeo_envelope(out.filtered, FS)
    rest = det[int(1 * FS):int(2.8 * FS)]
    on_err, off_err = match(detect_bursts(det, FS, *rest_baseline(rest)), act)
    assert np.abs(on_err).max() <= 0.030
    assert np.median(np.abs(off_err)) <= 0.010 and np.abs(off_err).max() <= 0.120
    # streaming TKEO equals the offline one for any chunking
    tk = TkeoEnvelope(FS, 8)
    parts = [tk.process(out.filtered[i:i + 37]) for i in range(0, len(det), 37)]
    np.testing.assert_allclose(np.concatenate(parts), det, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("chunk", [1, 7, 50, 997])
def test_streaming_and_offline_give_the_same_onsets(chunk):
    out, _ = simulated_bursts(artifacts=True, seed=5)
    env = out.envelope
    mean, sd = rest_baseline(env[int(1 * FS):int(2.8 * FS)])
    offline = detect_bursts(env, FS, mean, sd)
    det = OnsetDetector(FS, mean, sd)
    events = []
    for i in range(0, len(env), chunk):
        events += det.process(env[i:i + chunk])
    assert bursts_from_events(events, det.open_bursts()) == offline
    assert all(e.detected_at >= e.sample for e in events)
    onsets = [e for e in events if e.kind == "onset"]
    assert max(e.detected_at - e.sample for e in onsets) <= int((0.1 + 0.1) * FS)  # min_burst_s + window_s


def test_gap_merging_and_spike_suppression_on_a_known_signal():
    fs = 1000.0
    cfg = OnsetConfig(k=3, hold_s=0.025, gap_s=0.05, min_burst_s=0.1, window_s=0.001)
    x = np.zeros((2000, 1))
    x[100:400] = 10.0        # burst 300 ms ...
    x[400:430] = 0.0         # ... with a 30 ms dip: merged
    x[430:600] = 10.0
    x[900:960] = 10.0        # 60 ms: a spike, dropped
    x[1200:1220] = 10.0      # 20 ms: never held for 25 ms
    x[1500:1700] = 10.0
    x[1700:1760] = 0.0       # 60 ms dip: two bursts
    x[1760:1900] = 10.0
    bursts = detect_bursts(x, fs, [1.0], [1.0], cfg)
    assert bursts == [Burst(0, 100, 600), Burst(0, 1500, 1700), Burst(0, 1760, 1900)]
    nan_x = x.copy()
    nan_x[200:260] = np.nan  # a dropout counts as quiet: 60 ms ends the burst
    assert detect_bursts(nan_x, fs, [1.0], [1.0], cfg)[:2] == [Burst(0, 100, 200), Burst(0, 260, 600)]
    assert detect_bursts(x, fs, [np.nan], [1.0], cfg) == []   # no rest baseline: no detection
    with pytest.raises(ConfigError, match="min_burst_s .* must be at least hold_s"):
        OnsetConfig(hold_s=0.2, min_burst_s=0.1)

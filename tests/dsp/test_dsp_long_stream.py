"""8 simulated hours through the running sums: no drift (issue 3)."""
import numpy as np

from emgmap.dsp import Pipeline
from emgmap.dsp.indices import IndexTracker
from emgmap.montage import Channel, Montage, Side


def test_eight_hours_of_streaming_envelope_equals_a_fresh_recomputation():
    fs, hours = 2000.0, 8
    p = Pipeline(fs, 1)
    tracker = IndexTracker(Montage((Channel("a", "gmed", Side.LEFT),)), fs, window_s=0.5)
    N, M = p.window, int(0.5 * fs)
    rng = np.random.default_rng(11)
    chunk = int(60 * fs)                          # one simulated minute per call
    # loud (2 mV) and near-silent (0.5 µV) minutes alternate: the worst case for a
    # running sum, whose rounding from the loud minutes would swamp the quiet ones
    for minute in range(hours * 60):
        amp = 2000.0 if minute % 2 == 0 else 0.5
        x = amp * rng.standard_normal((chunk, 1)) + 1500.0
        out = p.process(x)
        ks, rows = tracker.means(out.envelope)
    assert p.samples == hours * 3600 * fs
    f, env = out.filtered[:, 0], out.envelope[:, 0]
    fresh = np.sqrt(np.array([np.sum(f[k - N + 1:k + 1] ** 2) / N for k in range(chunk - 2000, chunk)]))
    np.testing.assert_allclose(env[-2000:], fresh, rtol=1e-9)
    assert 0.2 < env[-1] < 1.0                    # it really is the quiet level
    # the index tracker's 500 ms mean of the envelope does not drift either
    assert ks[-1] == p.samples - 1                # its last row is the last sample
    np.testing.assert_allclose(rows[-1, 0], env[-M:].mean(), rtol=1e-9)

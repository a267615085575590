import numpy as np
import pytest

from emgmap.gui.decimate import MinMaxTrace, minmax
from emgmap.ringbuffer import RingBuffer


def offline(x, k, first):
    """Buckets aligned to absolute multiples of k, computed directly from the samples."""
    start = -(-first // k) * k - first
    n = (x.shape[0] - start) // k * k
    return minmax(x[start:start + n], k)


def test_minmax_keeps_each_buckets_extremes():
    x = np.array([[1.0], [5.0], [-2.0], [0.0], [3.0], [3.0]])
    assert minmax(x, 3)[:, 0].tolist() == [-2.0, 5.0, 0.0, 3.0]


@pytest.mark.parametrize("chunks", [[7] * 300, [1, 999, 13, 2, 500, 3000], [4000]])
def test_streaming_buckets_equal_the_offline_reduction(chunks):
    fs, window = 1000.0, 2.0
    rng = np.random.default_rng(1)
    data = rng.normal(size=(sum(chunks), 3))
    ring = RingBuffer(5000, 3)
    trace = MinMaxTrace(ring, fs, window, points=300)
    pos = 0
    for n in chunks:
        ring.write(data[pos:pos + n])
        pos += n
        trace.update()
    x, y = trace.arrays()
    k = trace.k
    open_n = pos % k
    full = y[:-2] if open_n else y
    first_bucket_start = pos - open_n - (full.shape[0] // 2) * k
    ref = offline(data[first_bucket_start:pos - open_n], k, first_bucket_start)
    np.testing.assert_array_equal(full, ref)
    if open_n:  # the still-open bucket is shown, so the newest sample is on screen
        np.testing.assert_array_equal(y[-2], data[pos - open_n:].min(axis=0))
        np.testing.assert_array_equal(y[-1], data[pos - open_n:].max(axis=0))
    assert x[-1] <= 0 and x[0] >= -window
    assert trace.newest_index == pos - 1
    assert np.all(np.diff(x) >= 0)


def test_bucket_values_do_not_change_as_the_window_scrolls():
    ring = RingBuffer(10000, 1)
    trace = MinMaxTrace(ring, 1000.0, 2.0, points=200)
    rng = np.random.default_rng(2)
    ring.write(rng.normal(size=(2500, 1)))
    trace.update()
    x1, y1 = trace.arrays()
    ring.write(rng.normal(size=(37, 1)))
    trace.update()
    x2, y2 = trace.arrays()
    # a bucket keeps its values: match buckets by absolute start time
    t1 = np.round(x1 * 1000 + 2536).astype(int)
    t2 = np.round(x2 * 1000 + 2536 + 37).astype(int)
    common = np.intersect1d(t1[:-2], t2[:-2])
    assert common.size > 100
    for t in common[::10]:
        np.testing.assert_array_equal(y1[t1 == t], y2[t2 == t])


def test_restarts_when_the_ring_laps_the_reader():
    ring = RingBuffer(1000, 2)
    trace = MinMaxTrace(ring, 1000.0, 0.5, points=100)
    ring.write(np.ones((300, 2)))
    trace.update()
    ring.write(np.full((2500, 2), 7.0))  # more than the ring holds
    assert trace.update()
    x, y = trace.arrays()
    assert np.all(y == 7.0) and x[0] >= -0.5

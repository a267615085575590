import numpy as np
import pytest

from emgmap.ringbuffer import RingBuffer


def counter_rows(start, n, width=2):
    return np.arange(start, start + n, dtype=float)[:, None] * np.ones(width)


@pytest.mark.parametrize("offset", range(7))
@pytest.mark.parametrize("n", [1, 3, 7, 10])
def test_wraparound_at_every_offset(offset, n):
    ring = RingBuffer(7, 2)
    ring.write(counter_rows(0, offset))
    ring.write(counter_rows(offset, n))
    total = offset + n
    assert ring.total == total
    got = ring.latest(100)
    assert np.array_equal(got[:, 0], np.arange(max(0, total - 7), total))
    assert np.array_equal(ring.latest(2)[:, 1], np.arange(max(0, total - 2), total))


def test_one_dimensional_ring_and_read_range():
    ring = RingBuffer(5, dtype=np.int64)
    ring.write(np.arange(12))
    assert ring.oldest == 7
    assert ring.read_range(8, 11).tolist() == [8, 9, 10]
    with pytest.raises(IndexError):
        ring.read_range(6, 9)
    with pytest.raises(IndexError):
        ring.read_range(10, 13)


def test_wrong_row_shape_is_refused():
    with pytest.raises(ValueError):
        RingBuffer(4, 3).write(np.zeros((2, 2)))


def test_cursor_is_lossless_when_it_keeps_up():
    ring = RingBuffer(8, 1)
    cur = ring.cursor()
    seen = []
    k = 0
    for n in [3, 5, 8, 1, 7, 2]:
        ring.write(counter_rows(k, n, 1))
        k += n
        rows, first = cur.read()
        assert first == k - n
        seen.extend(rows[:, 0])
    assert seen == list(range(k))
    assert cur.overruns == 0


def test_cursor_counts_overruns_instead_of_hiding_them():
    ring = RingBuffer(8, 1)
    cur = ring.cursor()
    ring.write(counter_rows(0, 20, 1))
    rows, first = cur.read()
    assert cur.overruns == 12
    assert first == 12 and rows[:, 0].tolist() == list(range(12, 20))
    ring.write(counter_rows(20, 3, 1))
    rows, first = cur.read(max_rows=2)
    assert first == 20 and rows[:, 0].tolist() == [20, 21]
    assert cur.pending == 1 and cur.overruns == 12


def test_cursor_from_a_start_index():
    ring = RingBuffer(10, 1)
    ring.write(counter_rows(0, 6, 1))
    rows, first = ring.cursor(start=2).read()
    assert first == 2 and rows[:, 0].tolist() == [2, 3, 4, 5]


def test_grow_keeps_every_row_and_absolute_indices():
    r = RingBuffer(5, 2)
    r.write(np.arange(14, dtype=float).reshape(7, 2))      # rows 2..6 held
    c = r.cursor(3)
    r.grow(12)
    assert r.capacity == 12 and r.oldest == 2
    np.testing.assert_array_equal(r.read_range(2, 7)[:, 0], [4, 6, 8, 10, 12])
    r.write(np.arange(100, 110, dtype=float).reshape(5, 2))  # 12 rows now fit without loss
    assert r.oldest == 2 and r.total == 12   # rows 0-1 were lost before the grow
    rows, first = c.read()
    assert first == 3 and c.overruns == 0
    np.testing.assert_array_equal(rows[:, 0], [6, 8, 10, 12, 100, 102, 104, 106, 108])
    r.grow(4)   # never shrinks
    assert r.capacity == 12

import pytest

from emgmap.counter import CounterUnwrapper


def test_cyton_counter_wraps_at_255_and_jumps_are_gaps():
    u = CounterUnwrapper(256)
    raw = [250, 251, 252, 253, 254, 255, 0, 1, 5, 6]
    assert [u(c) for c in raw] == [250, 251, 252, 253, 254, 255, 256, 257, 261, 262]


def test_repeated_counter_is_a_duplicate_not_a_sample():
    u = CounterUnwrapper(256)
    assert [u(c) for c in (3, 4, 4, 5)] == [3, 4, None, 5]


def test_daisy_samples_are_packet_pairs_step_two():
    u = CounterUnwrapper(256, step=2)
    assert [u(c) for c in (250, 252, 254, 0, 2, 6)] == [125, 126, 127, 128, 129, 131]


def test_host_time_resolves_a_loss_longer_than_one_wrap():
    fs = 250.0
    u = CounterUnwrapper(256, fs=fs)
    assert u(10, 0.0) == 10
    # 600 samples later the counter reads (10 + 600) % 256 = 98: the counter alone says 88
    assert u(98, 600 / fs) == 610
    assert u(99, 601 / fs + 0.003) == 611  # jitter does not add a wrap


def test_a_late_delivery_is_not_a_loss_but_a_long_loss_with_jitter_is():
    fs = 250.0
    u = CounterUnwrapper(256, fs=fs)
    assert u(0, 0.0) == 0
    assert u(1, 0.7) == 1  # the reader stalled 0.7 s (175 samples' time): packets were late, not lost
    v = CounterUnwrapper(256, fs=fs)
    assert v(0, 0.0) == 0
    assert v(44, 300 / fs - 0.2) == 300  # 300 lost, stamped 50 samples early: still one wrap


def test_resume_continues_by_the_clock_and_no_counter_is_consecutive():
    u = CounterUnwrapper(65536, fs=1000.0)
    assert u(7, 0.0) == 7 and u(8, 0.001) == 8
    u.resume()  # the board reset (counter back to 0) 2 s later
    assert u(0, 2.001) == 8 + 2000
    assert u(1, 2.002) == 2009
    v = CounterUnwrapper(None, fs=100.0)
    assert [v(None, t) for t in (0.0, 0.01, 0.02)] == [0, 1, 2]
    v.resume()
    assert v(None, 1.02) == 102


def test_modulus_must_be_a_multiple_of_the_step():
    with pytest.raises(ValueError):
        CounterUnwrapper(255, step=2)

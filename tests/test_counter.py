import numpy as np
import pytest

from emgmap.counter import COUNTERS, Board, CounterUnwrapper


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


def test_a_late_delivery_is_not_a_loss_but_a_long_loss_after_a_late_sample_is():
    fs = 250.0
    u = CounterUnwrapper(256, fs=fs)
    assert u(0, 0.0) == 0
    assert u(1, 0.7) == 1  # the reader stalled 0.7 s (175 samples' time): packets were late, not lost
    v = CounterUnwrapper(256, fs=fs)
    assert [v(c, c / fs) for c in range(10)] == list(range(10))
    assert v(10, 10 / fs + 0.2) == 10        # delivered 0.2 s late (a stalled reader) ...
    assert v(54, 310 / fs) == 310            # ... then 299 lost: one wrap, though only 0.96 s passed since


def test_a_stall_of_nearly_a_wrap_then_its_backlog_is_not_a_gap():
    """A sender that stalls 0.9 s (225 samples' time, 0.88 of a wrap) after an on-time sample and
    then bursts its backlog lost nothing. Judged by the time since the previous sample (the old
    rule: > 3/4 of a wrap) it was a false gap of 256 samples (a Cyton+Daisy through BrainFlow
    under load, CI stop 20)."""
    fs = 250.0
    u = CounterUnwrapper(256, fs=fs)
    assert [u(c, c / fs + 0.004) for c in range(50)] == list(range(50))
    burst = [u(c % 256, 49 / fs + 0.9) for c in range(50, 50 + 225)]
    assert burst == list(range(50, 275))
    assert u(275 % 256, 275 / fs + 0.004) == 275


def test_the_least_latency_follows_a_device_clock_that_runs_slow():
    """A Cyton 500 ppm slow: after 2000 s its samples arrive 1 s later than fs says. The least
    latency must follow, or the next small hiccup would add a wrap. (Every 100th sample is fed:
    the others are lost, gaps the counter tells on its own.)"""
    fs, slow = 250.0, 1 + 500e-6
    u = CounterUnwrapper(256, fs=fs)
    n = 500_000
    assert [u(k % 256, k / fs * slow) for k in range(0, n, 100)][-1] == n - 100
    assert u(n % 256, n / fs * slow + 0.3) == n                      # 0.3 s late: not a loss
    assert u((n + 300) % 256, (n + 300) / fs * slow) == n + 300      # 299 lost: one wrap


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


# --- one rule per board, live (CounterUnwrapper) and offline (recordings.openbci.unwrap_counter) ----------
def _live(counter, rule):
    u = CounterUnwrapper.for_rule(rule, fs=None)
    return np.array([i for i in (u(int(c)) for c in counter) if i is not None])


def _offline(counter, rule, fs):
    from emgmap.recordings.openbci import unwrap_counter
    return unwrap_counter(np.asarray(counter, float), rule, fs=fs).index


def test_ganglion_packets_hold_two_samples_live_as_offline():
    """Both samples of a Ganglion BLE packet carry its id (1..100, then 101..200 in firmware 2):
    the second is a sample, not a duplicate; a lost packet is two lost samples."""
    ids = np.repeat(np.r_[np.arange(1, 101), np.arange(101, 201), np.arange(1, 60)], 2)
    lost = np.ones(ids.size, bool)
    lost[[100, 101]] = False            # packet 51 lost
    lost[300:306] = False               # packets 151-153 lost
    counter = np.r_[ids[1:][lost[1:]]]  # the stream starts on the second sample of packet 1
    live, offline = _live(counter, COUNTERS[Board.GANGLION]), _offline(counter, COUNTERS[Board.GANGLION], 200.0)
    assert live.size == offline.size == counter.size          # nothing dropped as a duplicate
    np.testing.assert_array_equal(np.diff(live), np.diff(offline))
    gaps = np.diff(live)[np.diff(live) != 1] - 1
    assert gaps.tolist() == [2, 6]


def test_a_ganglion_id_seen_three_times_is_a_duplicate_live():
    u = CounterUnwrapper.for_rule(COUNTERS[Board.GANGLION])
    assert [u(c) for c in (5, 5, 6, 6, 6, 7)] == [10, 11, 12, 13, None, 14]


def _gui_counters(path):
    """The counter column (first field) of an OpenBCI GUI file and its board."""
    from emgmap.recordings.openbci import board_from_name
    board, rows = None, []
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            if line.startswith("%"):
                if line.startswith("%Board"):
                    board = line.split("=", 1)[1].strip()
                continue
            head = line.split(",", 1)[0].strip()
            if head.replace(".", "", 1).isdigit():
                rows.append(float(head))
    return board_from_name(board or "", 8), np.array(rows)


@pytest.mark.parametrize("name", ["OpenBCI_2016-02-13_focus.txt", "ganglion"])
def test_real_gui_counters_unwrap_the_same_live_and_offline(shared_data, name):
    """Real OpenBCI GUI files (shared/data/openbci_gui, README there): the 2016 Cyton file has
    six counter jumps (lost packets); the live driver's rule must find the same gaps as the
    importer's. A Ganglion GUI file is used when one is there."""
    folder = shared_data / "openbci_gui"
    if name == "ganglion":
        found = [p for p in sorted(folder.glob("*.txt")) if _gui_counters(p)[0] is Board.GANGLION]
        if not found:
            pytest.skip("no Ganglion GUI file in shared/data/openbci_gui (its README lists Cyton files only)")
        path = found[0]
    else:
        path = folder / name
    board, counter = _gui_counters(path)
    rule = COUNTERS[board]
    live, offline = _live(counter, rule), _offline(counter, rule, 250.0)
    np.testing.assert_array_equal(np.diff(live), np.diff(offline))
    if name != "ganglion":
        assert board is Board.CYTON and int((np.diff(live) != 1).sum()) == 6

"""`emgmap check`: the rate from device indices after the start-up backlog, the mains judgement,
driver counters counted once."""
import numpy as np
import pytest
from scipy import signal

from emgmap.cli import main
from emgmap.quality import MAINS_FRACTION, MAINS_MIN_UV, channel_quality, device_rate


def test_rate_skips_the_start_up_backlog():
    fs, rng = 2000.0, np.random.default_rng(0)
    idx = np.arange(int(3 * fs))
    t = idx / fs + 0.02 + rng.uniform(0, 0.01, idx.size)      # late by 20-30 ms, never early
    t[: int(0.8 * fs)] = 0.8 + 0.02                              # a busy start: 0.8 s arrive at once
    naive = idx.size / (t[-1] - t[0])                           # what the status rate counted
    assert naive > 1.3 * fs
    r = device_rate(idx, t, fs)
    assert r.rate_hz == pytest.approx(fs, rel=0.01) and r.backlog_s == pytest.approx(0.0, abs=0.05)
    assert r.span_s > 2.0
    # a device really running at half its nominal rate is measured as such, gaps included
    slow = np.arange(int(3 * fs / 2))
    r = device_rate(np.delete(slow, [100, 101, 102]), np.delete(slow / (fs / 2), [100, 101, 102]), fs)
    assert r.rate_hz == pytest.approx(fs / 2, rel=0.01)


def test_a_host_stall_at_the_end_is_not_a_slow_device():
    """The last 0.3 s of a 3 s check reach the host at once, 200 ms late (a busy machine): the end
    points would say 1870 Hz (6.5 % slow, "unhealthy"); the device kept its 2 kHz."""
    fs, rng = 2000.0, np.random.default_rng(1)
    idx = np.arange(int(3 * fs))
    t = idx / fs + 0.02 + rng.uniform(0, 0.01, idx.size)
    stalled = idx >= int(2.7 * fs)
    t[stalled] = t[-1] + 0.2
    assert (idx[-1] - idx[0]) / (t[-1] - t[0]) < 0.95 * fs
    r = device_rate(idx, t, fs)
    assert r.rate_hz == pytest.approx(fs, rel=0.01)
    # a real slow-down to 1900 Hz half-way through still reads below nominal
    t = np.where(idx < fs * 1.5, idx / fs, 1.5 + (idx - fs * 1.5) / 1900.0) + 0.02
    assert device_rate(idx, t, fs).rate_hz < 0.98 * fs


def test_mains_share_matches_the_analytic_value():
    """A 50 Hz sine of amplitude A in white noise of SD s (fs 2 kHz): the share of the band power
    within ±2 Hz of 50, 100, ... 400 Hz, computed from the filter's own frequency response."""
    fs, n, a, s = 2000.0, 200000, 10.0, 10.0
    x = a * np.sin(2 * np.pi * 50 * np.arange(n) / fs) + np.random.default_rng(1).normal(0, s, n)
    q = channel_quality(x[:, None], fs, power_line_hz=50)[0]
    # noise power after the zero-phase band-pass: s^2 * 2/fs * integral of |H|^4 (filtfilt squares |H|^2)
    sos = signal.butter(4, [20.0, 450.0], "bandpass", output="sos", fs=fs)
    f, h = signal.sosfreqz(sos, worN=200001, fs=fs)
    g = np.abs(h) ** 4
    df = f[1] - f[0]
    near = np.zeros_like(f, dtype=bool)
    for k in range(1, 9):
        near |= np.abs(f - 50 * k) <= 2.0
    noise_band, noise_mains = s ** 2 * 2 / fs * g.sum() * df, s ** 2 * 2 / fs * g[near].sum() * df
    sine = a ** 2 / 2 * g[np.argmin(np.abs(f - 50))]
    assert q.mains_fraction == pytest.approx((sine + noise_mains) / (sine + noise_band), rel=0.03)
    assert "mains-heavy" in q.flags and q.mains_uv > MAINS_MIN_UV and q.mains_fraction > MAINS_FRACTION
    small = channel_quality((x * 0.2)[:, None], fs, power_line_hz=50)[0]     # 1.4 µV of mains: fine at rest
    assert "mains-heavy" not in small.flags


def test_check_judges_mains(capsys):
    assert main(["check", "--device", "sim:?fast=1&mains_uv=30", "--seconds", "2"]) == 1
    out = capsys.readouterr().out
    assert "unhealthy: mains interference is" in out and "check the reference electrode" in out
    assert main(["check", "--device", "sim:?fast=1&mains_uv=2", "--seconds", "2"]) == 0
    assert capsys.readouterr().out.strip().endswith("healthy")


def test_paced_check_measures_from_device_indices(capsys):
    assert main(["check", "--device", "sim:?mains_uv=2", "--seconds", "2"]) == 0
    out = capsys.readouterr().out
    head = [ln for ln in out.splitlines() if ln.startswith("streamed")][0]
    rate = float(head.split("measured ")[1].split(" Hz")[0])
    assert rate == pytest.approx(2000, rel=0.05) and "from device sample indices" in head


def test_serial_counters_are_counted_once():
    from emgmap.drivers import open_driver
    from emgmap.drivers.emulators import SerialEmulator
    em = SerialEmulator(fs=1000.0, channels=2, seed=3, corrupt_rate=0.05, garbage_rate=0.05).start()
    try:
        d = open_driver(f"serial:{em.path}")
        d.start()
        got, tries = 0, 0
        while got < 2000 and tries < 100000:
            b = d.read()
            got += b.n if b is not None else 0
            tries += 1
        before = dict(d.counters)
        d.stop()
        assert before["crc_errors"] > 0 and d.counters == before     # stopping adds nothing
    finally:
        em.stop()

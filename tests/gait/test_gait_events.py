"""Gait events from each source, on simulated data that carries it (known truth)."""
import numpy as np
import pytest

from emgmap.dsp.gait_events import (EventSource, accel_events, emg_events, footswitch_events, knee_events,
                                    stride_period)
from emgmap.sim import SimConfig, Simulator
from emgmap.sim.schedule import ContractionList
from emgmap.types import ConfigError

FS = 1000.0


def bout(mode, seconds=40.0, seed=5):
    sim = Simulator(SimConfig(exercise=mode, fs=FS, channels=8, seed=seed, lead_in=2.0))
    sim.schedule = ContractionList([sim.gait_bout(mode, 2.0, seconds)])
    n = int(seconds * FS)
    return sim, sim.aux(0, n), sim.truth.gait[0]


@pytest.fixture(scope="module", params=["walk", "run"])
def gait(request):
    return request.param, *bout(request.param)


def match(found, truth, tol):
    """Each truth event's nearest found event, and the count of truths with none within ``tol``."""
    err = np.array([np.min(np.abs(found - v)) if found.size else np.inf for v in truth])
    return err, int(np.sum(err > tol))


@pytest.mark.parametrize("source, col, ic_tol, to_tol", [
    ("footswitch", 0, 0.002, 0.002), ("accel", 2, 0.010, 0.015), ("knee", 4, 0.020, 0.050)])
def test_each_source_finds_every_contact_and_toe_off(gait, source, col, ic_tol, to_tol):
    mode, sim, aux, truth = gait
    for j, side in enumerate(("left", "right")):
        x = aux[:, col + j]
        ev = {"footswitch": lambda: footswitch_events(x, FS), "accel": lambda: accel_events(x, FS),
              "knee": lambda: knee_events(x, FS, mode=mode)}[source]()
        assert ev.source is EventSource(source)
        c, to = truth.contacts(side), truth.toe_offs(side)
        err, missed = match(ev.contacts_s, c, ic_tol)
        assert missed == 0 and abs(ev.contacts_s.size - c.size) <= 1, (side, err.max())
        # no spurious contacts: every found one is near a true one
        assert match(c, ev.contacts_s, ic_tol)[1] == 0
        err, missed = match(ev.toe_offs_s, to[to > c[0]], to_tol)
        assert missed <= 1, (side, np.sort(err)[-3:])


def test_footswitch_hysteresis_ignores_chatter_at_the_threshold():
    # a clean 1 Hz on/off foot switch with 20 ms of bouncing around mid-level at each edge
    t = np.arange(0, 10, 1 / FS)
    x = ((t % 1.0) < 0.6).astype(float) * 3.0
    rng = np.random.default_rng(0)
    for edge in np.arange(0, 10, 1.0)[1:]:
        for e in (edge, edge + 0.6):
            m = (t >= e - 0.01) & (t < e + 0.01)
            x[m] = 1.5 + rng.uniform(-1.2, 1.2, m.sum())
    ev = footswitch_events(x, FS)
    np.testing.assert_allclose(ev.contacts_s, np.arange(1, 10), atol=0.012)
    np.testing.assert_allclose(ev.toe_offs_s, np.arange(0, 10) + 0.6, atol=0.012)
    # a single-threshold count (scipy-free reference) sees the chatter as many edges
    assert np.sum(np.diff((x > 1.5).astype(int)) == 1) > 2 * ev.contacts_s.size


def test_stride_period_of_a_known_rhythm():
    t = np.arange(0, 30, 1 / FS)
    x = np.maximum(0, np.sin(2 * np.pi * t / 1.1)) ** 4
    assert stride_period(x, FS) == pytest.approx(1.1, abs=0.01)


def test_emg_fallback_estimates_contacts_from_the_vasti_bursts():
    sim = Simulator(SimConfig(exercise="walk", fs=FS, channels=10, seed=2, lead_in=2.0))
    sim.schedule = ContractionList([sim.gait_bout("walk", 2.0, 40.0)])
    truth = sim.truth.gait[0]
    vm = sim.montage.names.index("vm_L")
    act = sim.truth.activation(0, 40_000)[:, vm]          # the envelope a perfect estimate gives
    ev = emg_events(act, FS, "vm", mode="walk")
    assert ev.source is EventSource.EMG and "estimated from the vm bursts" in ev.note
    c = truth.contacts("left")
    T = np.mean(np.diff(c))
    err, missed = match(ev.contacts_s, c, 0.05 * T)         # within 5 % of the cycle
    assert missed <= 1
    with pytest.raises(ConfigError, match="anchors on one of vm, vl, gmax, gmed"):
        emg_events(act, FS, "bf")

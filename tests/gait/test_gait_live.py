"""The live stride view's model, without Qt: a LiveSession on the simulated run (truth known)
builds the ensembles stride by stride; the SI is judged only once it is in %MVC."""
import numpy as np
import pytest

from emgmap.app.gait_live import GaitLiveModel, GaitStatus
from emgmap.app.live import LiveSession
from emgmap.clock import ManualClock
from emgmap.dsp.gait_events import Gait
from emgmap.dsp.indices import symmetry_index
from emgmap.events import EventKind, GaitPhase
from emgmap.protocols import Zones
from emgmap.types import Side

SPEC = "sim:?exercise=run&scenario=late_gmed_right&fs=1000&seed=3&fast=1"
SECONDS = 30.0
CALIBRATE_AT = 12.0
REST = (1.0, 4.5)


@pytest.fixture(scope="module")
def run():
    """30 s of simulated running, streamed (unpaced) through a LiveSession tracking gait; the
    rest baseline is taken from the
    quiet lead-in, the MVC references (the simulator's true ones) arrive at 12 s. A listener on the acquisition
    thread notes the feed's status after every block."""
    live = LiveSession(clock=ManualClock())
    driver = live.open(SPEC)
    session = live.connect(driver, start=False, stop_after=int(SECONDS * 1000))
    feed = live.track_gait("run")
    seen = []

    def watch(block):
        t = session.now_s()
        seen.append((t, feed.status()))
        if t >= REST[1] and not np.isfinite(session.calibration.snapshot().rest_mean_uv).all():
            session.capture_rest(*REST)                         # standing still before the run starts at 5 s
        if t >= CALIBRATE_AT and not np.isfinite(session.calibration.snapshot().mvc_uv).all():
            session.calibration.set_mvc(driver.truth.mvc_rms_uv)
    session.add_listener(watch)
    live.start()
    live.wait_until(lambda s: False, timeout=120)     # until stop_after
    final = live.poll()
    events = session.event_log.cursor(0).read()
    live.close()
    return seen, final, events, driver.truth.gait[0], session.montage, driver.sim


def true_stance_si(sim, truth, muscle, a, b):
    """SI of the simulator's true stance activation (%MVC) over the true stances between
    ``a`` and ``b`` s (the definition of docs/gait.md; tests/gait/test_gait_analysis.py)."""
    act = sim.truth.activation(0, int(b * sim.fs))
    t = np.arange(act.shape[0]) / sim.fs
    means = []
    for side in (Side.LEFT, Side.RIGHT):
        i = sim.montage.index(muscle, side)
        c, to = truth.contacts(side, b), truth.toe_offs(side, b)
        c = c[c >= a]
        means.append(np.mean([act[(t >= x) & (t < to[(to > x) & (to < y)][0]), i].mean() for x, y in zip(c[:-1], c[1:])]))
    return float(symmetry_index(*means))


def test_strides_build_up_and_the_si_is_judged_only_in_mvc(run):
    seen, final, events, truth, montage, sim = run
    before = [s for t, s in seen if t < CALIBRATE_AT and s.gait is not None]
    after = [s for t, s in seen if t > CALIBRATE_AT + 0.5 and s.gait is not None]
    assert before and after
    for part in (before, after):                               # grows stride by stride (the tracker
        counts = [s.gait.strides for s in part]                 # starts over in %MVC at calibration)
        assert counts == sorted(counts) and counts[-1] > counts[0] + 4
    model = GaitLiveModel(montage.bilateral_muscles(), Zones())
    early = model.update(before[-1])
    gmed = next(m for m in early.muscles if m.muscle == "gmed")
    assert early.unit == "µV" and gmed.zone is None and gmed.note == "calibrate MVC to judge"
    assert early.message == "activation in µV: symmetry shown, not judged (calibrate MVC to judge)"
    screen = model.update(final.gait)
    assert screen.unit == "%MVC" and screen.new_stride and screen.message == ""
    gmed = next(m for m in screen.muscles if m.muscle == "gmed")
    # truth: the right gmed peaks 25 % lower and 40 ms later
    print("SI", gmed.si, true_stance_si(sim, truth, "gmed", CALIBRATE_AT, SECONDS))
    assert gmed.si == pytest.approx(true_stance_si(sim, truth, "gmed", CALIBRATE_AT, SECONDS), abs=3) and gmed.zone == Zones().symmetry(gmed.si) and gmed.si_text == f"SI {gmed.si:+.0f} %"
    assert gmed.left.mean.shape == (101,) and gmed.right.sd.shape == (101,)
    assert gmed.left.mean.max() > gmed.right.mean.max()
    g = final.gait.gait
    for side in (Side.LEFT, Side.RIGHT):                        # strides since the restart at 12 s
        assert g.sides[side].cadence_spm == pytest.approx(truth.cadence_spm(SECONDS), rel=0.01)
        expected = np.sum(truth.contacts(side, SECONDS) > CALIBRATE_AT) - 1
        assert abs(g.sides[side].strides - expected) <= 2      # the last ones settle after the end
    assert screen.cadence_text == f"{np.mean([g.sides[s].cadence_spm for s in g.sides]):.0f} steps/min"


def test_gait_events_go_into_the_session_as_typed_events(run):
    seen, final, events, truth, montage, sim = run
    gait = [e for e in events if e.kind is EventKind.GAIT]
    for side in (Side.LEFT, Side.RIGHT):
        found = np.array([e.onset_s for e in gait if e.side is side and e.gait_phase is GaitPhase.CONTACT])
        real = truth.contacts(side, SECONDS)
        assert found.size >= real.size - 3
        assert all(np.min(np.abs(real - v)) < 0.005 for v in found)      # every one a real landing
        assert {e.channel for e in gait if e.side is side} == {f"footswitch_{side.short}"}


def test_before_strides_and_without_a_gait_channel_the_screen_says_why():
    model = GaitLiveModel(["gmed", "bf"])
    waiting = model.update(GaitStatus(Gait.RUN))
    assert waiting.cadence_text == "— steps/min" and waiting.message.startswith("waiting for the first strides")
    assert waiting.tracking
    assert [m.si_text for m in waiting.muscles] == ["SI —", "SI —"]
    live = LiveSession(clock=ManualClock())
    live.connect("sim:?fs=500&fast=1&seed=1", stop_after=5000, start=False)   # no exercise: no gait channels
    live.track_gait("walk")
    live.start()
    live.wait_until(lambda s: False, timeout=60)
    status = live.poll().gait
    live.close()
    screen = model.update(status)
    assert status.gait is None and "EMG fallback works offline only" in screen.message and not screen.tracking

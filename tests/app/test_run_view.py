"""The guided session's run page, Qt-free (app/run_view.py): what it says at each moment
of a paced session on the simulator (ManualClock, unpaced: no sleeps)."""
from dataclasses import replace

import pytest

from emgmap.app.biofeedback import Biofeedback
from emgmap.app.paced import PacedRunner
from emgmap.app.run_view import PHASE_WORDS, RunScreen, Tone
from emgmap.clock import ManualClock
from emgmap.drivers import open_driver
from emgmap.drivers.sim import sim_spec
from emgmap.protocols import build_plan, load_protocol
from emgmap.protocols.model import MVC_POSITIONS
from emgmap.session import Session

from sessions import short


@pytest.fixture
def screen():
    protocol = short(load_protocol("clamshell"))
    protocol = replace(protocol, calibration=replace(protocol.calibration, mvc_rest_s=30.0))
    clock = ManualClock()
    driver = open_driver(sim_spec("sim", protocol.muscles, "tfl_dominant_clam") + "&seed=4&fast=1&artifacts=0",
                         clock=clock)
    session = Session(driver, clock=clock, ring_seconds=90)
    runner = PacedRunner(session, build_plan(protocol, driver.montage), subject=driver.subject)
    fb = Biofeedback(session.index_columns, session.montage, protocol.prime_mover)
    session.start()
    yield RunScreen(runner, fb, "/tmp/x.h5")
    session.stop()


def wait_idle(r):
    assert r.session.wait_until(lambda s: not r.busy(s.now_s()), 30)


def advance_to(r, kind):
    """Start stages until one of ``kind`` ("mvc", "set") is the next one, idle."""
    while r.next_stage.kind != kind:
        wait_idle(r)
        r.start_next()
    wait_idle(r)


def test_the_mvc_flow_shows_the_position_a_rest_countdown_and_the_captured_trial_number(screen):
    r = screen.runner
    advance_to(r, "mvc")
    nxt = screen.update(r.session.now_s())   # waiting for the clinician: the position to set up
    assert nxt.word == "READY?" and MVC_POSITIONS["gmed"] in nxt.text and "trial 1/2" in nxt.keys
    r.start_next()
    first = r.current.steps[0]
    ready = screen.update(first.start - 1.0)   # the countdown: GET READY with the test position
    assert ready.word == "GET READY" and f"Position: {MVC_POSITIONS['gmed']}" in ready.text
    assert ready.counter == "gmed left · trial 1/2" and ready.per_lane
    wait_idle(r)
    assert r.session.wait_until(lambda s: len(r.trials) == 1, 30)
    rest = screen.update(r.current.duration + 1.0)   # between trials of one muscle: a rest countdown
    assert rest.phase == "rest" and rest.word == "REST" and rest.remaining == "29 s"
    assert "Rest before the next trial" in rest.text and MVC_POSITIONS["gmed"] in rest.text
    assert screen.update(r.current.duration + 31.0).word == "READY?"   # rested
    assert "captured: gmed left trial 1: " in rest.lines[0].text
    r.repeat_trial()   # the first looked wrong: one trial more, numbered as it is captured
    assert screen.update(r.current.steps[0].start + 0.5).counter == "gmed left · trial 2/3"
    assert r.next_stage.title.endswith("trial 3/3")   # the planned second trial follows it
    wait_idle(r)
    assert r.session.wait_until(lambda s: len(r.trials) == 2, 30)
    after = screen.update(r.session.now_s())
    assert "trial 2: " in after.lines[0].text and r.trials[-1].number == 2
    r.start_next()
    assert screen.update(r.current.steps[0].start + 0.5).counter == "gmed left · trial 3/3"


def test_rep_words_say_the_effort_never_a_direction_the_cue_contradicts():
    """A squat's "up" phase is "Squat down slowly": the word is GO, never UP."""
    assert {PHASE_WORDS[p] for p in ("up", "hold", "down", "rest")} == {"GO", "HOLD", "BACK", "REST"}
    squat = load_protocol("single_leg_squat")
    assert "down" in squat.cues["up"].lower() and "UP" not in PHASE_WORDS.values()


def test_a_stopped_device_says_so_and_names_the_recording(screen):
    r = screen.runner
    r.session.stop()
    v = screen.update(r.session.now_s())
    assert v.word == "STOPPED" and "/tmp/x.h5" in v.text and v.keys == "Esc: close the session"


def test_a_set_judges_the_working_side_only(screen):
    """TFL-dominant clamshell after the MVC trials: the warning names the working leg only."""
    r = screen.runner
    advance_to(r, "set")
    r.start_next()
    side = r.current.steps[0].side
    assert screen.working_side(r.current.steps[0].start + 1.0) == side
    assert r.session.wait_until(lambda s: s.now_s() > r.current.steps[1].start + 3.0, 30)
    v = screen.update(r.session.now_s())
    assert v.counter.startswith("rep ") and f"{side.value.upper()} leg" in v.counter
    assert v.target == pytest.approx(0.40) and not [ln for ln in v.lines if "no MVC" in ln.text]
    other = "right" if side.value == "left" else "left"
    assert any(ln.tone == Tone.BAD and ln.big and f"TFL outruns GMED ({side.value})" in ln.text for ln in v.lines)
    assert not [ln for ln in v.lines if f"({other})" in ln.text]

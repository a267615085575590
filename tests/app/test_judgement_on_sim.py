"""Issue 13 "Done when", on whole simulated sessions paced by a ManualClock (seconds of
signal in a fraction of that; no sleeps): the gauges and the biofeedback fed at 4 Hz of
session time, as the dashboard feeds them.

- `--protocol clamshell` on the healthy simulator, no MVC: no zone for 60 s (the old
  model showed gmed:tfl "imbalance" on both sides between and during reps);
- the TFL-dominant clamshell after the guided session's MVC trials: gmed:tfl of the
  working leg in its red zone, with the dominance cue.
"""
from dataclasses import replace

from emgmap.app.biofeedback_view import BiofeedbackModel
from emgmap.app.gauges import GaugesModel, NotJudged, Zone
from emgmap.clock import ManualClock
from emgmap.app.runner import PlanRunner
from emgmap.drivers import open_driver
from emgmap.drivers.sim import sim_spec
from emgmap.protocols import build_plan, load_protocol
from emgmap.protocols.model import CalibrationPlan
from emgmap.session import Session

FEED_S = 0.25   # the dashboard's 4 Hz numbers


def feeder(session, fn):
    """Call ``fn(live, calibration)`` every FEED_S of session time, on the acquisition thread."""
    last = [-1.0]

    def on_block(_block):
        live = session.latest_indices()
        if live is not None and live.t - last[0] >= FEED_S:
            last[0] = live.t
            fn(live, session.calibration.snapshot())
    session.add_listener(on_block)


def test_clamshell_without_mvc_shows_no_zone_for_60_s():
    p = load_protocol("clamshell")
    clock = ManualClock()
    driver = open_driver("sim:?scenario=healthy&fast=1&seed=3", clock=clock)
    montage = driver.montage.with_pairs(p.pairs)
    expected = {q.name: p.expected_range(q.name) for q in montage.pairs if p.expected_range(q.name)}
    model = GaugesModel(montage, p.zones, expected=expected, muscles=())   # unilateral: no live L/R
    shown = []
    session = Session(driver, montage, clock=clock, ring_seconds=70)
    feeder(session, lambda live, cal: shown.extend(model.update(live, cal)))
    session.start()
    assert session.wait_until(lambda s: s.now_s() >= 60.0, 120), session.status
    session.stop()
    assert len(shown) >= 2 * 2 * 59     # two gmed:tfl gauges, a minute (one feed per 0.5 s simulator block)
    assert not [g for g in shown if g.judged]
    assert not [g for g in shown if g.zone is not None or g.status_text in ("ok", "watch", "imbalance")]
    muted = [g for g in shown if g.reason == NotJudged.NOT_MVC]
    assert len(muted) > len(shown) / 4 and all(g.unit in ("% peak", "µV") for g in muted)   # shown, not hidden


def test_tfl_dominant_clamshell_after_mvc_is_red_with_the_dominance_cue():
    p = load_protocol("clamshell")
    p = replace(p, timing=replace(p.timing, reps=5),
                calibration=CalibrationPlan(signal_check_s=1.0, rest_s=5.0, mvc_trials=2, mvc_s=4.0, mvc_rest_s=1.0,
                                        set_rest_s=2.0))
    clock = ManualClock()
    driver = open_driver(sim_spec("sim", p.muscles, "tfl_dominant_clam") + "&seed=5&fast=1", clock=clock)
    montage = driver.montage.with_pairs(p.pairs)
    plan = build_plan(p, montage)
    driver.subject.schedule = plan.sim_schedule(driver.subject)
    sets = [s for s in plan.steps if s.kind == "set"]
    expected = {"gmed:tfl": p.expected_range("gmed:tfl")}
    gauges = GaugesModel(montage, p.zones, expected=expected, muscles=())
    feedback = BiofeedbackModel(montage, (p.prime_mover,))
    seen = []   # (working side, gauge views, dominance cues)

    def feed(live, cal):
        step = next((s for s in sets if s.start <= live.t < s.end), None)
        side = step.side if step is not None else None
        feedback.set_sides((side,) if side else ())
        views = gauges.update(live, cal, working_side=side)
        seen.append((side, views, feedback.update(live).cues))

    session = Session(driver, montage, clock=clock, ring_seconds=90)
    runner = PlanRunner(session, plan)
    feeder(session, feed)
    session.start()
    assert session.wait_until(lambda s: runner.done.is_set(), 300), session.status
    session.stop()
    for side in {s.side for s in sets}:
        working = [g for sd, views, _ in seen if sd == side for g in views
                   if g.key == f"ratio gmed:tfl {side.value}" and g.judged]
        assert len(working) >= 20, side     # judged during the reps (%MVC, active)
        red = sum(g.zone == Zone.RED for g in working)
        assert red / len(working) > 0.8, (side, red, len(working))
        resting = [g for sd, views, _ in seen if sd == side for g in views
                   if g.kind == "ratio" and g.side != side]
        assert resting and all(g.reason == NotJudged.RESTING_LEG for g in resting)
        cues = [c for sd, _, cs in seen if sd == side for c in cs]
        assert cues and all(c.side == side and "TFL" in c.text for c in cues)

"""The clinician-paced session model: same events, same captures, same analysis as the timed plan."""
import numpy as np
import pytest

from emgmap.analysis import analyze_recording
from emgmap.clock import ManualClock
from emgmap.drivers.sim import sim_spec
from emgmap.drivers import open_driver
from emgmap.protocols import build_plan, load_protocol
from emgmap.app.biofeedback import DominanceMonitor, TargetCue
from emgmap.app.paced import PacedRunner, stages
from emgmap.sinks.recorder import Recorder
from emgmap.session import Session
from emgmap.types import ConfigError

from sessions import short


def paced_session(path, *, repeat_first_mvc=False, seed=4):
    protocol = short(load_protocol("clamshell"))
    clock = ManualClock()
    driver = open_driver(sim_spec("sim", protocol.muscles, "tfl_dominant_clam") + f"&seed={seed}&fast=1&artifacts=0",
                         clock=clock)
    plan = build_plan(protocol, driver.montage)
    session = Session(driver, clock=clock, ring_seconds=90)
    recorder = Recorder(session, path, config_extra={"protocol": {"name": "clamshell"}}) if path else None
    runner = PacedRunner(session, plan, subject=driver.subject)
    if recorder:
        recorder.start()
    session.start()
    cues = []
    try:
        while runner.next_stage is not None:
            # the clinician waits a while (the patient gets ready), then starts the stage
            t = session.now_s()
            assert session.wait_until(lambda s: s.now_s() > t + 2.0 and not runner.busy(s.now_s()), 30)
            assert runner.cue_at(session.now_s()).phase == "waiting"
            stage = runner.start_next()
            first = runner.current.steps[0]
            cues.append(runner.cue_at(first.start - 1.0).phase)   # the countdown
            cues.append(runner.cue_at(first.start + 0.1).step.label)
            if repeat_first_mvc and stage.kind == "mvc" and stage.head.number == 1 and len(runner.trials) == 0:
                assert session.wait_until(lambda s: not runner.busy(s.now_s()) and runner.trials, 30)
                runner.repeat_trial()
        assert session.wait_until(lambda s: runner.done.is_set(), 60)
        assert runner.cue_at(session.now_s()).phase == "done"
    finally:
        session.stop()
        if recorder:
            recorder.stop()
    return driver, session, runner, plan, cues


def test_stages_cut_the_plan_where_the_clinician_takes_over():
    protocol = short(load_protocol("clamshell"))
    plan = build_plan(protocol, open_driver("sim:?channels=8").montage)
    st = stages(plan)
    assert [s.kind for s in st[:3]] == ["check", "rest", "mvc"]
    sets = [s for s in st if s.kind == "set"]
    assert [s.head.label for s in sets] == ["clamshell left", "clamshell right"]
    assert all(len(s.steps) == 1 + 5 and all(r.set_label == s.head.label for r in s.steps[1:]) for s in sets)
    assert sum(len(s.steps) for s in st) == len(plan.steps)


def test_a_paced_session_writes_the_plans_events_and_analyses_to_the_truth(tmp_path):
    path = tmp_path / "paced.h5"
    driver, session, runner, plan, cues = paced_session(path, repeat_first_mvc=True)
    assert set(cues[::2]) == {"ready"} and cues[1::2][:3] == ["signal check", "rest", "mvc gmed left"]
    # the same labels as the timed plan, one more mvc trial for the repeat, spaced by the clinician
    planned = [(e.kind, e.label) for e in plan.events() if e.kind != "cue"]
    written = [(e.kind, e.label) for e in session.events() if e.kind in ("rest", "mvc", "set", "rep")]
    first_mvc = next(lab for k, lab in planned if k == "mvc")
    assert sorted(written) == sorted(planned + [("mvc", first_mvc)])
    assert [t.label for t in runner.trials].count(first_mvc) == 3 and runner.trials[2].number == 3
    assert all(t.best_uv > 0 for t in runner.trials)
    # the simulated subject followed: MVC trials are near the true MVC of their channel
    names = session.montage.names
    for label, _, v in ((t.label, t.number, t.best_uv) for t in runner.trials):
        ch = next(e.channel for e in session.events() if e.label == label)
        assert 0.85 < v / driver.truth.mvc_rms_uv[names.index(ch)] < 1.25, (label, v)
    live = runner.summary()
    offline = analyze_recording(path)
    assert offline.normalization == live.normalization == "mvc"
    assert [s.label for s in offline.sets] == ["clamshell left", "clamshell right"]
    for a, b in zip(live.sets, offline.sets):
        assert len(b.good_reps) == 5
        for ra, rb in zip(a.ratios, b.ratios):
            assert rb["value"] == pytest.approx(ra["value"], rel=1e-6)
    # tfl_dominant_clam: TFL outruns gmed on both working legs
    assert all(r["value"] < 1.0 for s in offline.sets for r in s.ratios if r["name"] == "gmed:tfl")


def test_repeat_is_only_for_an_mvc_trial():
    protocol = short(load_protocol("clamshell"))
    clock = ManualClock()
    driver = open_driver("sim:?channels=8&fast=1", clock=clock)
    session = Session(driver, clock=clock, ring_seconds=30)
    runner = PacedRunner(session, build_plan(protocol, driver.montage), subject=driver.subject)
    with pytest.raises(ConfigError, match="only an MVC trial"):
        runner.repeat_trial()
    assert runner.cue_at(0.0).phase == "waiting" and "signal check" in runner.cue_at(0.0).text
    runner.start_next()   # not started: session time stays 0, the check is counting down
    with pytest.raises(ConfigError, match="still running"):
        runner.start_next()
    assert runner.cue_at(0.0).phase == "ready" and runner.cue_at(0.0).remaining_s == 3.0


def test_target_cue_fires_once_per_crossing():
    cue = TargetCue(40.0)
    levels = [10, 30, 41, 45, 39, 35, 33, 31, 42, 20, float("nan")]
    hits = [cue.update({"gmed L": v}) for v in levels]
    # 41 crosses; 39/35/33 stay above 80 % of 40 = 32 (no re-arm); 31 re-arms; 42 crosses again
    assert [i for i, h in enumerate(hits) if h] == [2, 8]
    assert cue.above["gmed L"] is False


def test_dominance_needs_the_antagonist_to_lead_for_hold_s():
    m = DominanceMonitor(hold_s=1.0, clear_s=0.5)
    t = np.arange(0, 4.01, 0.25)
    # agonist 30, antagonist 35 from t=0.5 on; the agonist leads briefly at 2.0 (noise), then from 2.75 on
    ag = [40.0 if ti == 2.0 or ti >= 2.75 else 30.0 for ti in t]
    an = [35.0 if ti >= 0.5 else 20.0 for ti in t]
    out = [m.update(ti, a, b, True) for ti, a, b in zip(t, ag, an)]
    up = [ti for ti, w in zip(t, out) if w]
    assert up == [1.5, 1.75, 2.0, 2.25, 2.5, 2.75, 3.0]   # held through the blip, gone 0.5 s after 2.75
    m2 = DominanceMonitor(hold_s=0.5)
    assert not any(m2.update(ti, 1.0, 3.0, False) for ti in t)  # both below their activity threshold
    assert not any(m2.update(ti, float("nan"), 30.0, True) for ti in t)  # uncalibrated agonist


def test_biofeedback_judges_every_index_row_of_a_session():
    """On the simulator's TFL-dominant clamshell, fed all rows at once (a frame that
    came late), the prime mover reaches a low target and TFL outruns gmed once per rep."""
    from emgmap.app.biofeedback import Biofeedback
    driver, session, runner, plan, _ = paced_session(None, seed=5)   # gmed ~10, tfl ~40 %MVC
    s = session
    fb = Biofeedback(s.index_columns, s.montage, "gmed", target_pct=5.0, hold_s=0.5)
    set_right = next(e for e in s.events() if e.kind == "set" and e.label == "clamshell right")  # still in the rings
    a, b = s.rings.index_rows.oldest, s.rings.index_rows.total
    rows, codes = s.rings.index_rows.read_range(a, b), s.rings.index_norms.read_range(a, b)
    keep = (rows[:, 0] >= set_right.onset_s) & (rows[:, 0] < set_right.onset_s + set_right.duration_s)
    assert rows[0, 0] < set_right.onset_s
    hits = fb.feed(rows[keep], codes[keep], ("right",))
    assert fb.calibrated and hits == ["gmed_R"] * 5          # once per rep (re-armed at rest)
    assert fb.episodes == {("gmed:tfl", "right"): 5}         # TFL over gmed in every rep; the resting leg not judged

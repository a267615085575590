"""run/walk protocols, their session plan, and the CLI: session -> analyze gives the gait section."""
import json

import numpy as np
import pytest

from emgmap.cli import main
from emgmap.events import Event, EventKind, GaitPhase
from emgmap.protocols import build_plan, load_protocol
from emgmap.protocols.model import parse_protocol
from emgmap.recordings import open_recording
from emgmap.sim.model import sim_montage
from emgmap.types import ConfigError, Side

SHORT_RUN = """
name = "run"
title = "Short treadmill run"
unilateral = false
prime_mover = "gmed"
muscles = ["gmed", "gmax", "tfl", "bf", "vm"]

[gait]
mode = "run"
speed_kmh = 11.0
duration_s = 25.0

[calibration]
signal_check_s = 1.0
rest_s = 3.0
mvc_trials = 1
mvc_s = 2.0
mvc_rest_s = 1.0
set_rest_s = 2.0
"""


def test_builtin_run_and_walk_protocols():
    run, walk = load_protocol("run"), load_protocol("walk")
    assert run.gait.mode == "run" and run.gait.treadmill and run.gait.speed_kmh == 10.0
    assert walk.gait.mode == "walk" and walk.gait.duration_s == 120.0 and not walk.unilateral
    assert run.gait.instruction == "Run on the treadmill at 10 km/h (1 % incline) for 120 s"
    assert run.calibration.rest_s > 0 and run.calibration.mvc_trials >= 1


@pytest.mark.parametrize("gait, message", [
    ('mode = "hop"', "mode must be one of walk, run, got 'hop'"),
    ("duration_s = 5.0", "needs duration_s >= 10"),
    ("speed = 3.0", "[gait] has unknown field 'speed'"),
    ('speed_kmh = "fast"', "field 'speed_kmh' must be a finite number from 0.5 to 40, got 'fast'"),
])
def test_bad_gait_settings_are_named(gait, message):
    import tomllib
    doc = tomllib.loads(SHORT_RUN.replace('mode = "run"\nspeed_kmh = 11.0\nduration_s = 25.0', gait))
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_protocol(doc, "x.toml")


def test_gait_plan_is_calibration_then_one_set_per_bout_without_reps():
    import tomllib
    p = parse_protocol(tomllib.loads(SHORT_RUN))
    plan = build_plan(p, sim_montage(10))
    sets = plan.of_kind("set")
    assert len(sets) == 1 and sets[0].label == "run" and sets[0].duration == 25.0 and not plan.of_kind("rep")
    assert len(plan.of_kind("mvc")) == 10                       # 5 muscles x 2 sides x 1 trial
    cue = plan.cue_at(sets[0].start + 10)
    assert cue.phase == "run" and cue.text.startswith("Run on the treadmill at 11 km/h")
    assert cue.remaining_s == pytest.approx(15.0)
    assert plan.cue_at(plan.duration + 1).phase == "done"


def test_session_then_analyze_gives_the_gait_section(tmp_path, capsys):
    proto = tmp_path / "run.toml"
    proto.write_text(SHORT_RUN)
    out = tmp_path / "run.h5"
    device = "sim:?exercise=run&scenario=late_gmed_right&fs=1000&seed=3"
    assert main(["session", "--device", device, "--protocol", str(proto), "--fast", "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert "gait (run): events from" in text and "steps/min" in text
    assert main(["analyze", str(out), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    gait = doc["gait"]
    assert gait["normalization"] == "mvc" and set(gait["sides"]) == {"left", "right"}
    left = gait["sides"]["left"]
    assert left["cadence_spm"] == pytest.approx(170, rel=0.03) and left["strides"] >= 25
    assert len(left["muscles"]["gmed_L"]["mean"]) == 101
    gmed = next(y for y in gait["symmetry"] if y["muscle"] == "gmed")
    assert gmed["si_percent"] < -5 and gmed["onset_delay_ms"] == pytest.approx(40, abs=15)
    # the simulated foot switches, accelerometers and knee angles stream beside the EMG into /aux
    assert gait["source"] == "footswitch" and gait["source_label"] == \
        "footswitch (left: footswitch_L, right: footswitch_R)"
    with open_recording(out) as rec:
        assert rec.aux_names == ["footswitch_L", "footswitch_R", "accel_L", "accel_R", "knee_L", "knee_R"]
        events = [e if isinstance(e, Event) else Event.from_row(e.onset_s, e.duration_s, e.kind, e.label, e.channel)
                  for e in rec.events]
    # the gait events were written live, stride by stride, by the same detector as offline
    live = [e for e in events if e.kind is EventKind.GAIT]
    contacts = np.array([e.onset_s for e in live if e.side is Side.LEFT and e.gait_phase is GaitPhase.CONTACT])
    assert live[0].channel == "footswitch_L" and live[0].label == "left contact"
    assert {e.gait_phase for e in live} == {GaitPhase.CONTACT, GaitPhase.TOE_OFF}
    assert contacts.size >= left["strides"]
    from emgmap.analysis import analyze_recording
    offline = np.array([e.onset_s for e in analyze_recording(out, gait=True).gait.events
                        if e.side is Side.LEFT and e.gait_phase is GaitPhase.CONTACT])
    assert all(np.min(np.abs(offline - c)) < 0.005 for c in contacts)
    # the study table of the cohort analysis carries the gait measures, automatically for a run
    from emgmap.analysis import COLUMNS, analysis_rows
    rows = [r for r in analysis_rows(analyze_recording(out)) if r["measure"].startswith("gait_")]
    assert rows and all(tuple(r) == COLUMNS for r in rows)
    si = next(r for r in rows if r["measure"] == "gait_symmetry" and r["name"] == "gmed")
    assert si["value"] == pytest.approx(gmed["si_percent"]) and si["exercise"] == "run"
    assert main(["analyze", str(out), "--json", "--gait-source", "knee:knee_L,knee_R"]) == 0
    assert json.loads(capsys.readouterr().out)["gait"]["source"] == "knee"


def test_analyze_gait_source_errors_are_one_sentence(tmp_path, capsys):
    proto = tmp_path / "run.toml"
    proto.write_text(SHORT_RUN)
    out = tmp_path / "run.h5"
    assert main(["session", "--device", "sim:?exercise=run&fs=500", "--protocol", str(proto), "--fast",
                 "-o", str(out)]) == 0
    capsys.readouterr()
    assert main(["analyze", str(out), "--gait-source", "knee:FX"]) != 0
    err = capsys.readouterr().err
    assert "no aux column named 'FX' in this recording" in err and "Traceback" not in err

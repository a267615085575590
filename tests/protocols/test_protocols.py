from pathlib import Path

import numpy as np
import pytest

from emgmap.montage import default_montage, full_montage
from emgmap.protocols import build_plan, list_protocols, load_protocol
from emgmap.protocols.model import parse_protocol
from emgmap.sim import SimConfig, Simulator
from emgmap.types import ConfigError

BUILTIN = ("clamshell", "bridge", "single_leg_bridge", "single_leg_squat", "side_lying_abduction", "step_up",
           "lateral_band_walk", "isometric_hold")
REQUIRED_PAIRS = {"clamshell": "gmed:tfl", "side_lying_abduction": "gmed:tfl", "bridge": "gmax:bf",
                  "single_leg_bridge": "gmax:bf", "single_leg_squat": "vm:vl"}


@pytest.mark.parametrize("name", BUILTIN)
def test_builtin_protocols_load_and_plan(name):
    p = load_protocol(name)
    assert p.name == name and name in list_protocols()
    names = [x.name for x in p.pairs]
    assert REQUIRED_PAIRS.get(name, names[0]) in names
    if "bf" in p.muscles:  # hamstrings:quadriceps wherever the hamstrings are recorded
        assert "bf+st:rf+vm" in names
    plan = build_plan(p, full_montage())
    kinds = [e.kind for e in plan.events()]
    assert kinds.count("rest") == 1 and kinds.count("set") == p.timing.sets * (2 if p.unilateral else 1)
    assert kinds.count("rep") == p.timing.reps * kinds.count("set")


def test_single_leg_squat_has_both_pairs_and_hq_on_a_full_montage():
    p = load_protocol("single_leg_squat")
    assert [x.name for x in p.pairs_on(full_montage())] == ["gmax:bf", "vm:vl", "bf+st:rf+vm"]
    assert [x.name for x in p.pairs_on(default_montage())] == ["gmax:bf"]
    assert p.missing_muscles(default_montage()) == ["vm", "vl"]


def test_event_labels_follow_the_design():
    p = load_protocol("clamshell")
    plan = build_plan(p, default_montage())
    ev = [(e.kind, e.label, e.onset_s, e.duration_s, e.channel) for e in plan.events()]  # the rows on disk
    assert ev[0] == ("rest", "rest", 5.0, 10.0, "")
    mvc = [e for e in ev if e[0] == "mvc"]
    assert len(mvc) == 8 * 3 and mvc[0][1] == "mvc gmed left" and mvc[0][4] == "gmed_L"
    assert {e[1] for e in mvc} == {f"mvc {m} {s}" for m in ("gmed", "gmax", "tfl", "bf") for s in ("left", "right")}
    sets = [e for e in ev if e[0] == "set"]
    assert [s[1] for s in sets] == ["clamshell left", "clamshell right"]
    reps = [e for e in ev if e[0] == "rep"]
    assert reps[0][1] == "clamshell left rep 1" and reps[-1][1] == "clamshell right rep 10"
    for s in sets:  # every rep lies inside its set
        inside = [r for r in reps if r[1].startswith(s[1] + " rep")]
        assert len(inside) == 10 and all(s[2] <= r[2] and r[2] + r[3] <= s[2] + s[3] + 1e-9 for r in inside)
    bilateral = build_plan(load_protocol("bridge"), default_montage())
    assert [e.label for e in bilateral.events() if e.kind == "set"] == ["bridge"]


def test_cues_walk_through_a_rep():
    plan = build_plan(load_protocol("clamshell"), default_montage())
    rep = plan.of_kind("rep")[1]
    t = plan.protocol.timing
    assert plan.cue_at(rep.start + 0.1).phase == "up"
    assert plan.cue_at(rep.start + t.ramp_up + 0.1).phase == "hold"
    c = plan.cue_at(rep.start + t.ramp_up + t.hold + 0.5)
    assert c.phase == "down" and c.remaining_s == pytest.approx(t.ramp_down - 0.5)
    assert plan.cue_at(rep.end + 0.1).phase == "rest"
    assert plan.cue_at(rep.start).set_step.label == "clamshell left"
    assert plan.cue_at(plan.duration + 1).phase == "done"
    assert plan.cue_at(21).phase == "mvc" and "side-lying hip abduction" in plan.cue_at(21).text


def test_simulated_subject_follows_the_plan():
    sim = Simulator(SimConfig(scenario="tfl_dominant_clam", scatter=0.0, rep_variation=0.0))
    plan = build_plan(load_protocol("clamshell"), sim.montage)
    sim.schedule = plan.sim_schedule(sim)
    fs = sim.fs
    mvc = plan.of_kind("mvc")[0]
    a = sim.truth.activation(int((mvc.start + 2) * fs), 10)
    assert a[0, 0] == pytest.approx(100.0) and a[0, 1:].max() == 0  # only gmed_L, at 100 %MVC
    rep = plan.of_kind("rep")[0]
    t = plan.protocol.timing
    a = sim.truth.activation(int((rep.start + t.ramp_up + 0.5) * fs), 1)[0]
    m = sim.montage
    tfl_l, gmed_l, tfl_r = a[m.index("tfl", "left")], a[m.index("gmed", "left")], a[m.index("tfl", "right")]
    assert tfl_l == pytest.approx(3 * 15 * 0.97, rel=0.1) and gmed_l == pytest.approx(0.6 * 39, rel=0.1)
    assert tfl_r < 0.3 * tfl_l  # left is the working leg of the first set
    rest = sim.truth.activation(int((rep.end + 0.5) * fs), 1)[0]
    assert np.all(rest == 0)


BASE = {"name": "x", "unilateral": False, "prime_mover": "gmed", "muscles": ["gmed", "tfl"], "pairs": ["gmed:tfl"]}


@pytest.mark.parametrize("change, match", [
    ({"muscles": ["gmed", "glute"]}, r"muscles\[1\] is 'glute'"),
    ({"prime_mover": "bf"}, "prime_mover 'bf' must be one of its muscles"),
    ({"pairs": ["gmed-tfl"]}, r"pairs\[0\].*agonist:antagonist"),
    ({"unilateral": "yes"}, "field 'unilateral' must be true or false"),
    ({"timing": {"reps": "ten"}}, r"\[timing\]: field 'reps' must be a whole number from 1 to 100, got 'ten'"),
    ({"timing": {"hold": -1}}, r"field 'hold' must be a finite number from 0 to 600, got -1"),
    # issue 18 item 12: each was a traceback, a silent drop of every set, or a hang
    ({"muscles": [["gmed"]]}, r"muscles\[0\] must be a string, got \['gmed'\]"),
    ({"expected": {"x": 5}}, r"\[expected.'x'\] must be a table"),
    ({"expected": {"gmed:tfl": {"range": [1, float("inf")]}}}, "range must be"),
    ({"timing": {"hold": float("inf")}}, r"field 'hold' must be a finite number from 0 to 600, got inf"),
    ({"timing": {"hold": float("nan")}}, r"field 'hold' must be a finite number from 0 to 600, got nan"),
    ({"timing": {"reps": 1e8}}, r"field 'reps' must be a whole number from 1 to 100, got 1e\+08"),
    ({"timing": {"reps": 100_000_000}}, r"field 'reps' must be a whole number from 1 to 100, got 100000000"),
    ({"calibration": {"mvc_trials": 2.5}}, r"field 'mvc_trials' must be a whole number from 0 to 10"),
    ({"zones": {"symmetry_green": 30, "symmetry_amber": 20}}, "symmetry_green .30. must not exceed"),
    ({"pairs": [5]}, r"pairs\[0\] must be a string, got 5"),
    ({"cues": {"up": 3}}, r"\[cues\] up must be a string"),
    ({"muscles": []}, "lists no muscle"),
    ({"timing": {"tempo": 1}}, r"\[timing\] has unknown field 'tempo'"),
    ({"cues": {"push": "x"}}, "unknown phase 'push'"),
    ({"expected": {"gmed:tfl": {"range": [3, 1]}}}, "range must be"),
    ({"colour": "red"}, "unknown field 'colour'"),
])
def test_malformed_protocols_name_file_and_field(change, match):
    doc = {**BASE, **change}
    with pytest.raises(ConfigError, match=match) as e:
        parse_protocol(doc, "my.toml")
    assert "my.toml" in str(e.value)


def test_a_binary_file_is_one_sentence(tmp_path):
    from emgmap.montage import Montage
    from emgmap.types import MontageError
    junk = tmp_path / "junk.toml"
    junk.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(ConfigError, match="is not a text \\(TOML\\) file"):
        load_protocol(junk)
    with pytest.raises(MontageError, match="is not a text \\(TOML\\) file"):
        Montage.load(junk)


def test_every_builtin_protocol_passes_the_schema():
    for name in list_protocols():
        load_protocol(name)


def test_missing_field_and_bad_toml(tmp_path):
    with pytest.raises(ConfigError, match="missing field 'muscles'"):
        parse_protocol({"name": "x", "unilateral": True, "prime_mover": "gmed"}, "f.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("name = [")
    with pytest.raises(ConfigError, match=f"protocol file {bad} is not valid TOML"):
        load_protocol(bad)
    with pytest.raises(ConfigError, match="unknown protocol 'plank'; valid: bridge, clamshell"):
        load_protocol("plank")


def test_user_folder_adds_and_overrides(tmp_path, monkeypatch):
    monkeypatch.setenv("EMGMAP_PROTOCOLS", str(tmp_path))
    (tmp_path / "monster_walk.toml").write_text(
        'name = "monster_walk"\nunilateral = false\nprime_mover = "gmed"\nmuscles = ["gmed", "tfl"]\n'
        'pairs = ["gmed:tfl"]\nsimulate_as = "lateral_band_walk"\n')
    assert load_protocol("monster_walk").simulate_as == "lateral_band_walk"
    assert "clamshell" in list_protocols()


def test_protocol_whose_muscles_are_not_on_the_montage():
    from emgmap.montage import bilateral
    with pytest.raises(ConfigError, match="none of which is on the montage"):
        build_plan(load_protocol("single_leg_squat"), bilateral(("es",)))


CUSTOM_MONTAGE = """
[[channel]]
name = "hipL"
muscle = "gmed"
side = "left"
[[channel]]
name = "hipR"
muscle = "gmed"
side = "right"
[[channel]]
name = "tflL"
muscle = "tfl"
side = "left"
[[channel]]
name = "tflR"
muscle = "tfl"
side = "right"
"""


def test_the_simulator_follows_a_custom_montage_and_an_unknown_protocol():
    """Issue 18 item 6: channel names other than gmed_L... raised ValueError (tuple.index), a
    user protocol named 'p' without simulate_as raised KeyError: 'p'."""
    import tomllib

    from emgmap.drivers import open_driver
    from emgmap.montage import Montage
    montage = Montage.loads(CUSTOM_MONTAGE)
    doc = tomllib.loads((Path(__file__).resolve().parents[2] / "emgmap/protocols/builtin/clamshell.toml")
                        .read_text())
    protocol = parse_protocol({**doc, "name": "p"}, "p.toml")
    driver = open_driver("sim:?fast=1&seed=2")
    driver.wear(montage)
    assert driver.montage.names == ("hipL", "hipR", "tflL", "tflR") and driver.spec.n_channels == 4
    plan = build_plan(protocol, montage)
    driver.sim.schedule = plan.sim_schedule(driver.sim)
    fs, truth = driver.spec.fs, driver.sim.truth
    mvc = plan.of_kind("mvc")[0]
    assert (mvc.channel, mvc.label) == ("hipL", "mvc gmed left")
    a = truth.activation(int((mvc.start + mvc.duration / 2) * fs), 1)[0]
    assert a[0] == pytest.approx(100.0) and np.all(a[1:] == 0)  # the MVC lands on hipL, nowhere else
    rep = plan.of_kind("rep")[0]  # left leg works: a generic profile, prime mover (gmed) above tfl
    a = truth.activation(int((rep.start + protocol.timing.ramp_up + 0.5) * fs), 1)[0]
    assert a[0] > a[2] > 0 and a[0] > a[1]
    with pytest.raises(ConfigError, match="simulate_as 'hopping' is not a simulator exercise"):
        build_plan(parse_protocol({**doc, "simulate_as": "hopping"}, "q.toml"), montage).sim_schedule(driver.sim)
